"""The text viewer's keys and clicks, turned into its actions (an event filter on the text).

Keys the viewer uses win over the window's shortcuts (``ShortcutOverride`` is accepted for
them: Ctrl+F finds in the note, not in the item list); label keys are left to the window's
label actions, and handled here only when no window took them (a viewer on its own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QToolTip

from workspace.annotation_kinds.suggestions import suggestion_of
from workspace.schema import LabelClass

if TYPE_CHECKING:
    from viewers.text.viewer import TextViewer

Key = Qt.Key
Mod = Qt.KeyboardModifier

#: (what it does, the gesture), for the help dialog.
GESTURES = (
    ("Add a span", "Select text, then the label's key"),
    ("Select a span (again: the one beneath)", "Click it or its tag"),
    ("Next / previous span", "Tab / Shift+Tab (or Alt+→ / Alt+←)"),
    ("Relabel the selected span", "The label's key"),
    ("Delete the selected span", "Del"),
    ("Extend / shrink the selected span by a word", "Shift+Alt+→ / Shift+Alt+←"),
    ("Add a fragment to the selected span", "Ctrl+drag over text, or select + Ctrl+Enter"),
    ("Accept / reject the selected suggestion", "Enter or A / Backspace or R"),
    ("Find in the note", "Ctrl+F, then F3 / Shift+F3"),
    ("Deselect the span", "Escape"),
)


class GestureFilter(QObject):
    """Watches the viewer's text widget and its viewport."""

    def __init__(self, viewer: TextViewer) -> None:
        super().__init__(viewer.editor)  # goes with the text widget it watches
        self.viewer = viewer
        self._text = viewer.editor
        self._viewport = viewer.editor.viewport()
        self._fragment_gesture = False

    def _key_action(self, event: QKeyEvent) -> Callable[[], object] | None:
        """What a key does in the text (None: not ours, let shortcuts and Qt have it)."""
        key, mods = event.key(), event.modifiers() & ~Mod.KeypadModifier
        selected = self.viewer.selected_span()
        suggestion = selected is not None and suggestion_of(selected) is not None
        plain = mods == Mod.NoModifier
        actions: dict[tuple[int, object], Callable[[], object]] = {
            (Key.Key_F, Mod.ControlModifier): self.viewer.open_find,
            (Key.Key_F3, Mod.NoModifier): lambda: self.viewer.find_step(1),
            (Key.Key_F3, Mod.ShiftModifier): lambda: self.viewer.find_step(-1),
            (Key.Key_Tab, Mod.NoModifier): lambda: self.viewer.move_selection(1),
            (Key.Key_Backtab, Mod.ShiftModifier): lambda: self.viewer.move_selection(-1),
            (Key.Key_Backtab, Mod.NoModifier): lambda: self.viewer.move_selection(-1),
            (Key.Key_Right, Mod.AltModifier): lambda: self.viewer.move_selection(1),
            (Key.Key_Left, Mod.AltModifier): lambda: self.viewer.move_selection(-1),
        }
        if selected is not None:
            actions |= {
                (Key.Key_Delete, Mod.NoModifier): self.viewer.delete_selected,
                (Key.Key_Escape, Mod.NoModifier): lambda: self.viewer.select_span(None),
                (Key.Key_Right, Mod.AltModifier | Mod.ShiftModifier): lambda: (
                    self.viewer.resize_selected(True)
                ),
                (Key.Key_Left, Mod.AltModifier | Mod.ShiftModifier): lambda: (
                    self.viewer.resize_selected(False)
                ),
                (Key.Key_Return, Mod.ControlModifier): self.viewer.add_fragment,
                (Key.Key_Enter, Mod.ControlModifier): self.viewer.add_fragment,
            }
        if suggestion and plain:
            accept, reject = (
                (lambda: self.viewer.decide_selected(True)),
                (lambda: self.viewer.decide_selected(False)),
            )
            actions |= {
                (Key.Key_Return, Mod.NoModifier): accept,
                (Key.Key_Enter, Mod.NoModifier): accept,
                (Key.Key_A, Mod.NoModifier): accept,
                (Key.Key_Backspace, Mod.NoModifier): reject,
                (Key.Key_R, Mod.NoModifier): reject,
            }
        return actions.get((key, mods))

    def _label_for_key(self, event: QKeyEvent) -> LabelClass | None:
        """The label whose shortcut ``event`` is (when no window action took it)."""
        pressed = QKeySequence(event.keyCombination())
        for label in self.viewer.schema.classes:
            if label.shortcut and QKeySequence(label.shortcut) == pressed:
                return label
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keys of the text, clicks on spans and tags, and span tooltips."""
        kind = event.type()
        if watched is self._text and kind in (
            QEvent.Type.ShortcutOverride,
            QEvent.Type.KeyPress,
        ):
            assert isinstance(event, QKeyEvent)
            action = self._key_action(event)
            if action is not None:
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    action()
                return True
            label = self._label_for_key(event) if kind == QEvent.Type.KeyPress else None
            if label is not None:
                self.viewer.apply_label(label)
                return True
        elif watched is self._viewport:
            if kind == QEvent.Type.MouseButtonPress:
                assert isinstance(event, QMouseEvent)
                modifiers = event.modifiers()
                self._fragment_gesture = bool(modifiers & Mod.ControlModifier)
            elif kind == QEvent.Type.MouseButtonRelease:
                assert isinstance(event, QMouseEvent)
                self._on_click(event)
            elif kind == QEvent.Type.ToolTip:
                assert isinstance(event, QHelpEvent)
                point = event.pos()
                tag = self.viewer.editor.tag_at(point)
                text = self.viewer.tooltip_at(self.viewer.editor.offset_at(point), tag)
                if text:
                    QToolTip.showText(event.globalPos(), text, self.viewer.editor.viewport())
                else:
                    QToolTip.hideText()
                return True
        return super().eventFilter(watched, event)

    def _on_click(self, event: QMouseEvent) -> None:
        """A click selects the span (or tag) under it, cycling through nested spans."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.viewer.editor.textCursor().hasSelection():
            if self._fragment_gesture and self.viewer.selected_span() is not None:
                self.viewer.add_fragment()
            else:
                self.viewer.select_span(None)
            return
        point = event.position().toPoint()
        tag = self.viewer.editor.tag_at(point)
        if tag is not None:
            self.viewer.select_span(tag)
            return
        under = [e.id for e in self.viewer.index.at(self.viewer.editor.offset_at(point))]
        if not under:
            self.viewer.select_span(None)
        elif self.viewer.editor.selected in under:
            following = (under.index(self.viewer.editor.selected) + 1) % len(under)
            self.viewer.select_span(under[following])
        else:
            self.viewer.select_span(under[0])
