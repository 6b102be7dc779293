"""Undoable commands and the command stack: the one path by which edits reach the store.

A command changes an in-memory model and reports the :class:`Change` records it made; the
stack hands them to a :class:`ChangeSink` which persists them at once, before the push returns.
If persisting fails (disk full, store locked) the in-memory change is rolled back and the error
propagates: the model and the store never disagree.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from workspace.events import EventEmitter


@dataclass(frozen=True)
class Change:
    """One persisted effect of a command: an upsert or a deletion of a stored record."""

    table: str
    key: str
    values: dict[str, Any] | None  # None means the record is deleted


class Command(ABC):
    """One undoable edit (``do`` and ``undo`` return what they changed)."""

    kind: ClassVar[str]

    @property
    @abstractmethod
    def text(self) -> str:
        """Short human description, shown as "Undo <text>"."""

    @abstractmethod
    def do(self) -> Sequence[Change]:
        """Apply the edit to the in-memory model."""

    @abstractmethod
    def undo(self) -> Sequence[Change]:
        """Revert the edit in the in-memory model."""

    def payload(self) -> dict[str, Any]:
        """JSON-serialisable description kept in the command journal."""
        return {}


class ChangeSink(Protocol):
    """Persists the changes of one command step in a single transaction."""

    def persist(self, action: str, command: Command, changes: Sequence[Change]) -> None:
        """Make ``changes`` durable; ``action`` is ``do``, ``undo`` or ``redo``."""


class CommandStack:
    """Undo/redo history of one document, persisting every step as it happens."""

    def __init__(self, sink: ChangeSink, limit: int = 1000) -> None:
        self._sink = sink
        self._limit = limit
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self.changed: EventEmitter[[]] = EventEmitter("changed")

    @property
    def can_undo(self) -> bool:
        """True when there is a step to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """True when there is a step to redo."""
        return bool(self._redo)

    @property
    def step_kinds(self) -> frozenset[str]:
        """The kinds of the steps undo and redo could apply."""
        return frozenset(command.kind for command in (*self._undo, *self._redo))

    @property
    def undo_text(self) -> str:
        """Description of the step :meth:`undo` would revert ("" if none)."""
        return self._undo[-1].text if self._undo else ""

    @property
    def redo_text(self) -> str:
        """Description of the step :meth:`redo` would re-apply ("" if none)."""
        return self._redo[-1].text if self._redo else ""

    def push(self, command: Command) -> None:
        """Do ``command`` and persist it; return only once it is durable."""
        self._apply(command, "do")
        self._undo.append(command)
        del self._undo[: -self._limit]
        self._redo.clear()
        self.changed.emit()

    def record(self, command: Command) -> None:
        """Do ``command`` and persist it without making it a step of its own: a result worked
        out in the background that completes an earlier step (a polygon's statistics). The
        caller has put the result in that step's command too, so its undo and redo keep it."""
        self._apply(command, "record")

    def undo(self) -> None:
        """Revert the last step (persisted as it happens)."""
        if not self._undo:
            return
        command = self._undo[-1]
        self._apply(command, "undo")
        self._redo.append(self._undo.pop())
        self.changed.emit()

    def redo(self) -> None:
        """Re-apply the last undone step (persisted as it happens)."""
        if not self._redo:
            return
        command = self._redo[-1]
        self._apply(command, "redo")
        self._undo.append(self._redo.pop())
        self.changed.emit()

    def clear(self) -> None:
        """Forget the history (the store keeps the journal)."""
        self._undo.clear()
        self._redo.clear()
        self.changed.emit()

    def _apply(self, command: Command, action: str) -> None:
        forward, backward = (
            (command.undo, command.do)
            if action == "undo"
            else (
                command.do,
                command.undo,
            )
        )
        changes = forward()
        try:
            self._sink.persist(action, command, changes)
        except BaseException:
            backward()
            raise
