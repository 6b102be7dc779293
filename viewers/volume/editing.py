"""The viewer's edits of a segmentation, as commands (no Qt): strokes and segment settings.

Strokes and the tools panel's tools go through the segmentation tools
(:mod:`workspace.segmentation.tools`), honouring the editable area; segment settings (name,
colour, visibility...) through the document's segment commands. Every command is handed to
``push`` (the viewer's command stack), so it is undoable and persisted. A segmentation that
exists only in memory (a volume never segmented) is stored on its first edit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from workspace.commands import Command
from workspace.schema import LabelClass, LabelSchema
from workspace.segmentation.area import EditableArea, EditError
from workspace.segmentation.compound import CompoundCommand
from workspace.segmentation.delta import LabelMapEdit
from workspace.segmentation.document import (
    AddSegment,
    RecolourSegment,
    RenameSegment,
    SegmentationDocument,
    SetSegmentLock,
    SetSegmentOpacity,
    SetSegmentVisibility,
)
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.progress import Progress
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.volume.model import Segment, Volume
from workspace.workspace import Workspace

Push = Callable[[Command], bool]
ReadOnly = Callable[[], str | None]


def never_read_only() -> str | None:
    """The default: edits are allowed."""
    return None


def prepare(command: Command) -> None:
    """Compute the label writes of ``command`` ahead (on a worker), so its push is short."""
    if isinstance(command, LabelMapEdit):
        command.prepare()
    elif isinstance(command, CompoundCommand):
        for part in command.parts:
            prepare(part)


def compute(
    tool: Tool[Any],
    context: ToolContext,
    at: Pointer | None = None,
    points: Sequence[Pointer] | None = None,
    progress: Progress | None = None,
) -> Command | None:
    """The command of ``tool`` in ``context`` (at ``at``, or along ``points``), prepared: the
    part of an edit that may run on a worker thread, while nothing else edits the labels.

    Raises ``EditError`` (refused) and ``EditCancelledError`` (``progress`` was cancelled).
    """
    tool.activate(context if progress is None else replace(context, progress=progress))
    try:
        command = tool.apply(at) if points is None else tool.apply_stroke(points)
    finally:
        tool.deactivate()
    if command is not None:
        prepare(command)
    return command


class SegmentEditing:
    """Turns the viewer's gestures into commands on one segmentation document."""

    def __init__(
        self,
        workspace: Workspace,
        document: SegmentationDocument,
        volume: Volume,
        push: Push,
        read_only: ReadOnly = never_read_only,
    ) -> None:
        self.workspace = workspace
        self.document = document
        self.volume = volume
        self.push = push
        #: Why edits are refused (the item's task is submitted...), None while allowed.
        self.read_only = read_only
        #: What painting may overwrite, and the optional intensity mask (every tool).
        self.area = EditableArea()

    def context(self, value: int | None) -> ToolContext:
        """The context a tool works in: this document and volume, segment ``value``."""
        return ToolContext(self.document, self.volume, segment=value, area=self.area)

    @property
    def stored(self) -> bool:
        """Whether the document is tied to the item's stored segmentation record."""
        return self.document.record_id is not None

    def ensure_stored(self, sealed: str | None = None) -> None:
        """Store an in-memory segmentation as the item's record (before its first edit);
        ``sealed``: its snapshot's digest, when :meth:`seal` already stored it."""
        if self.stored:
            return
        item_id = self.document.item_id
        label_map = self.document.label_map
        record_id = self.workspace.save_segmentation(item_id, label_map, "painted", sealed)
        self.document.annotations = self.workspace.document(item_id)
        self.document.record_id = record_id

    def seal(self) -> str:
        """Seal the in-memory segmentation's snapshot (on a worker: the slow part of
        :meth:`ensure_stored`, while nothing edits the labels); its digest."""
        return self.workspace.seal_labels(self.document.label_map)

    def value_for(self, label: LabelClass, schema: LabelSchema) -> int:
        """The label value of ``label``'s segment, adding the segment if it is missing.

        A new segment takes the schema's value for the class (its position, from 1) when that
        value is free, else the lowest free value.
        """
        for segment in self.document.segments:
            if segment.name == label.name:
                return segment.value
        self.ensure_stored()
        wanted = [c.name for c in schema.classes].index(label.name) + 1
        used = {s.value for s in self.document.segments}
        value = wanted if wanted not in used else self.document.free_values(1)[0]
        self.push(AddSegment(self.document, Segment(value, label.name, label.color)))
        return value

    def run_stroke(self, tool: Tool[Any], value: int, points: Sequence[Pointer]) -> str | None:
        """Apply ``tool`` (its options set) along a drag through ``points`` to segment
        ``value`` as one undo step; returns why nothing was done, if so."""
        if not points:
            return None
        if refused := self.read_only():
            return refused
        try:
            self.ensure_stored()
            tool.activate(self.context(value))
            command = tool.apply_stroke(points)
        except EditError as error:
            return str(error)
        finally:
            tool.deactivate()
        if command is not None:
            self.push(command)
        return None

    def run(self, tool: Tool[Any], value: int | None, at: Pointer | None = None) -> str | None:
        """Apply ``tool`` (its options set) to segment ``value`` as one undo step; returns why
        nothing was done, if so (an error, or "nothing to change")."""
        if refused := self.begin(value):
            return refused
        try:
            command = compute(tool, self.context(value), at)
        except EditError as error:
            return str(error)
        return self.finish(tool, command)

    def begin(self, value: int | None) -> str | None:
        """Before a tool edits segment ``value``: why not, if refused (read-only, a missing or
        locked segment); else the segmentation is stored if it was only in memory."""
        if refused := self.read_only():
            return refused
        try:
            self.context(value).selected()  # refuse a missing or locked segment before storing
            self.ensure_stored()
        except EditError as error:
            return str(error)
        return None

    def finish(self, tool: Tool[Any], command: Command | None) -> str | None:
        """Push the command ``tool`` computed (one undo step, saved at once); why not, if so."""
        if command is None:
            return f"{tool.title}: nothing to change."
        return None if self.push(command) else f"{tool.title}: the edit was not saved."

    def rename(self, value: int, name: str) -> str | None:
        """Rename segment ``value`` (undoable, persisted); returns why not, if refused."""
        return self._change(lambda: RenameSegment(self.document, value, name.strip()))

    def recolour(self, value: int, color: str) -> str | None:
        """Give segment ``value`` the colour ``#rrggbb`` (undoable, persisted)."""
        return self._change(lambda: RecolourSegment(self.document, value, color.lower()))

    def _change(self, make: Callable[[], Command]) -> str | None:
        if refused := self.read_only():
            return refused
        try:
            command = make()
        except ValueError as error:  # an empty or repeated name, a malformed colour
            return str(error)
        self.ensure_stored()  # a name or colour is worth keeping: store the segmentation
        self.push(command)
        return None

    def set_visible(self, value: int, visible: bool) -> None:
        """Show or hide segment ``value`` (undoable; persisted once the segmentation is)."""
        self._set(SetSegmentVisibility(self.document, value, visible))

    def set_opacity(self, value: int, opacity: float) -> None:
        """Set segment ``value``'s fill opacity."""
        self._set(SetSegmentOpacity(self.document, value, opacity))

    def set_locked(self, value: int, locked: bool) -> None:
        """Lock or unlock segment ``value``."""
        self._set(SetSegmentLock(self.document, value, locked))

    def _set(self, command: Command) -> None:
        if self.stored and self.read_only() is None:
            self.push(command)
        else:  # nothing stored yet, or read-only: change the display only, no undo step
            command.do()
