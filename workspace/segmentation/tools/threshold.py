"""Threshold: paint the voxels whose intensity lies in a range, previewed before applying."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from workspace.segmentation.area import Mask, paintable
from workspace.segmentation.delta import LabelMapEdit
from workspace.segmentation.editing import paint, reshape
from workspace.segmentation.progress import slabs
from workspace.segmentation.shapes import full_bbox
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.registry import register_tool


@dataclass(frozen=True)
class ThresholdOptions:
    """Intensity range ``[low, high]`` (both included, in the volume's units, e.g. HU).

    With ``replace`` the segment becomes exactly the voxels in range (its voxels outside the
    range are cleared); otherwise those voxels are added to it.
    """

    low: float = 100.0
    high: float = 300.0
    replace: bool = False

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"threshold range [{self.low}, {self.high}] is empty")


def bounds_for(dtype: np.dtype[Any], low: float, high: float) -> tuple[Any, Any]:
    """``[low, high]`` as bounds of the voxels' own type selecting the same voxels.

    Integer voxels compared with a float are widened to float64 first, which makes the
    comparison two to three times slower; ``v >= low`` is ``v >= ceil(low)`` for an integer
    ``v`` (and ``v <= high`` is ``v <= floor(high)``), clipped to the type's range (an empty
    range stays empty: ``low`` above ``high``).
    """
    if not np.issubdtype(dtype, np.integer) or math.isnan(low) or math.isnan(high):
        return low, high
    info = np.iinfo(dtype)
    if low > info.max or high < info.min:
        return dtype.type(info.max), dtype.type(info.min)  # nothing is in range
    lowest = info.min if low <= info.min else math.ceil(low)
    highest = info.max if high >= info.max else math.floor(high)
    return dtype.type(lowest), dtype.type(highest)


@register_tool
class ThresholdTool(Tool[ThresholdOptions]):
    """Fills the selected segment with an intensity range of the volume."""

    tool_id = "threshold"
    title = "Threshold"
    background = True

    @classmethod
    def default_options(cls) -> ThresholdOptions:
        return ThresholdOptions()

    def in_range(self) -> Mask:
        """Voxels of the volume inside the intensity range (slab by slab: progress, cancel)."""
        voxels = self.context.voxels().voxels
        low, high = bounds_for(voxels.dtype, self.options.low, self.options.high)
        inside = np.empty(voxels.shape, dtype=np.bool_)
        plane = voxels.shape[1] * voxels.shape[2]
        for part in slabs(voxels.shape[0], plane, self.context.progress):
            np.greater_equal(voxels[part], low, out=inside[part])
            inside[part] &= voxels[part] <= high
        return inside

    def preview(self) -> Mask:
        """The voxels :meth:`apply` would give the segment (range, editable area, locks)."""
        segment = self.context.selected()
        box = full_bbox(self.context.document.labels.shape)
        editable = paintable(
            self.context.document, self.context.volume, self.context.area, box, segment.value
        )
        return self.in_range() & editable

    def preview_slice(self, axis: int, index: int) -> Mask:
        """The preview of one slice (cheap enough to redraw while a slider moves)."""
        segment = self.context.selected()
        shape = self.context.document.labels.shape
        box = list(full_bbox(shape))
        box[2 * axis : 2 * axis + 2] = [index, index + 1]
        k0, k1, j0, j1, i0, i1 = box
        voxels = self.context.voxels().voxels[k0:k1, j0:j1, i0:i1]
        inside = (voxels >= self.options.low) & (voxels <= self.options.high)
        editable = paintable(
            self.context.document,
            self.context.volume,
            self.context.area,
            (k0, k1, j0, j1, i0, i1),
            segment.value,
        )
        return (inside & editable).squeeze(axis)

    def apply(self, at: Pointer | None = None) -> LabelMapEdit | None:
        """Apply the threshold to the whole volume (``at`` is not used)."""
        del at
        segment = self.context.selected()
        text = f"threshold {segment.name}"
        if self.options.replace:
            return reshape(self.context, segment.value, self.in_range(), text)
        return paint(self.context, self.in_range(), segment.value, text)
