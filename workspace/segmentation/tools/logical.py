"""Logical operations between the selected segment (the target) and a modifier segment.

``union`` adds the modifier's voxels to the target, ``intersect`` keeps the target's voxels that
are also the modifier's, ``subtract`` removes them, ``copy`` makes the target the modifier's
shape, ``clear`` empties the target.

Caliper's label map holds one label per voxel, so two segments never overlap: ``union`` and
``copy`` relabel the modifier's voxels as the target (the modifier loses them, as far as the
editable area lets them be painted), ``intersect`` therefore empties the target and ``subtract``
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from workspace.segmentation.area import EditError
from workspace.segmentation.delta import LabelMapEdit, bbox_region
from workspace.segmentation.editing import erase, paint, reshape
from workspace.segmentation.shapes import mask_bbox
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.registry import register_tool

Operation = Literal["union", "intersect", "subtract", "copy", "clear"]
OPERATIONS: tuple[Operation, ...] = ("union", "intersect", "subtract", "copy", "clear")


@dataclass(frozen=True)
class LogicalOptions:
    """The operation, and the modifier segment's label value (not needed to clear)."""

    operation: Operation = "union"
    modifier: int | None = None

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ValueError(f"unknown logical operation {self.operation!r}")


@register_tool
class LogicalTool(Tool[LogicalOptions]):
    """Combines the selected segment with another one."""

    tool_id = "logical"
    title = "Logical operators"
    background = True

    @classmethod
    def default_options(cls) -> LogicalOptions:
        return LogicalOptions()

    def apply(self, at: Pointer | None = None) -> LabelMapEdit | None:
        """Run the operation on the whole volume (``at`` is not used)."""
        del at
        target = self.context.selected()
        labels = self.context.document.labels
        operation = self.options.operation
        text = f"{operation} {target.name}"
        if operation == "clear":
            return erase(self.context, labels == target.value, [target.value], text)
        modifier = self.options.modifier
        if modifier is None or modifier == target.value:
            raise EditError("Choose a modifier segment other than the selected one.")
        text += f" with {self.context.document.segment(modifier).name}"
        if operation == "union":
            return paint(self.context, labels == modifier, target.value, text)
        if operation == "subtract":
            return None  # segments are disjoint: nothing of the target is the modifier's
        box = mask_bbox((labels == target.value) | (labels == modifier))
        if box is None:
            return None
        region = labels[bbox_region(box)]
        shape = region == modifier if operation == "copy" else np.zeros(region.shape, np.bool_)
        return reshape(self.context, target.value, shape, text, box)
