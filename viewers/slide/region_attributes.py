"""The selected slide shape's class and attributes, edited in the side panel.

With exactly one shape selected it shows a class chooser and the schema's attributes for that
class (:class:`viewers.attribute_editor.AttributeEditor`, shared with the audio viewer); every
change is one command (:mod:`workspace.slides.shape_attributes`): undoable and stored at once.
It follows the selection and the document's events, so an undo shows the values it restored.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from viewers.attribute_editor import AttributeEditor
from viewers.qt_events import RelayGroup
from viewers.slide.tools.base import ToolSession
from workspace.annotations import Annotation
from workspace.commands import Command
from workspace.errors import WorkspaceError
from workspace.schema import LabelSchema
from workspace.slides.shape_attributes import set_shape_attribute, set_shape_class, shape_attributes

NOTHING = "Select one shape to edit its class and attributes."


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class RegionAttributes(QWidget):
    """Class and attributes of the one selected shape (or a hint when there is none)."""

    def __init__(
        self,
        session: ToolSession,
        schema: LabelSchema | None,
        *,
        refuse_edit: Callable[[], bool] = lambda: False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.schema = schema
        self.refuse_edit = refuse_edit
        self.shape_id: str | None = None
        self.title = QLabel(NOTHING)
        self.title.setWordWrap(True)
        self.classes = QComboBox()
        self.classes.setObjectName("shape-class")
        for label in schema.classes if schema is not None else ():
            self.classes.addItem(_swatch(label.color), label.name, label.name)
        self.classes.activated.connect(self._class_chosen)
        self.attributes = AttributeEditor()
        self.attributes.changed.connect(self._attribute_changed)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Class", self.classes)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.attributes)
        layout.addStretch(1)
        self.relays = RelayGroup(self)
        self.relays.connect(session.selected, self._selected)
        document = session.document
        self.relays.connect(document.updated, self._changed)
        for emitter in (document.added, document.removed):
            self.relays.connect(emitter, self._came_or_went)
        self.relays.connect(session.stack.changed, self._command_done)
        #: A shape came or went: is exactly one selected now? (asked once the command is done,
        #: not per shape: a command touching thousands of selected shapes stays linear)
        self._recheck = False
        self.show_shape(None)

    def close_model(self) -> None:
        """Stop following the document (the viewer is closing)."""
        self.relays.close()

    def show_shape(self, annotation: Annotation | None, *, fresh: bool = True) -> None:
        """Show ``annotation``'s class and attributes (None: the hint)."""
        self.shape_id = annotation.id if annotation is not None else None
        self.classes.setEnabled(annotation is not None)
        if annotation is None:
            self.title.setText(NOTHING)
            self.classes.setCurrentIndex(-1)
            self.attributes.show_values(self.schema, None, {})
            return
        self.title.setText(f"<b>{annotation.label}</b> · {annotation.data.get('shape', '')}")
        self.classes.setCurrentIndex(self.classes.findData(annotation.label))
        self.attributes.show_values(
            self.schema, annotation.label, shape_attributes(annotation), fresh=fresh
        )

    def _selected(self, ids: list[str]) -> None:
        document = self.session.document
        alive = [i for i in ids if i in document]  # a merge leaves the merged-in id behind
        self.show_shape(document.get(alive[0]) if len(alive) == 1 else None)

    def _changed(self, annotation: Annotation) -> None:
        if annotation.id == self.shape_id:
            document = self.session.document
            shown = document.get(annotation.id) if annotation.id in document else None
            self.show_shape(shown, fresh=False)

    def _came_or_went(self, annotation: Annotation) -> None:
        if annotation.id == self.shape_id:
            self._changed(annotation)
        else:  # one of two selected went (a merge), or came back (its undo)?
            self._recheck = True

    def _command_done(self) -> None:
        if self._recheck:
            self._recheck = False
            self._selected(self.session.selection)

    def _push(self, make: Callable[[], Command | None]) -> bool:
        """Push the command ``make`` builds; False when refused or nothing changed."""
        if self.shape_id is None or self.refuse_edit():
            return False
        try:
            command = make()
        except WorkspaceError as error:  # a value the schema does not allow
            self.session.on_error(str(error))
            return False
        return command is not None and self.session.push(lambda: command)

    def _class_chosen(self, _index: int) -> None:
        label = self.classes.currentData()
        shape_id, schema = self.shape_id, self.schema
        if shape_id is not None and isinstance(label, str):
            document = self.session.document
            if not self._push(lambda: set_shape_class(document, shape_id, label, schema)):
                self._selected(list(self.session.selection))  # show the stored class again

    def _attribute_changed(self, name: str, value: object) -> None:
        shape_id, schema = self.shape_id, self.schema
        if shape_id is not None:
            document = self.session.document
            if not self._push(lambda: set_shape_attribute(document, shape_id, name, value, schema)):
                self._selected(list(self.session.selection))  # show the stored values again
