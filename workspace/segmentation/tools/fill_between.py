"""Fill between slices: interpolate a segment drawn on some slices across the empty ones.

SimpleITK's wheels do not include ITK's MorphologicalContourInterpolator (a remote module), so
this is shape-based interpolation (Raya & Udupa 1990; Herman et al. 1992): each drawn slice is
turned into a signed distance map in millimetres (SimpleITK's Maurer filter) and, between two
drawn slices, the maps are blended linearly and the zero level kept. A slice holding any voxel
of the segment counts as drawn and is left as it is; only the empty slices between two drawn
ones are filled, through the editable area.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workspace.segmentation import sitk_bridge
from workspace.segmentation.area import Mask
from workspace.segmentation.delta import LabelMapEdit, bbox_region
from workspace.segmentation.editing import paint
from workspace.segmentation.progress import Progress
from workspace.segmentation.shapes import mask_bbox, pad_bbox, spacing_kji
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.registry import register_tool


@dataclass(frozen=True)
class FillBetweenOptions:
    """The array axis normal to the drawn slices (0: axial, 1: coronal, 2: sagittal)."""

    axis: int = 0

    def __post_init__(self) -> None:
        if self.axis not in (0, 1, 2):
            raise ValueError(f"slice axis must be 0, 1 or 2, got {self.axis}")


def _distance(plane: Mask, spacing: list[float]) -> npt.NDArray[np.float64]:
    """Signed distance (mm, negative inside) with the boundary half-way between voxels."""
    import SimpleITK as sitk  # noqa: N813

    image = sitk_bridge.image(plane, spacing)
    distance = sitk.SignedMaurerDistanceMap(
        image, insideIsPositive=False, squaredDistance=False, useImageSpacing=True
    )
    return sitk_bridge.array(distance).astype(np.float64) - min(spacing) / 2


def interpolate(stack: Mask, spacing: list[float], progress: Progress | None = None) -> Mask:
    """The slices (axis 0 of ``stack``) filled between each pair of neighbouring drawn ones
    (``progress``: slices done of the stack's)."""
    drawn = np.flatnonzero(stack.any(axis=(1, 2)))
    filled = stack.copy()
    distances: dict[int, npt.NDArray[np.float64]] = {}
    for start, end in itertools.pairwise(int(n) for n in drawn):
        if progress is not None:
            progress.step(start, len(stack))
        if end - start < 2:
            continue
        for key in (start, end):
            if key not in distances:
                distances[key] = _distance(stack[key], spacing)
        for index in range(start + 1, end):
            if progress is not None:
                progress.step(index, len(stack))
            weight = (index - start) / (end - start)
            blend = (1 - weight) * distances[start] + weight * distances[end]
            filled[index] = blend <= 0
    return filled


@register_tool
class FillBetweenTool(Tool[FillBetweenOptions]):
    """Fills the selected segment across the empty slices between drawn ones."""

    tool_id = "fill_between"
    title = "Fill between slices"
    background = True

    @classmethod
    def default_options(cls) -> FillBetweenOptions:
        return FillBetweenOptions()

    def apply(self, at: Pointer | None = None) -> LabelMapEdit | None:
        """Interpolate along the options' axis (``at`` is not used)."""
        del at
        segment = self.context.selected()
        document = self.context.document
        found = mask_bbox(document.labels == segment.value)
        if found is None:
            return None
        axis = self.options.axis
        pad = [0 if a == axis else 1 for a in range(3)]
        box = pad_bbox(found, pad, document.labels.shape)
        region = document.labels[bbox_region(box)] == segment.value
        spacing = [s for a, s in enumerate(spacing_kji(document.geometry)) if a != axis]
        stack = np.moveaxis(region, axis, 0)
        filled = np.moveaxis(interpolate(stack, spacing, self.context.progress), 0, axis)
        return paint(self.context, filled & ~region, segment.value, f"fill {segment.name}", box)
