"""Islands, smoothing (median, opening, closing) and logical operations, voxel for voxel."""

from __future__ import annotations

import numpy as np
import pytest

from tests.workspace.segmentation.conftest import LESION, LIVER, SPLEEN, make_document
from workspace.segmentation.area import EditableArea, EditError, EditRule
from workspace.segmentation.document import SetSegmentLock
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.islands import IslandsOptions, IslandsTool
from workspace.segmentation.tools.logical import LogicalOptions, LogicalTool
from workspace.segmentation.tools.smoothing import SmoothingOptions, SmoothingTool
from workspace.volume.geometry import VolumeGeometry

BIG_ISLAND = (slice(2, 6), slice(2, 6), slice(2, 6))  # 64 voxels
MID_ISLAND = (slice(10, 13), slice(10, 13), slice(10, 13))  # 27 voxels
SPECK = (15, 30, 40)


@pytest.fixture
def islands(context) -> ToolContext:
    labels = context.document.labels
    labels[BIG_ISLAND] = LIVER.value
    labels[MID_ISLAND] = LIVER.value
    labels[SPECK] = LIVER.value
    return context


def _liver(context: ToolContext) -> np.ndarray:
    return context.document.labels == LIVER.value


def _expected(*parts) -> np.ndarray:
    mask = np.zeros((20, 40, 50), np.bool_)
    for part in parts:
        mask[part] = True
    return mask


@pytest.mark.parametrize(
    ("options", "at", "kept"),
    [
        (IslandsOptions("keep_largest"), None, [BIG_ISLAND]),
        (IslandsOptions("remove_small", min_voxels=27), None, [BIG_ISLAND, MID_ISLAND]),
        (IslandsOptions("remove_small", min_voxels=28), None, [BIG_ISLAND]),
        (IslandsOptions("keep_selected"), Pointer((11, 11, 11)), [MID_ISLAND]),
        (IslandsOptions("remove_selected"), Pointer((11, 11, 11)), [BIG_ISLAND, SPECK]),
    ],
)
def test_island_cleanups(islands, stack, options, at, kept) -> None:
    tool = IslandsTool(options)
    tool.activate(islands)
    stack.push(tool.apply(at))
    assert np.array_equal(_liver(islands), _expected(*kept))
    stack.undo()
    assert np.array_equal(_liver(islands), _expected(BIG_ISLAND, MID_ISLAND, SPECK))


def test_selecting_outside_an_island_is_refused(islands) -> None:
    tool = IslandsTool(IslandsOptions("keep_selected"))
    tool.activate(islands)
    with pytest.raises(EditError, match="Click on an island"):
        tool.apply(Pointer((0, 0, 0)))


def test_split_makes_a_segment_per_island_in_one_undo_step(islands, stack) -> None:
    document = islands.document
    tool = IslandsTool(IslandsOptions("split", min_voxels=1))
    tool.activate(islands)
    stack.push(tool.apply())
    assert [(s.value, s.name) for s in document.segments[3:]] == [(4, "liver 2"), (5, "liver 3")]
    assert np.array_equal(_liver(islands), _expected(BIG_ISLAND))
    assert np.array_equal(document.labels == 4, _expected(MID_ISLAND))
    assert np.array_equal(document.labels == 5, _expected(SPECK))
    stack.undo()
    assert len(document.segments) == 3
    assert np.array_equal(_liver(islands), _expected(BIG_ISLAND, MID_ISLAND, SPECK))
    tool.options = IslandsOptions("split", min_voxels=10)  # the speck stays in the liver
    stack.push(tool.apply())
    assert [s.name for s in document.segments[3:]] == ["liver 2"]
    assert np.array_equal(_liver(islands), _expected(BIG_ISLAND, SPECK))


def test_face_or_full_connectivity(context, stack) -> None:
    labels = context.document.labels
    labels[5, 5, 5] = labels[6, 6, 6] = LIVER.value  # touch at a corner only
    tool = IslandsTool(IslandsOptions("keep_largest", fully_connected=True))
    tool.activate(context)
    assert tool.apply() is None  # one island: nothing to remove
    tool.options = IslandsOptions("keep_largest")
    stack.push(tool.apply())
    assert int(_liver(context).sum()) == 1


# Smoothing on 1 mm pixels and 3 mm slices: a 1 mm kernel is a 3x3 square in each slice.
FLAT = VolumeGeometry((5, 30, 40), (1.0, 1.0, 3.0))


@pytest.fixture
def flat() -> ToolContext:
    return ToolContext(make_document(FLAT), segment=LIVER.value)


def test_median_removes_specks_fills_pits_and_trims_corners(flat, stack) -> None:
    labels = flat.document.labels
    labels[2, 10:20, 10:20] = LIVER.value
    labels[2, 15, 15] = 0  # a pit
    labels[2, 4, 4] = LIVER.value  # a speck
    tool = SmoothingTool(SmoothingOptions("median", radius_mm=1.0))
    tool.activate(flat)
    assert tool.radius_voxels() == [0, 1, 1]
    stack.push(tool.apply())
    expected = np.zeros(FLAT.shape, np.bool_)
    expected[2, 10:20, 10:20] = True
    for j, i in ((10, 10), (10, 19), (19, 10), (19, 19)):  # 4 of 9 neighbours: not a majority
        expected[2, j, i] = False
    assert np.array_equal(labels == LIVER.value, expected)


def test_opening_cuts_thin_spurs(flat, stack) -> None:
    labels = flat.document.labels
    labels[2, 10:20, 10:20] = LIVER.value
    labels[2, 15, 20:28] = LIVER.value  # a one-voxel spur
    tool = SmoothingTool(SmoothingOptions("opening", radius_mm=1.0))
    tool.activate(flat)
    stack.push(tool.apply())
    expected = np.zeros(FLAT.shape, np.bool_)
    expected[2, 10:20, 10:20] = True
    assert np.array_equal(labels == LIVER.value, expected)


def test_closing_bridges_gaps_through_the_editable_area(flat, stack) -> None:
    labels = flat.document.labels
    labels[2, 10:20, 10:20] = LIVER.value
    labels[2, 10:20, 21:30] = LIVER.value  # a one-voxel gap at i = 20
    labels[2, 14, 20] = SPLEEN.value
    stack.push(SetSegmentLock(flat.document, SPLEEN.value, True))
    tool = SmoothingTool(SmoothingOptions("closing", radius_mm=1.0))
    tool.activate(flat)
    stack.push(tool.apply())
    expected = np.zeros(FLAT.shape, np.bool_)
    expected[2, 10:20, 10:30] = True
    expected[2, 14, 20] = False
    assert np.array_equal(labels == LIVER.value, expected)
    assert labels[2, 14, 20] == SPLEEN.value
    tool.options = SmoothingOptions("closing", radius_mm=0.4)
    with pytest.raises(EditError, match="smaller"):
        tool.apply()


@pytest.fixture
def pair(context) -> ToolContext:
    labels = context.document.labels
    labels[5, 5:10, 5:10] = LIVER.value
    labels[5, 20:25, 20:25] = SPLEEN.value
    labels[6, 0, 0] = LESION.value
    return context


def _region(*parts: tuple[int, slice, slice]) -> np.ndarray:
    return _expected(*parts)


LIVER_AREA = (5, slice(5, 10), slice(5, 10))
SPLEEN_AREA = (5, slice(20, 25), slice(20, 25))


@pytest.mark.parametrize(
    ("operation", "liver", "spleen"),
    [
        ("union", [LIVER_AREA, SPLEEN_AREA], []),
        ("copy", [SPLEEN_AREA], []),
        ("intersect", [], [SPLEEN_AREA]),
        ("clear", [], [SPLEEN_AREA]),
    ],
)
def test_logical_operations(pair, stack, operation, liver, spleen) -> None:
    tool = LogicalTool(LogicalOptions(operation, modifier=SPLEEN.value))
    tool.activate(pair)
    stack.push(tool.apply())
    labels = pair.document.labels
    assert np.array_equal(labels == LIVER.value, _region(*liver))
    assert np.array_equal(labels == SPLEEN.value, _region(*spleen))
    assert labels[6, 0, 0] == LESION.value
    stack.undo()
    assert np.array_equal(labels == LIVER.value, _region(LIVER_AREA))


def test_logical_subtract_overlap_rule_and_missing_modifier(pair) -> None:
    tool = LogicalTool(LogicalOptions("subtract", modifier=SPLEEN.value))
    tool.activate(pair)
    assert tool.apply() is None  # disjoint segments: nothing to subtract
    pair.area = EditableArea(EditRule.ALLOW_OVERLAP)
    tool.options = LogicalOptions("union", modifier=SPLEEN.value)
    assert tool.apply() is None  # the spleen's voxels are not background
    tool.options = LogicalOptions("union")
    with pytest.raises(EditError, match="modifier"):
        tool.apply()
