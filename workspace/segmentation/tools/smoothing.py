"""Smoothing of the selected segment by binary morphology: median, opening or closing.

The kernel is a ball of ``radius_mm`` (per axis, rounded to whole voxels of that axis's
spacing; an axis whose spacing exceeds twice the radius is not smoothed). Voxels the smoothing
adds are painted through the editable area; voxels it removes are cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from workspace.segmentation import sitk_bridge
from workspace.segmentation.area import EditError, Mask
from workspace.segmentation.delta import LabelMapEdit, bbox_region
from workspace.segmentation.editing import reshape
from workspace.segmentation.shapes import mask_bbox, pad_bbox, spacing_kji
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.registry import register_tool

Method = Literal["median", "opening", "closing"]


@dataclass(frozen=True)
class SmoothingOptions:
    """The morphological operation and its kernel radius in millimetres."""

    method: Method = "median"
    radius_mm: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in ("median", "opening", "closing"):
            raise ValueError(f"unknown smoothing method {self.method!r}")
        if self.radius_mm <= 0:
            raise ValueError("The smoothing radius must be positive.")


def smooth(region: Mask, method: Method, radius_kji: list[int]) -> Mask:
    """``region`` smoothed by ``method`` with a ball of ``radius_kji`` voxels."""
    import SimpleITK as sitk  # noqa: N813

    image = sitk_bridge.image(region)
    radius = sitk_bridge.itk_index(radius_kji)
    result: Any
    if method == "median":
        result = sitk.BinaryMedian(image, radius, 1, 0)
    elif method == "opening":
        result = sitk.BinaryMorphologicalOpening(image, radius, sitk.sitkBall, 0, 1)
    else:
        result = sitk.BinaryMorphologicalClosing(image, radius, sitk.sitkBall, 1, True)
    return sitk_bridge.mask(result)


@register_tool
class SmoothingTool(Tool[SmoothingOptions]):
    """Smooths the selected segment."""

    tool_id = "smoothing"
    title = "Smoothing"
    background = True

    @classmethod
    def default_options(cls) -> SmoothingOptions:
        return SmoothingOptions()

    def radius_voxels(self) -> list[int]:
        """The kernel radius in voxels along ``(k, j, i)``."""
        spacing = spacing_kji(self.context.document.geometry)
        return [round(self.options.radius_mm / s) for s in spacing]

    def apply(self, at: Pointer | None = None) -> LabelMapEdit | None:
        """Smooth the whole segment (``at`` is not used)."""
        del at
        segment = self.context.selected()
        document = self.context.document
        radius = self.radius_voxels()
        if not any(radius):
            raise EditError("The smoothing radius is smaller than half a voxel.")
        found = mask_bbox(document.labels == segment.value)
        if found is None:
            return None
        box = pad_bbox(found, [r + 1 for r in radius], document.labels.shape)
        region = document.labels[bbox_region(box)] == segment.value
        self.context.progress.step(0, 0)
        smoothed = smooth(region, self.options.method, radius)
        self.context.progress.step(0, 0)
        text = f"smooth {segment.name} ({self.options.method})"
        return reshape(self.context, segment.value, smoothed, text, box)
