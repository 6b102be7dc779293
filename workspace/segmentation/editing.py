"""What every tool edits through: the context (document, volume, selected segment, editable
area) and the label-map edits: paint, erase, set a segment's shape, replace values.

Each returns a :class:`~workspace.segmentation.delta.LabelMapEdit` to push (nothing is changed
until it is pushed), or None when the editable area leaves nothing to change.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from workspace.segmentation.area import (
    EditableArea,
    EditError,
    Mask,
    check_target,
    erasable,
    intensity_mask,
    paint_limit,
)
from workspace.segmentation.delta import (
    BBox,
    LabelDelta,
    LabelMapEdit,
    Labels,
    bbox_region,
)
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.progress import Progress
from workspace.segmentation.shapes import full_bbox, mask_bbox
from workspace.volume.model import Segment, Volume


@dataclass
class ToolContext:
    """The editing environment a viewer hands its active tool; it may change while active."""

    document: SegmentationDocument
    volume: Volume | None = None
    segment: int | None = None  # label value of the selected segment
    area: EditableArea = field(default_factory=EditableArea)
    #: Where a tool run in the background reports progress and learns it is cancelled.
    progress: Progress = field(default_factory=Progress)

    def selected(self) -> Segment:
        """The selected segment (EditError if none is selected, or it is locked)."""
        if self.segment is None:
            raise EditError("Select a segment first.")
        check_target(self.document, self.segment)
        return self.document.segment(self.segment)

    def voxels(self) -> Volume:
        """The volume (EditError when the context has none)."""
        if self.volume is None:
            raise EditError("This tool needs the volume's voxels.")
        if self.volume.voxels.shape != self.document.labels.shape:
            raise EditError("The volume and the label map are not on the same grid.")
        return self.volume


def _crop(bbox: BBox | None, mask: Mask) -> tuple[BBox, Mask] | None:
    """``mask`` with its box (a full-volume mask when ``bbox`` is None), cropped to set voxels."""
    box = bbox if bbox is not None else full_bbox(mask.shape)
    inner = mask_bbox(mask)
    if inner is None:
        return None
    k0, k1, j0, j1, i0, i1 = inner
    a, _, b, _, c, _ = box
    return (a + k0, a + k1, b + j0, b + j1, c + i0, c + i1), mask[k0:k1, j0:j1, i0:i1]


def replace_values(context: ToolContext, bbox: BBox, new: Labels, text: str) -> LabelMapEdit | None:
    """Write ``new`` into ``bbox`` as it is (no editable area: for relabelling a segment's own
    voxels, e.g. islands)."""
    delta = LabelDelta.capture(context.document.labels, bbox, new)
    if delta is None:
        return None
    k0, _, j0, _, i0, _ = bbox
    a0, a1, b0, b1, c0, c1 = delta.bbox
    values = new[a0 - k0 : a1 - k0, b0 - j0 : b1 - j0, c0 - i0 : c1 - i0]
    return LabelMapEdit(context.document, delta, text, values)


def paint(
    context: ToolContext, mask: Mask, value: int, text: str, bbox: BBox | None = None
) -> LabelMapEdit | None:
    """Write ``value`` where ``mask`` is set (inside ``bbox``, else the whole volume) and the
    editable area allows."""
    check_target(context.document, value)
    cropped = _crop(bbox, mask)
    if cropped is None:
        return None
    box, shape = cropped
    current = context.document.labels[bbox_region(box)]
    limit = paint_limit(context.document, context.volume, context.area, box, value)
    write = shape if limit is None else shape & limit
    return replace_values(context, box, _put(current, write, value), text)


def erase(
    context: ToolContext,
    mask: Mask,
    values: Collection[int],
    text: str,
    bbox: BBox | None = None,
) -> LabelMapEdit | None:
    """Clear the voxels of segments ``values`` where ``mask`` is set (locked ones stay)."""
    cropped = _crop(bbox, mask)
    if cropped is None:
        return None
    box, shape = cropped
    current = context.document.labels[bbox_region(box)]
    clear = shape & erasable(context.document, context.volume, context.area, box, values)
    return replace_values(context, box, _put(current, clear, 0), text)


def reshape(
    context: ToolContext, value: int, mask: Mask, text: str, bbox: BBox | None = None
) -> LabelMapEdit | None:
    """Make segment ``value`` equal ``mask`` inside ``bbox`` (whole volume if None): paint
    where the mask is set and the area allows, clear the segment's voxels where it is not."""
    check_target(context.document, value)
    box = bbox if bbox is not None else full_bbox(mask.shape)
    current = context.document.labels[bbox_region(box)]
    limit = paint_limit(context.document, context.volume, context.area, box, value)
    add = mask if limit is None else mask & limit
    remove = (current == value) & ~mask
    inside = intensity_mask(context.area, context.volume, box)
    if inside is not None:
        remove &= inside
    new = _put(current, add, value)
    np.copyto(new, current.dtype.type(0), where=remove)
    return replace_values(context, box, new, text)


def _put(current: Labels, where: Mask, value: int) -> Labels:
    """A copy of ``current`` holding ``value`` where ``where`` is set (faster than np.where)."""
    new = current.copy()
    np.copyto(new, current.dtype.type(value), where=where)
    return new
