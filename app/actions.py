"""Every keyboard-driven action of the window, registered by id (the Help dialog reads it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

Shortcut = str | QKeySequence | QKeySequence.StandardKey


@dataclass(frozen=True)
class ShortcutEntry:
    """One row of the shortcut reference."""

    category: str
    text: str
    keys: tuple[str, ...]


def plain_text(action: QAction) -> str:
    """An action's text without mnemonics or a trailing ellipsis."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…. ")


class ActionRegistry(QObject):
    """QActions by id and category; actions are added to ``window`` so shortcuts always work."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._actions: dict[str, tuple[str, QAction]] = {}

    def add(
        self,
        action_id: str,
        text: str,
        slot: Callable[[], object] | None = None,
        shortcuts: Iterable[Shortcut] = (),
        category: str = "General",
        status_tip: str = "",
    ) -> QAction:
        """Create, register and return a new action (``action_id`` must be unused)."""
        action = QAction(text, self._window)
        keys: list[QKeySequence] = []
        for shortcut in shortcuts:
            keys.extend(
                QKeySequence.keyBindings(shortcut)
                if isinstance(shortcut, QKeySequence.StandardKey)
                else [QKeySequence(shortcut)]
            )
        action.setShortcuts(keys)
        if status_tip:
            action.setStatusTip(status_tip)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.register(action_id, action, category)
        return action

    def register(self, action_id: str, action: QAction, category: str = "General") -> QAction:
        """Register an existing action (a dock's toggle action, a viewer's tool)."""
        if action_id in self._actions:
            raise ValueError(f"An action with id '{action_id}' is already registered.")
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self._window.addAction(action)
        self._actions[action_id] = (category, action)
        return action

    def remove(self, action_id: str) -> None:
        """Unregister (and detach from the window) an action; unknown ids are ignored."""
        entry = self._actions.pop(action_id, None)
        if entry is not None:
            self._window.removeAction(entry[1])

    def action(self, action_id: str) -> QAction:
        """The action registered as ``action_id``."""
        return self._actions[action_id][1]

    def ids(self, category: str | None = None) -> list[str]:
        """Registered ids, in registration order."""
        return [i for i, (c, _) in self._actions.items() if category in (None, c)]

    def owner_of(self, shortcut: str) -> str | None:
        """The id of the registered action already using ``shortcut``, if any."""
        wanted = QKeySequence(shortcut)
        for action_id, (_, action) in self._actions.items():
            if wanted in action.shortcuts():
                return action_id
        return None

    def entries(self) -> list[ShortcutEntry]:
        """Every action that has a shortcut, read from the live actions."""
        rows: list[ShortcutEntry] = []
        for category, action in self._actions.values():
            keys = tuple(
                k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
            )
            if keys:
                rows.append(ShortcutEntry(category, plain_text(action), keys))
        return rows
