"""Paint brush: a disc in the current slice or a sphere, its radius in millimetres.

The radius honours anisotropic spacing (a 5 mm brush spans more 0.7 mm pixels than 5 mm
slices). The editable area and the intensity mask decide which voxels of the dab are painted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workspace.segmentation.delta import LabelMapEdit
from workspace.segmentation.editing import paint
from workspace.segmentation.shapes import stroke
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.registry import register_tool

#: The brush radius a viewer starts with (paint and erase), in mm: written here only.
DEFAULT_BRUSH_RADIUS_MM = 5.0


@dataclass(frozen=True)
class BrushOptions:
    """Brush radius in mm; a 3D sphere instead of a disc in the view's slice."""

    radius_mm: float = DEFAULT_BRUSH_RADIUS_MM
    sphere: bool = False

    def __post_init__(self) -> None:
        if self.radius_mm <= 0:
            raise ValueError("The brush radius must be positive.")


@register_tool
class PaintTool(Tool[BrushOptions]):
    """Paints the selected segment."""

    tool_id = "paint"
    title = "Paint"

    @classmethod
    def default_options(cls) -> BrushOptions:
        return BrushOptions()

    def apply(self, at: Pointer | None = None) -> LabelMapEdit | None:
        """One dab at ``at``."""
        return self.apply_stroke([self.pointer(at)])

    def apply_stroke(self, points: Sequence[Pointer]) -> LabelMapEdit | None:
        """Dabs at every point of a drag, as one undo step (the first point's slice axis)."""
        points = [self.pointer(p) for p in points]
        segment = self.context.selected()
        flat = None if self.options.sphere else points[0].axis
        geometry = self.context.document.geometry
        bbox, mask = stroke(geometry, [p.voxel for p in points], self.options.radius_mm, flat)
        return paint(self.context, mask, segment.value, f"paint {segment.name}", bbox)
