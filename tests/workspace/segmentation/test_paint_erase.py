"""Brush and eraser: exact voxels in mm on anisotropic grids; the registry and lifecycle."""

from __future__ import annotations

import numpy as np
import pytest

from tests.workspace.segmentation.conftest import GEOMETRY, LIVER, SPLEEN
from workspace.segmentation.area import EditError
from workspace.segmentation.delta import LabelMapEdit
from workspace.segmentation.tools import registry
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.erase import EraserOptions, EraseTool
from workspace.segmentation.tools.paint import BrushOptions, PaintTool


def _ellipse(center_j: int, center_i: int, radius: float) -> np.ndarray:
    j, i = np.indices(GEOMETRY.shape[1:])
    return ((j - center_j) * 1.0) ** 2 + ((i - center_i) * 0.5) ** 2 <= radius**2


def test_disc_in_the_axial_slice_honours_anisotropic_spacing(context, stack) -> None:
    tool = PaintTool(BrushOptions(radius_mm=3.0))
    tool.activate(context)
    stack.push(tool.apply(Pointer((10, 20, 25), axis=0)))
    labels = context.document.labels
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[10] = _ellipse(20, 25, 3.0)
    assert np.array_equal(labels == LIVER.value, expected)
    painted = np.argwhere(labels)
    assert np.ptp(painted[:, 2]) == 12 and np.ptp(painted[:, 1]) == 6  # ±6 of 0.5 mm, ±3 of 1 mm


def test_disc_in_a_sagittal_view_and_a_sphere(context, stack) -> None:
    tool = PaintTool(BrushOptions(radius_mm=4.0))
    tool.activate(context)
    stack.push(tool.apply(Pointer((10, 20, 25), axis=2)))  # fixed i: a disc over k (2 mm) and j
    labels = context.document.labels
    k, j = np.indices(GEOMETRY.shape[:2])
    expected = np.zeros(GEOMETRY.shape, np.bool_)
    expected[:, :, 25] = ((k - 10) * 2.0) ** 2 + ((j - 20) * 1.0) ** 2 <= 16.0
    assert np.array_equal(labels == LIVER.value, expected)
    stack.undo()
    tool.options = BrushOptions(radius_mm=4.0, sphere=True)
    stack.push(tool.apply(Pointer((10, 20, 25))))
    k, j, i = np.indices(GEOMETRY.shape)
    sphere = ((k - 10) * 2.0) ** 2 + ((j - 20) * 1.0) ** 2 + ((i - 25) * 0.5) ** 2 <= 16.0
    assert np.array_equal(labels == LIVER.value, sphere)
    assert set(np.argwhere(labels)[:, 0]) == {8, 9, 10, 11, 12}


def test_dab_at_the_border_is_clipped_and_a_stroke_is_one_step(context, stack) -> None:
    tool = PaintTool(BrushOptions(radius_mm=2.0))
    tool.activate(context)
    stack.push(tool.apply(Pointer((0, 0, 0))))
    assert np.array_equal(context.document.labels[0] == 1, _ellipse(0, 0, 2.0))
    stack.undo()
    points = [Pointer((5, 10, i)) for i in range(10, 30, 2)]
    command = tool.apply_stroke(points)
    stack.push(command)
    expected = np.zeros(GEOMETRY.shape[1:], np.bool_)
    for point in points:
        expected |= _ellipse(10, point.voxel[2], 2.0)
    assert np.array_equal(context.document.labels[5] == 1, expected)
    stack.undo()
    assert not context.document.labels.any()


def test_eraser_clears_the_selected_segment_or_every_visible_one(context, stack) -> None:
    labels = context.document.labels
    labels[10, 15:26, 20:31] = LIVER.value
    labels[10, 15:26, 25:31] = SPLEEN.value
    eraser = EraseTool(EraserOptions(radius_mm=2.0))
    eraser.activate(context)
    stack.push(eraser.apply(Pointer((10, 20, 25))))
    disc = _ellipse(20, 25, 2.0)
    assert not (labels[10][disc] == LIVER.value).any()
    assert (labels[10][disc & (np.indices(disc.shape)[1] >= 25)] == SPLEEN.value).all()
    assert eraser.apply(Pointer((10, 20, 25))) is None  # nothing of the liver left there
    eraser.options = EraserOptions(radius_mm=2.0, all_segments=True)
    stack.push(eraser.apply(Pointer((10, 20, 25))))
    assert not labels[10][disc].any()
    assert (labels[10, 15:26, 20:31] != 0).sum() == 121 - disc.sum()


def test_eraser_leaves_locked_segments(context, stack) -> None:
    from workspace.segmentation.document import SetSegmentLock

    context.document.labels[10, 20, 25] = SPLEEN.value
    stack.push(SetSegmentLock(context.document, SPLEEN.value, True))
    eraser = EraseTool(EraserOptions(radius_mm=2.0, all_segments=True))
    eraser.activate(context)
    assert eraser.apply(Pointer((10, 20, 25))) is None


def test_registry_lists_the_builtins_and_rejects_a_duplicate_id() -> None:
    assert registry.load_builtin_tools() == []
    assert registry.tool_ids() == [
        "erase",
        "fill_between",
        "islands",
        "logical",
        "paint",
        "region_grow",
        "smoothing",
        "threshold",
    ]
    assert isinstance(registry.create_tool("paint"), PaintTool)
    with pytest.raises(ValueError, match="already registered"):

        @registry.register_tool
        class Again(PaintTool):
            tool_id = "paint"

    with pytest.raises(KeyError, match="known: erase"):
        registry.tool_class("lasso")


def test_a_new_tool_registers_and_unregisters() -> None:
    @registry.register_tool
    class Nothing(Tool[None]):
        tool_id = "test:nothing"
        title = "Nothing"

        @classmethod
        def default_options(cls) -> None:
            return None

        def apply(self, at: Pointer | None = None) -> None:
            return None

    try:
        assert "test:nothing" in registry.tool_ids()
    finally:
        registry.unregister_tool("test:nothing")
    assert "test:nothing" not in registry.tool_ids()


def test_lifecycle_and_refusals(context) -> None:
    tool = registry.create_tool("paint")
    assert not tool.active
    with pytest.raises(EditError, match="not active"):
        tool.apply(Pointer((1, 1, 1)))
    tool.activate(context)
    with pytest.raises(EditError, match="needs a point"):
        tool.apply()
    with pytest.raises(EditError, match="outside"):
        tool.apply(Pointer((20, 0, 0)))
    context.segment = None
    with pytest.raises(EditError, match="Select a segment"):
        tool.apply(Pointer((1, 1, 1)))
    context.segment = 9
    with pytest.raises(EditError, match="no segment"):
        tool.apply(Pointer((1, 1, 1)))
    context.segment = LIVER.value
    assert isinstance(tool.apply(Pointer((1, 1, 1))), LabelMapEdit)
    tool.deactivate()
    assert not tool.active
    with pytest.raises(ValueError, match="radius"):
        BrushOptions(radius_mm=0.0)
    with pytest.raises(ValueError, match="axis"):
        Pointer((1, 1, 1), axis=3)
