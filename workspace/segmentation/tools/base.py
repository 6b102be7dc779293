"""The lifecycle every segmentation tool follows (after Slicer's Segment Editor effects)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from workspace.commands import Command
from workspace.segmentation.area import EditError
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.shapes import Voxel

OptionsT = TypeVar("OptionsT")


@dataclass(frozen=True)
class Pointer:
    """Where the user acted: a voxel ``(k, j, i)`` and the array axis normal to the view's
    slice (0: axial, the k axis; 1: coronal, j; 2: sagittal, i)."""

    voxel: Voxel
    axis: int = 0

    def __post_init__(self) -> None:
        if self.axis not in (0, 1, 2):
            raise ValueError(f"slice axis must be 0, 1 or 2, got {self.axis}")


class Tool(ABC, Generic[OptionsT]):
    """One segmentation tool: ``activate``, ``options``, ``apply``, ``deactivate``.

    ``apply`` builds the command of one edit and changes nothing itself; the caller pushes the
    command on the item's stack (so it is undoable and persisted) and ignores a None.
    """

    tool_id: ClassVar[str]
    title: ClassVar[str]
    #: Its :meth:`apply` is whole-volume work: a viewer runs it as a background job, reporting
    #: through the context's ``progress`` (brushes work on a small box: on the GUI thread).
    background: ClassVar[bool] = False

    def __init__(self, options: OptionsT | None = None) -> None:
        self.options: OptionsT = self.default_options() if options is None else options
        self._context: ToolContext | None = None

    @classmethod
    @abstractmethod
    def default_options(cls) -> OptionsT:
        """The options a new tool starts with."""

    @property
    def active(self) -> bool:
        """Whether the tool is activated on a context."""
        return self._context is not None

    @property
    def context(self) -> ToolContext:
        """The context the tool was activated with (EditError when inactive)."""
        if self._context is None:
            raise EditError(f"The {self.tool_id} tool is not active.")
        return self._context

    def activate(self, context: ToolContext) -> None:
        """Start working on ``context`` (the document, volume, selection and editable area)."""
        self._context = context

    @abstractmethod
    def apply(self, at: Pointer | None = None) -> Command | None:
        """The command of one edit at ``at`` (None when nothing would change)."""

    def apply_stroke(self, points: Sequence[Pointer]) -> Command | None:
        """The command of one drag through ``points``, one undo step (the brushes override
        it; by default :meth:`apply` at the last point)."""
        return self.apply(points[-1] if points else None)

    def deactivate(self) -> None:
        """Stop working; drop the context and anything computed for it."""
        self._context = None

    def pointer(self, at: Pointer | None) -> Pointer:
        """``at``, checked to lie inside the volume (EditError if missing or outside)."""
        if at is None:
            raise EditError(f"The {self.tool_id} tool needs a point in the volume.")
        shape = self.context.document.labels.shape
        if not all(0 <= v < n for v, n in zip(at.voxel, shape, strict=True)):
            raise EditError(f"Voxel {at.voxel} lies outside the volume {shape}.")
        return at
