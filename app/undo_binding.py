"""Undo and Redo actions bound to the active item's command stack."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from viewers.qt_events import RelayGroup
from viewers.safe_log import log_failure
from workspace.commands import CommandStack

logger = logging.getLogger(__name__)


class UndoRedoBinding(QObject):
    """Keeps the two actions' enabled state and text in step with ``stack.changed``."""

    failed = Signal(str)

    def __init__(self, undo_action: QAction, redo_action: QAction, parent: QObject) -> None:
        super().__init__(parent)
        self.undo_action = undo_action
        self.redo_action = redo_action
        self.stack: CommandStack | None = None
        self._relays = RelayGroup(self)
        undo_action.triggered.connect(self.undo)
        redo_action.triggered.connect(self.redo)
        self.refresh()

    def bind(self, stack: CommandStack | None) -> None:
        """Follow ``stack`` (None: nothing to undo)."""
        if stack is self.stack:
            return
        self._relays.close()
        self.stack = stack
        if stack is not None:
            self._relays.connect(stack.changed, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Update enabled state and texts ("Undo add Problem")."""
        stack = self.stack
        can_undo = stack is not None and stack.can_undo
        can_redo = stack is not None and stack.can_redo
        self.undo_action.setEnabled(can_undo)
        self.redo_action.setEnabled(can_redo)
        undo_text = stack.undo_text if stack is not None and can_undo else ""
        redo_text = stack.redo_text if stack is not None and can_redo else ""
        self.undo_action.setText(f"Undo {undo_text}" if undo_text else "Undo")
        self.redo_action.setText(f"Redo {redo_text}" if redo_text else "Redo")

    def undo(self) -> None:
        """Undo the last step (an error is reported, not raised)."""
        self._step(undo=True)

    def redo(self) -> None:
        """Redo the last undone step (an error is reported, not raised)."""
        self._step(undo=False)

    def _step(self, undo: bool) -> None:
        stack = self.stack
        if stack is None:
            return
        try:
            stack.undo() if undo else stack.redo()
        except Exception as error:  # noqa: BLE001 - shown to the user; logged without PHI
            log_failure(logger, "Undo/redo could not be saved", error)
            self.failed.emit(f"Not saved: {error}")
        self.refresh()
