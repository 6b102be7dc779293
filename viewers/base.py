"""The viewer base class and the registry that picks a viewer for an item's modality."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from viewers.jobs import JobGroup
from viewers.qt_events import RelayGroup
from viewers.safe_log import log_failure
from workspace.commands import Command, CommandStack
from workspace.items import ItemSummary
from workspace.opened_item import OpenedItem, TaskState
from workspace.projects import TaskSummary
from workspace.schema import LabelClass, LabelSchema
from workspace.workspace import Workspace

logger = logging.getLogger(__name__)

FALLBACK = "*"
_REGISTRY: dict[str, type[Viewer]] = {}
V = TypeVar("V", bound="type[Viewer]")


class Viewer(QWidget):
    """One open item. Subclasses show it and turn user gestures into pushed commands.

    A viewer reads through the :class:`Workspace` it is handed and subscribes to the item's
    annotation document; it never opens files or the store itself.
    """

    modality: ClassVar[str] = ""
    editable: ClassVar[bool] = False
    #: False for a viewer that lists its labels itself (the volume viewer's Segments panel):
    #: the window folds its right-hand docks while it is current, so the views get the width.
    uses_label_palette: ClassVar[bool] = True
    #: Mouse and key gestures the viewer handles itself: (what it does, the gesture).
    gestures: ClassVar[tuple[tuple[str, str], ...]] = ()

    edit_saved = Signal()
    edit_failed = Signal(str)
    message = Signal(str)
    #: The item's task changed (status, revision...): the header and read-only state follow.
    task_changed = Signal()

    def __init__(
        self, workspace: Workspace, item: ItemSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.item = item
        #: The item, its task, schema, files and annotations as read when it was opened.
        self.opened: OpenedItem = workspace.opened(item)
        self.schema: LabelSchema = self.opened.schema
        self.active_label: LabelClass | None = None
        self.relays = RelayGroup(self)
        #: Background work of this viewer, abandoned when it shuts down (:mod:`viewers.jobs`).
        self.jobs = JobGroup()
        self.destroyed.connect(self.jobs.close)  # also when deleted without a shutdown
        self._stack = workspace.command_stack(item.id) if self.editable else None
        if self._stack is not None:
            self.relays.connect(self._stack.changed, self._on_stack_changed)
        #: The task this item is worked on in (None outside any task).
        self.task: TaskSummary | None = None
        #: Why edits are refused (the task is submitted...), None while they are allowed.
        self.read_only_reason: str | None = None
        self._set_task_state(self.opened.state)
        self.relays.connect(workspace.tasks_changed, self._on_tasks_changed)

    @property
    def command_stack(self) -> CommandStack | None:
        """The undo/redo stack the Edit menu drives (None for read-only views)."""
        return self._stack

    def title(self) -> str:
        """Tab title."""
        return self.item.title or self.item.id[:8]

    def header_text(self) -> str:
        """The line above the viewer: the task's status, revision, due date and instructions."""
        return task_header(self.task, self.read_only_reason)

    def refuse_edit(self) -> bool:
        """True, having said why, when the item's task is read-only (submitted...)."""
        if self.read_only_reason is None:
            return False
        self.message.emit(self.read_only_reason)
        return True

    def push(self, command: Command) -> bool:
        """Push ``command`` on the item's stack; report a failure instead of raising.

        Refused, with the reason shown, while the item's task is read-only; the workspace
        refuses such an edit too, should the task have been submitted elsewhere meanwhile.
        """
        if self._stack is None or self.refuse_edit():
            return False
        return self._saved(self._stack.push, command)

    def push_result(self, command: Command) -> bool:
        """Persist ``command`` without an undo step of its own (a background result completing
        one, see :meth:`CommandStack.record`); False, having said why, if not saved."""
        if self._stack is None or self.read_only_reason is not None:
            return False
        return self._saved(self._stack.record, command)

    def _saved(self, save: Callable[[Command], None], command: Command) -> bool:
        """``save(command)``; False, with the failure shown, if it raised."""
        try:
            save(command)
        except Exception as error:  # noqa: BLE001 - shown to the user; logged without PHI
            log_failure(logger, "Saving an edit failed", error)
            self.edit_failed.emit(f"Not saved: {error}")
            return False
        return True

    def set_active_label(self, label: LabelClass | None) -> None:
        """The label new annotations get (chosen in the palette)."""
        self.active_label = label

    def apply_label(self, label: LabelClass) -> bool:
        """Apply ``label`` to the current selection; False when there is nothing to label."""
        del label
        return False

    def shutdown(self) -> None:
        """Let go of the model (called before the viewer is closed or the profile locked)."""
        self.jobs.close()
        self.relays.close()
        self._stack = None

    def _on_stack_changed(self) -> None:
        self.edit_saved.emit()

    def _set_task_state(self, state: TaskState) -> None:
        self.task = state.task
        self.read_only_reason = state.read_only_reason if self.editable else None

    def _on_tasks_changed(self) -> None:
        self._set_task_state(self.workspace.task_state(self.item.id))
        self.task_changed.emit()


def task_header(task: TaskSummary | None, read_only_reason: str | None = None) -> str:
    """``Task in progress · revision 2 · due 2026-12-20 · Instructions: ...`` ("" without a
    task); a read-only task says why instead of its status."""
    if task is None:
        return ""
    status = task.status.value.replace("_", " ")
    parts = [read_only_reason.rstrip(".") if read_only_reason else f"Task {status}"]
    parts.append(f"revision {task.revision}")
    if task.due:
        parts.append(f"due {task.due}")
    if task.instructions:
        parts.append(f"Instructions: {task.instructions}")
    return " · ".join(parts)


def register_viewer(modality: str) -> Callable[[V], V]:
    """Class decorator: make the decorated viewer the one for ``modality`` (ids are unique)."""

    def decorate(cls: V) -> V:
        if modality in _REGISTRY:
            existing = _REGISTRY[modality]
            raise ValueError(
                f"A viewer for '{modality}' is already registered ({existing.__qualname__})."
            )
        cls.modality = modality
        _REGISTRY[modality] = cls
        return cls

    return decorate


def unregister_viewer(modality: str) -> None:
    """Remove a registration (tests, plug-in reload)."""
    _REGISTRY.pop(modality, None)


def registered_modalities() -> list[str]:
    """Modalities with a dedicated viewer."""
    return sorted(m for m in _REGISTRY if m != FALLBACK)


def viewer_gestures() -> list[tuple[str, str, str]]:
    """(category, what it does, gesture) for every registered viewer, for the help dialog."""
    return [
        (f"{modality.capitalize()} viewer", text, keys)
        for modality in registered_modalities()
        for text, keys in _REGISTRY[modality].gestures
    ]


def viewer_class_for(modality: str) -> type[Viewer]:
    """The viewer registered for ``modality``, else the fallback one."""
    cls = _REGISTRY.get(modality) or _REGISTRY.get(FALLBACK)
    if cls is None:
        raise LookupError("No viewers are loaded (call viewers.builtins.load_builtin_viewers).")
    return cls
