"""Region grow from a seed: SimpleITK's connected threshold or confidence connected filter.

Connected threshold takes the voxels connected to the seed whose intensity lies in
``[low, high]``; confidence connected grows from the statistics of the seed's neighbourhood
(mean ± ``multiplier`` standard deviations, re-estimated ``iterations`` times). The grown region
is painted into the selected segment through the editable area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from workspace.segmentation import sitk_bridge
from workspace.segmentation.area import EditError
from workspace.segmentation.delta import LabelMapEdit
from workspace.segmentation.editing import paint
from workspace.segmentation.shapes import full_bbox
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.registry import register_tool


@dataclass(frozen=True)
class RegionGrowOptions:
    """The method and its parameters; ``in_slice`` grows in the seed's slice only."""

    method: Literal["connected", "confidence"] = "connected"
    low: float = 100.0
    high: float = 300.0
    multiplier: float = 2.5
    iterations: int = 4
    neighbourhood_radius: int = 1
    in_slice: bool = False

    def __post_init__(self) -> None:
        if self.method not in ("connected", "confidence"):
            raise ValueError(f"unknown region-grow method {self.method!r}")
        if self.low > self.high:
            raise ValueError(f"intensity range [{self.low}, {self.high}] is empty")
        if self.multiplier <= 0 or self.iterations < 0 or self.neighbourhood_radius < 0:
            raise ValueError("multiplier must be positive, iterations and radius not negative")


@register_tool
class RegionGrowTool(Tool[RegionGrowOptions]):
    """Grows a region from the clicked voxel into the selected segment."""

    tool_id = "region_grow"
    title = "Region grow"
    background = True

    @classmethod
    def default_options(cls) -> RegionGrowOptions:
        return RegionGrowOptions()

    def _grow(self, image: Any, seed: list[int]) -> Any:
        import SimpleITK as sitk  # noqa: N813

        options = self.options
        if options.method == "connected":
            return sitk.ConnectedThreshold(
                image, seedList=[seed], lower=options.low, upper=options.high, replaceValue=1
            )
        return sitk.ConfidenceConnected(
            image,
            seedList=[seed],
            numberOfIterations=options.iterations,
            multiplier=options.multiplier,
            initialNeighborhoodRadius=options.neighbourhood_radius,
            replaceValue=1,
        )

    def apply(self, at: Pointer | None = None) -> LabelMapEdit | None:
        """Grow from the seed ``at`` (in its slice only with ``in_slice``)."""
        seed = self.pointer(at)
        segment = self.context.selected()
        progress = self.context.progress
        progress.step(0, 0)
        voxels = self.context.voxels().voxels
        value = float(voxels[seed.voxel])
        if (
            self.options.method == "connected"
            and not self.options.low <= value <= self.options.high
        ):
            raise EditError(
                f"The seed's intensity {value:g} lies outside [{self.options.low:g}, "
                f"{self.options.high:g}]."
            )
        box = list(full_bbox(voxels.shape))
        if self.options.in_slice:
            index = seed.voxel[seed.axis]
            box[2 * seed.axis : 2 * seed.axis + 2] = [index, index + 1]
            plane = np.take(voxels, index, axis=seed.axis)
            in_plane = [v for a, v in enumerate(seed.voxel) if a != seed.axis]
            seed_index = sitk_bridge.itk_index(in_plane)
            grown = sitk_bridge.mask(self._grow(sitk_bridge.image(plane), seed_index))
            grown = np.expand_dims(grown, seed.axis)
        else:
            image = sitk_bridge.volume_image(voxels)
            grown = sitk_bridge.mask(self._grow(image, sitk_bridge.itk_index(seed.voxel)))
        progress.step(0, 0)
        k0, k1, j0, j1, i0, i1 = box
        return paint(
            self.context, grown, segment.value, f"grow {segment.name}", (k0, k1, j0, j1, i0, i1)
        )
