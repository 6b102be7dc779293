"""Making and editing relations in the text viewer, with the mouse or the keyboard.

Mouse: drag from a span's tag (or Alt+drag from the span) and drop on another span; a menu
offers the relation types the schema allows between their labels. Keyboard: with a span
selected press R, move to the target (Tab or a click), Enter, pick the type. Clicking an arrow
selects it: Del deletes it, T (or a right click) offers the other allowed types, Escape lets
go. Hovering a span makes its relations stand out. Each edit is one command, saved at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QApplication, QMenu

from viewers.text.relation_index import RelationIndex, relation_entry
from viewers.text.relation_layer import RelationLayer
from workspace.annotation_kinds.relations import check_relation_type, relation
from workspace.annotation_kinds.suggestions import suggestion_of
from workspace.annotations import AddAnnotation, Annotation, DeleteAnnotation, UpdateAnnotation

if TYPE_CHECKING:
    from viewers.text.viewer import TextViewer

Key = Qt.Key
Mod = Qt.KeyboardModifier

#: (what it does, the gesture), for the help dialog.
RELATION_GESTURES = (
    ("Add a relation", "Drag from a span's tag (or Alt+drag from the span) onto another span"),
    ("Add a relation with the keyboard", "Select a span, R, Tab to the target, Enter"),
    ("Select a relation", "Click its arrow or its label"),
    ("Delete / retype the selected relation", "Del / T or right click"),
)


class RelationTool(QObject):
    """The relations of one text viewer: their index, their layer and the gestures on them."""

    #: False until built, and again once Python has torn the object down (events may still
    #: reach the filter while the widgets are destroyed at exit).
    _ready = False

    def __init__(self, viewer: TextViewer) -> None:
        super().__init__(viewer.editor)
        self.viewer = viewer
        self.index = RelationIndex()
        types = [r.name for r in viewer.schema.relation_types]
        self.layer = RelationLayer(viewer.editor, self.index, types)
        #: The span a keyboard relation starts from (R pressed), None otherwise.
        self.pending: str | None = None
        #: The menu of relation types offered, while it is open.
        self.menu: QMenu | None = None
        self._press: tuple[str, QPointF] | None = None  # span and point a drag may start from
        self._dragged = False
        viewer.editor.overlays.append(self.layer.paint)
        viewer.relays.connect(viewer.document.added, self._on_changed)
        viewer.relays.connect(viewer.document.updated, self._on_changed)
        viewer.relays.connect(viewer.document.removed, self._on_removed)
        viewer.selection_changed.connect(self._on_span_selected)
        self._viewport = viewer.editor.viewport()
        self.rebuild()
        viewer.editor.installEventFilter(self)  # after the viewer's own filter: asked first
        self._viewport.installEventFilter(self)
        self._ready = True

    # ------------------------------------------------------------------ model
    def rebuild(self) -> None:
        """Index every relation of the document afresh."""
        entries = (relation_entry(a) for a in self.viewer.document.all())
        self.index.rebuild(e for e in entries if e is not None)
        if self.layer.selected not in self.index:
            self.layer.selected = None

    def _on_changed(self, annotation: Annotation) -> None:
        entry = relation_entry(annotation)
        if entry is not None:
            self.index.add(entry)
            self._viewport.update()

    def _on_removed(self, annotation: Annotation) -> None:
        if self.index.remove(annotation.id) is not None:
            if self.layer.selected == annotation.id:
                self.layer.selected = None
            self._viewport.update()

    def _on_span_selected(self, span_id: object) -> None:
        if self.pending is not None:  # the dashed curve follows the target being chosen
            target = span_id if isinstance(span_id, str) and span_id != self.pending else None
            self.layer.linking = (self.pending, target) if target else None
            self._viewport.update()
        if span_id is not None and self.layer.selected is not None:
            self.layer.selected = None
            self._viewport.update()

    @property
    def selected(self) -> str | None:
        """The selected relation's id (None: none)."""
        return self.layer.selected

    def select(self, relation_id: str | None) -> None:
        """Select a relation (None: none); a span selection makes way for it."""
        if relation_id is not None:
            self.viewer.select_span(None)
            self.viewer.message.emit("Relation selected: Del deletes it, T changes its type.")
        self.layer.selected = relation_id
        self._viewport.update()

    def allowed_types(self, source: str, target: str) -> list[str]:
        """The relation types the schema allows from span ``source`` to span ``target``."""
        document = self.viewer.document
        from_label, to_label = document.get(source).label or "", document.get(target).label or ""
        return [r.name for r in self.viewer.schema.relation_types if r.allows(from_label, to_label)]

    # ------------------------------------------------------------------ edits
    def propose(self, source: str, target: str, at: QPoint | None = None) -> bool:
        """Offer the types allowed from ``source`` to ``target`` (a message if none)."""
        if source == target or self.viewer.refuse_edit():
            return False
        document = self.viewer.document
        names = self.allowed_types(source, target)
        if not names:
            self.viewer.message.emit(
                f"No relation type goes from {document.get(source).label} to "
                f"{document.get(target).label} in schema {self.viewer.schema.id}."
            )
            return False
        self._offer(names, lambda name: self.create(source, target, name), at, target)
        return True

    def create(self, source: str, target: str, label: str) -> bool:
        """Add a ``label`` relation from span ``source`` to span ``target`` (one step)."""
        document = self.viewer.document
        made: list[Annotation] = []

        def make() -> AddAnnotation:
            made.append(
                relation(
                    document.get(source),
                    document.get(target),
                    label,
                    schema=self.viewer.schema,
                    author=self.viewer.workspace.user,
                )
            )
            return AddAnnotation(document, made[0])

        if not self.viewer._push(make):
            return False
        self.select(made[0].id)
        return True

    def delete_selected(self) -> bool:
        """Delete the selected relation (one step)."""
        selected = self.layer.selected
        if selected is None or selected not in self.viewer.document:
            return False
        return self.viewer._push(lambda: DeleteAnnotation(self.viewer.document, selected))

    def retype(self, relation_id: str, label: str) -> bool:
        """Give a relation the type ``label`` (checked against its ends' labels)."""
        entry = self.index.entries[relation_id]
        document = self.viewer.document

        def make() -> UpdateAnnotation:
            source, target = document.get(entry.source), document.get(entry.target)
            check_relation_type(self.viewer.schema, label, source.label or "", target.label or "")
            return UpdateAnnotation(document, relation_id, label=label)

        return self.viewer._push(make)

    def offer_retype(self, at: QPoint | None = None) -> bool:
        """Offer the other types allowed between the selected relation's ends."""
        selected = self.layer.selected
        if selected is None or selected not in self.index:
            return False
        entry = self.index.entries[selected]
        names = [n for n in self.allowed_types(entry.source, entry.target) if n != entry.label]
        if not names:
            self.viewer.message.emit(f"No other relation type fits this {entry.label} relation.")
            return False
        self._offer(names, lambda name: self.retype(selected, name), at, entry.target)
        return True

    def _offer(
        self, names: list[str], pick: Callable[[str], object], at: QPoint | None, near: str
    ) -> None:
        """Pop up a menu of ``names``; choosing one calls ``pick(name)``."""
        menu = QMenu(self.viewer.editor)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for name in names:
            action = menu.addAction(name)
            action.triggered.connect(lambda _=False, n=name: pick(n))
        if at is None:
            rect = next((r for r, s in self.viewer.editor.tag_rects if s == near), None)
            at = rect.bottomLeft().toPoint() if rect is not None else QPoint(20, 20)
        self.menu = menu
        menu.aboutToHide.connect(self._menu_closed)  # it deletes itself once closed
        menu.popup(self._viewport.mapToGlobal(at))

    def _menu_closed(self) -> None:
        if self.sender() is self.menu:
            self.menu = None

    # ------------------------------------------------------------------ gestures
    def span_at(self, point: QPoint) -> str | None:
        """The span whose tag, else whose text (innermost), is under ``point``."""
        editor = self.viewer.editor
        tag = editor.tag_at(point)
        if tag is not None:
            return tag
        under = self.viewer.index.at(editor.offset_at(point))
        return under[0].id if under else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Drags between spans, clicks on arrows, hovers, and the relation keys."""
        if not self._ready:
            return False
        kind = event.type()
        if watched is self._viewport and isinstance(event, QMouseEvent):
            if kind == QEvent.Type.MouseButtonPress:
                return self._on_press(event)
            if kind == QEvent.Type.MouseMove:
                return self._on_move(event)
            if kind == QEvent.Type.MouseButtonRelease:
                return self._on_release(event)
        elif watched is self._viewport and kind == QEvent.Type.Leave:
            if self.layer.hovered is not None:
                self.layer.hovered = None
                self._viewport.update()
        elif watched is self._viewport and isinstance(event, QContextMenuEvent):
            found = self.layer.relation_at(QPointF(event.pos()))
            if found is not None:  # the arrow's menu: its other types, not the text's menu
                self.select(found)
                self.offer_retype(event.pos())
                return True
        elif watched is self.viewer.editor and kind in (
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
        return super().eventFilter(watched, event)

    def _on_press(self, event: QMouseEvent) -> bool:
        point = event.position()
        self._press, self._dragged = None, False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        alt = bool(event.modifiers() & Mod.AltModifier)
        tag = self.viewer.editor.tag_at(point.toPoint())
        if tag is not None or alt:
            source = tag or self.span_at(point.toPoint())
            if source is not None:
                self._press = (source, point)
                return True  # no text selection: this may become a drag
        found = self.layer.relation_at(point)
        if found is not None:
            self.select(found)
            return True
        if self.layer.selected is not None:
            self.select(None)
        return False

    def _on_move(self, event: QMouseEvent) -> bool:
        point = event.position()
        if self._press is not None:
            source, pressed = self._press
            distance = (point - pressed).manhattanLength()
            if self._dragged or distance >= QApplication.startDragDistance():
                self._dragged = True
                self.layer.dragging = (source, point)
                self._viewport.update()
            return True
        if event.buttons() == Qt.MouseButton.NoButton:
            hovered = self.span_at(point.toPoint())
            if hovered != self.layer.hovered:
                self.layer.hovered = hovered
                self._viewport.update()
        return False

    def _on_release(self, event: QMouseEvent) -> bool:
        press, dragged = self._press, self._dragged
        self._press, self._dragged, self.layer.dragging = None, False, None
        if press is None:
            return self.layer.selected is not None and event.button() == Qt.MouseButton.LeftButton
        self._viewport.update()
        if not dragged:
            self.viewer.select_span(press[0])  # a click on a tag selects its span
            return True
        target = self.span_at(event.position().toPoint())
        if target is None or target == press[0]:
            self.viewer.message.emit("Drop the relation on another span.")
            return True
        self.propose(press[0], target, event.position().toPoint())
        return True

    def _key_action(self, event: QKeyEvent) -> Callable[[], object] | None:
        """What a key does to relations (None: not ours)."""
        key, mods = event.key(), event.modifiers() & ~Mod.KeypadModifier
        if mods != Mod.NoModifier:
            return None
        pressed = QKeySequence(event.keyCombination())
        if any(
            c.shortcut and QKeySequence(c.shortcut) == pressed for c in self.viewer.schema.classes
        ):
            return None  # a label's own key stays the label's
        if self.layer.selected is not None:
            return {
                Key.Key_Delete: self.delete_selected,
                Key.Key_Backspace: self.delete_selected,
                Key.Key_T: self.offer_retype,
                Key.Key_Escape: lambda: self.select(None),
            }.get(Key(key))
        if self.pending is not None:
            return {
                Key.Key_Return: self._finish_pending,
                Key.Key_Enter: self._finish_pending,
                Key.Key_Escape: self._cancel_pending,
            }.get(Key(key))
        selected = self.viewer.selected_span()
        if (
            key == Key.Key_R
            and self.viewer.schema.relation_types
            and selected is not None
            and suggestion_of(selected) is None
        ):
            return self._start_pending
        return None

    def _start_pending(self) -> None:
        self.pending = self.viewer.selected_id
        self.viewer.message.emit(
            "Relation: move to the target span (Tab or click), then Enter; Escape cancels."
        )

    def _cancel_pending(self) -> None:
        self.pending, self.layer.linking = None, None
        self._viewport.update()
        self.viewer.message.emit("Relation cancelled.")

    def _finish_pending(self) -> None:
        source, target = self.pending, self.viewer.selected_id
        if source is None or target is None or target == source:
            self.viewer.message.emit("Select the target span first (Tab or click), then Enter.")
            return
        self.pending, self.layer.linking = None, None
        if source in self.viewer.document and target in self.viewer.document:
            self.propose(source, target)
