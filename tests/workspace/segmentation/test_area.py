"""The editable area: overwrite all / visible only / allow overlap, locks, intensity mask."""

from __future__ import annotations

import numpy as np
import pytest

from tests.workspace.segmentation.conftest import LESION, LIVER, SPLEEN
from workspace.segmentation.area import EditableArea, EditError, EditRule
from workspace.segmentation.document import SetSegmentLock, SetSegmentVisibility
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.paint import BrushOptions, PaintTool


@pytest.fixture
def striped(context):
    """Slice 10: columns 0-9 spleen, 10-19 lesion, the rest background; a brush covering it."""
    labels = context.document.labels
    labels[10, :, 0:10] = SPLEEN.value
    labels[10, :, 10:20] = LESION.value
    tool = PaintTool(BrushOptions(radius_mm=30.0))  # covers the whole 40x50 slice
    tool.activate(context)
    return tool


def _paint(tool, stack):
    command = tool.apply(Pointer((10, 20, 25)))
    if command is not None:
        stack.push(command)
    return tool.context.document.labels[10]


def test_overwrite_all_paints_over_other_segments(context, stack, striped) -> None:
    labels = _paint(striped, stack)
    assert (labels == LIVER.value).all()


def test_overwrite_visible_spares_hidden_segments(context, stack, striped) -> None:
    stack.push(SetSegmentVisibility(context.document, SPLEEN.value, False))
    context.area = EditableArea(EditRule.OVERWRITE_VISIBLE)
    labels = _paint(striped, stack)
    assert (labels[:, 0:10] == SPLEEN.value).all()
    assert (labels[:, 10:] == LIVER.value).all()


def test_allow_overlap_paints_background_only(context, stack, striped) -> None:
    context.area = EditableArea(EditRule.ALLOW_OVERLAP)
    labels = _paint(striped, stack)
    assert (labels[:, 0:10] == SPLEEN.value).all()
    assert (labels[:, 10:20] == LESION.value).all()
    assert (labels[:, 20:] == LIVER.value).all()


def test_locked_segments_are_never_overwritten_nor_painted(context, stack, striped) -> None:
    stack.push(SetSegmentLock(context.document, LESION.value, True))
    labels = _paint(striped, stack)
    assert (labels[:, 10:20] == LESION.value).all()
    assert (labels[:, 0:10] == LIVER.value).all()
    stack.push(SetSegmentLock(context.document, LIVER.value, True))
    with pytest.raises(EditError, match="locked"):
        striped.apply(Pointer((10, 20, 25)))


def test_intensity_range_masks_painting_and_erasing(context, stack, striped) -> None:
    from workspace.segmentation.tools.erase import EraserOptions, EraseTool

    context.area = EditableArea(EditRule.OVERWRITE_ALL, intensity_range=(5, 14.5))  # i = 5..14
    labels = _paint(striped, stack)
    assert (labels[:, 5:15] == LIVER.value).all()
    assert (labels[:, 0:5] == SPLEEN.value).all()
    assert (labels[:, 15:20] == LESION.value).all()
    assert not labels[:, 20:].any()
    eraser = EraseTool(EraserOptions(radius_mm=30.0))
    eraser.activate(context)
    context.area = EditableArea(intensity_range=(8, 9))
    stack.push(eraser.apply(Pointer((10, 20, 25))))
    assert not labels[:, 8:10].any()
    assert (labels[:, 5:8] == LIVER.value).all() and (labels[:, 10:15] == LIVER.value).all()


def test_intensity_mask_needs_the_volume_and_a_real_range(context, striped) -> None:
    with pytest.raises(ValueError, match="empty"):
        EditableArea(intensity_range=(10, 5))
    context.area = EditableArea(intensity_range=(0, 1))
    context.volume = None
    with pytest.raises(EditError, match="intensity"):
        striped.apply(Pointer((10, 20, 25)))


def test_nothing_editable_gives_no_command(context, striped) -> None:
    context.area = EditableArea(intensity_range=(1000, 2000))
    assert striped.apply(Pointer((10, 20, 25))) is None
    assert not np.any(context.document.labels[10] == LIVER.value)
