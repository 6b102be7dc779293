"""Threshold (with preview), region grow (connected, confidence, in one slice), fill between."""

from __future__ import annotations

import numpy as np
import pytest

from tests.workspace.segmentation.conftest import GEOMETRY, LIVER, SPLEEN
from workspace.segmentation.area import EditableArea, EditError, EditRule
from workspace.segmentation.document import SetSegmentLock
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.fill_between import FillBetweenOptions, FillBetweenTool
from workspace.segmentation.tools.region_grow import RegionGrowOptions, RegionGrowTool
from workspace.segmentation.tools.threshold import ThresholdOptions, ThresholdTool
from workspace.volume.model import Volume


def test_threshold_preview_is_what_apply_paints(context, stack) -> None:
    labels = context.document.labels
    labels[:, :, 15] = SPLEEN.value
    context.area = EditableArea(EditRule.ALLOW_OVERLAP)
    tool = ThresholdTool(ThresholdOptions(low=10, high=19))
    tool.activate(context)
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[:, :, 10:20] = True
    expected[:, :, 15] = False  # the spleen is not background
    preview = tool.preview()
    assert np.array_equal(preview, expected)
    assert np.array_equal(tool.preview_slice(0, 3), expected[3])
    assert np.array_equal(tool.preview_slice(2, 12), expected[:, :, 12])
    stack.push(tool.apply())
    assert np.array_equal(labels == LIVER.value, expected)
    assert (labels[:, :, 15] == SPLEEN.value).all()


def test_threshold_replace_clears_the_segment_outside_the_range(context, stack) -> None:
    labels = context.document.labels
    labels[3, 3, 40] = LIVER.value
    tool = ThresholdTool(ThresholdOptions(low=0, high=4.5))
    tool.activate(context)
    stack.push(tool.apply())
    assert labels[3, 3, 40] == LIVER.value  # added to, not replaced
    tool.options = ThresholdOptions(low=0, high=4.5, replace=True)
    stack.push(tool.apply())
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[:, :, 0:5] = True
    assert np.array_equal(labels == LIVER.value, expected)
    with pytest.raises(ValueError, match="empty"):
        ThresholdOptions(low=5, high=1)


@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize(
    ("low", "high"),
    [
        (-0.5, 10.5),
        (3.0, 3.0),
        (2.2, 2.8),  # no integer inside
        (-1e9, 1e9),
        (-np.inf, np.inf),
        (70000.0, 80000.0),  # above every uint8/int16 value
        (-80000.0, -70000.0),
        (np.nan, 5.0),
    ],
)
def test_threshold_selects_what_a_float_comparison_selects(
    document, dtype: type, low: float, high: float
) -> None:
    """In-range voxels are compared in the volume's own type, exactly as with the floats."""
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else np.finfo(dtype)
    values = np.linspace(max(info.min, -40000), min(info.max, 40000), num=GEOMETRY.shape[2])
    voxels = np.broadcast_to(values.astype(dtype), GEOMETRY.shape).copy()
    voxels[0, 0, :12] = np.arange(12)
    tool = ThresholdTool(ThresholdOptions(low, high))
    tool.activate(ToolContext(document, Volume(voxels, GEOMETRY), segment=LIVER.value))
    expected = (voxels.astype(np.float64) >= low) & (voxels.astype(np.float64) <= high)
    assert np.array_equal(tool.in_range(), expected)


def test_threshold_needs_the_volume(document) -> None:
    tool = ThresholdTool()
    tool.activate(ToolContext(document, None, segment=LIVER.value))
    with pytest.raises(EditError, match="volume"):
        tool.preview()


@pytest.fixture
def blobs(document) -> ToolContext:
    """Two bright cubes (100 HU) apart in a dark volume; the first touches a 60 HU rim."""
    voxels = np.zeros(GEOMETRY.shape, np.int16)
    voxels[4:8, 10:16, 10:20] = 100
    voxels[4:8, 16, 10:20] = 60
    voxels[12:16, 25:30, 30:40] = 100
    return ToolContext(document, Volume(voxels, GEOMETRY), segment=LIVER.value)


def test_connected_threshold_grows_only_the_seeded_cube(blobs, stack) -> None:
    tool = RegionGrowTool(RegionGrowOptions(low=50, high=150))
    tool.activate(blobs)
    stack.push(tool.apply(Pointer((5, 12, 12))))
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[4:8, 10:17, 10:20] = True  # the cube and its 60 HU rim, not the other cube
    assert np.array_equal(blobs.document.labels == LIVER.value, expected)
    with pytest.raises(EditError, match="outside"):
        tool.apply(Pointer((0, 0, 0)))


def test_connected_threshold_in_one_slice(blobs, stack) -> None:
    tool = RegionGrowTool(RegionGrowOptions(low=90, high=150, in_slice=True))
    tool.activate(blobs)
    stack.push(tool.apply(Pointer((5, 12, 12), axis=0)))
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[5, 10:16, 10:20] = True
    assert np.array_equal(blobs.document.labels == LIVER.value, expected)
    stack.undo()
    stack.push(tool.apply(Pointer((5, 12, 12), axis=2)))  # a sagittal slice: fixed i = 12
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[4:8, 10:16, 12] = True
    assert np.array_equal(blobs.document.labels == LIVER.value, expected)


def test_confidence_connected_grows_from_the_seed_statistics(blobs, stack) -> None:
    tool = RegionGrowTool(RegionGrowOptions(method="confidence", multiplier=2.0, iterations=2))
    tool.activate(blobs)
    stack.push(tool.apply(Pointer((13, 27, 35))))
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[12:16, 25:30, 30:40] = True  # uniform cube: mean 100, no spread
    assert np.array_equal(blobs.document.labels == LIVER.value, expected)
    with pytest.raises(ValueError, match="method"):
        RegionGrowOptions(method="watershed")  # type: ignore[arg-type]


def test_fill_between_identical_slices_copies_the_shape(context, stack) -> None:
    labels = context.document.labels
    labels[2, 10:20, 12:30] = LIVER.value
    labels[6, 10:20, 12:30] = LIVER.value
    tool = FillBetweenTool()
    tool.activate(context)
    stack.push(tool.apply())
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[2:7, 10:20, 12:30] = True
    assert np.array_equal(labels == LIVER.value, expected)
    assert tool.apply() is None  # no empty slice between drawn ones any more


def test_fill_between_grows_a_shape_between_a_small_and_a_large_one(context, stack) -> None:
    labels = context.document.labels
    labels[0, 18:22, 20:30] = LIVER.value  # 4 mm x 5 mm
    labels[8, 10:30, 5:45] = LIVER.value  # 20 mm x 20 mm
    tool = FillBetweenTool()
    tool.activate(context)
    stack.push(tool.apply())
    painted = labels == LIVER.value
    areas = painted.sum(axis=(1, 2))
    assert areas[0] == 40 and areas[8] == 800
    assert (np.diff(areas[:9]) > 0).all()  # grows steadily
    for k in range(1, 8):
        assert not (painted[k] & ~painted[8]).any()  # inside the larger outline
        assert (painted[k] | ~painted[0]).all()  # covers the smaller one
        rows, cols = np.nonzero(painted[k])
        assert rows.min() + rows.max() == 39 and cols.min() + cols.max() == 49  # centred
    assert not painted[9:].any()


def test_fill_between_along_i_and_through_the_editable_area(context, stack) -> None:
    labels = context.document.labels
    labels[5:9, 10:14, 20] = LIVER.value
    labels[5:9, 10:14, 24] = LIVER.value
    labels[6, 11, 22] = SPLEEN.value
    stack.push(SetSegmentLock(context.document, SPLEEN.value, True))
    tool = FillBetweenTool(FillBetweenOptions(axis=2))
    tool.activate(context)
    stack.push(tool.apply())
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[5:9, 10:14, 20:25] = True
    expected[6, 11, 22] = False
    assert np.array_equal(labels == LIVER.value, expected)
    assert labels[6, 11, 22] == SPLEEN.value
