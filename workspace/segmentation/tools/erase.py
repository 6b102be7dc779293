"""Eraser: the brush's disc or sphere, clearing the selected segment (or every segment).

Locked segments are never erased; the intensity mask, when set, limits the erased voxels too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workspace.segmentation.delta import LabelMapEdit
from workspace.segmentation.editing import erase
from workspace.segmentation.shapes import stroke
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.paint import DEFAULT_BRUSH_RADIUS_MM
from workspace.segmentation.tools.registry import register_tool


@dataclass(frozen=True)
class EraserOptions:
    """Radius in mm, sphere or disc; ``all_segments`` erases any unlocked visible segment."""

    radius_mm: float = DEFAULT_BRUSH_RADIUS_MM
    sphere: bool = False
    all_segments: bool = False

    def __post_init__(self) -> None:
        if self.radius_mm <= 0:
            raise ValueError("The eraser radius must be positive.")


@register_tool
class EraseTool(Tool[EraserOptions]):
    """Erases the selected segment (or all visible segments) back to background."""

    tool_id = "erase"
    title = "Erase"

    @classmethod
    def default_options(cls) -> EraserOptions:
        return EraserOptions()

    def apply(self, at: Pointer | None = None) -> LabelMapEdit | None:
        """One eraser dab at ``at``."""
        return self.apply_stroke([self.pointer(at)])

    def apply_stroke(self, points: Sequence[Pointer]) -> LabelMapEdit | None:
        """Eraser dabs at every point of a drag, as one undo step."""
        points = [self.pointer(p) for p in points]
        document = self.context.document
        if self.options.all_segments:
            values = [s.value for s in document.segments if s.visible]
            text = "erase"
        else:
            segment = self.context.selected()
            values, text = [segment.value], f"erase {segment.name}"
        flat = None if self.options.sphere else points[0].axis
        bbox, mask = stroke(
            document.geometry, [p.voxel for p in points], self.options.radius_mm, flat
        )
        return erase(self.context, mask, values, text, bbox)
