"""Read-only clinical note viewer with label spans (select text, press a label's key)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from viewers.base import Viewer, register_viewer
from viewers.swatch import swatch
from viewers.text_offsets import OffsetMap, display_text
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.names import SPAN
from workspace.annotation_kinds.spans import fragments_of, span, span_extent, trimmed
from workspace.annotations import AddAnnotation, Annotation
from workspace.importers.text import decode_text
from workspace.items import ItemSummary
from workspace.schema import LabelClass
from workspace.workspace import Workspace

FALLBACK_COLOR = "#9e9e9e"


def blend(color: QColor, base: QColor, amount: float) -> QColor:
    """``amount`` of ``color`` over ``base``, opaque."""
    return QColor(
        round(color.red() * amount + base.red() * (1 - amount)),
        round(color.green() * amount + base.green() * (1 - amount)),
        round(color.blue() * amount + base.blue() * (1 - amount)),
    )


def readable_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    luminance = (
        0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF()
    )
    return QColor("#000000") if luminance > 0.5 else QColor("#ffffff")


def span_bounds(annotation: Annotation) -> tuple[int, int] | None:
    """``(start, end)`` of a span of the note itself, None for anything else."""
    if annotation.kind != SPAN or "transcript_of" in annotation.data:
        return None
    return span_extent(annotation)


@register_viewer("text")
class TextViewer(Viewer):
    """The note, its spans highlighted in their label colours, and a list of the spans."""

    editable = True

    def __init__(
        self, workspace: Workspace, item: ItemSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, item, parent)
        files = self.opened.files
        raw = workspace.read_file(files[0]) if files else b""
        self.text, self.encoding = decode_text(raw)
        self.offsets = OffsetMap(self.text)
        self.colors = {c.name: c.color for c in self.schema.classes}
        self.document = workspace.document(item.id)

        self.editor = QPlainTextEdit()
        self.editor.setReadOnly(True)
        self.editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(QFont().pointSizeF(), 10.0) * 1.05)
        self.editor.setFont(font)
        self.editor.setPlainText(display_text(self.text))
        self.editor.document().setDocumentMargin(16)

        self.spans = QListWidget()
        self.spans.setAlternatingRowColors(True)
        self.spans.itemActivated.connect(self._reveal)
        self.spans.itemClicked.connect(self._reveal)
        header = QLabel("Spans")
        header.setContentsMargins(6, 6, 6, 2)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(header)
        side_layout.addWidget(self.spans)

        self.hint = QLabel("Select text, then press a label's shortcut to add a span.")
        self.hint.setContentsMargins(8, 4, 8, 4)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.editor)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, 160])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.hint)
        layout.addWidget(splitter, 1)

        for event in (self.document.added, self.document.updated, self.document.removed):
            self.relays.connect(event, self._on_document_changed)
        self.refresh()
        self.setFocusProxy(self.editor)

    # ------------------------------------------------------------------ editing
    def apply_label(self, label: LabelClass) -> bool:
        """Add a span with ``label`` over the selected text."""
        cursor = self.editor.textCursor()
        selected = trimmed(
            self.text,
            self.offsets.from_qt(cursor.selectionStart()),
            self.offsets.from_qt(cursor.selectionEnd()),
        )
        if selected is None:
            self.message.emit("Select some text first, then press the label's shortcut.")
            return False
        try:
            annotation = span(
                self.item.id,
                self.text,
                [selected],
                label.name,
                schema=self.schema,
                author=self.workspace.user,
            )
        except AnnotationKindError as exc:
            self.message.emit(str(exc))
            return False
        if not self.push(AddAnnotation(self.document, annotation)):
            return False
        cursor.clearSelection()
        self.editor.setTextCursor(cursor)
        return True

    def select_range(self, start: int, end: int) -> None:
        """Select code-point offsets ``start``..``end`` of the note."""
        cursor = self.editor.textCursor()
        cursor.setPosition(self.offsets.to_qt(start))
        cursor.setPosition(self.offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)

    # ------------------------------------------------------------------ display
    def span_annotations(self) -> list[Annotation]:
        """The item's span annotations, in text order."""
        spans = [a for a in self.document.all() if span_bounds(a) is not None]
        return sorted(spans, key=lambda a: span_bounds(a) or (0, 0))

    def refresh(self) -> None:
        """Redraw the highlights and the span list from the document."""
        base = self.editor.palette().color(QPalette.ColorRole.Base)
        selections: list[QTextEdit.ExtraSelection] = []
        self.spans.clear()
        for annotation in self.span_annotations():
            color = QColor(self.colors.get(annotation.label or "", FALLBACK_COLOR))
            background = blend(color, base, 0.6)
            text_format = QTextCharFormat()
            text_format.setBackground(background)
            text_format.setForeground(readable_on(background))
            text_format.setToolTip(annotation.label or "")
            fragments = fragments_of(annotation)
            for start, end in fragments:
                cursor = QTextCursor(self.editor.document())
                cursor.setPosition(self.offsets.to_qt(start))
                cursor.setPosition(self.offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
                selection = QTextEdit.ExtraSelection()
                selection.cursor = cursor
                selection.format = text_format
                selections.append(selection)
            covered = " … ".join(self.text[a:b] for a, b in fragments)
            row = QListWidgetItem(f"{annotation.label}  ·  {covered}")
            row.setData(Qt.ItemDataRole.UserRole, (fragments[0][0], fragments[-1][1]))
            row.setIcon(swatch(color.name()))
            self.spans.addItem(row)
        self.editor.setExtraSelections(selections)

    def highlight_color_at(self, offset: int) -> QColor | None:
        """The highlight background at code-point ``offset`` (None if not in a span)."""
        position = self.offsets.to_qt(offset)
        found: QColor | None = None
        for selection in self.editor.extraSelections():
            cursor: QTextCursor = selection.cursor
            if cursor.selectionStart() <= position < cursor.selectionEnd():
                fmt: QTextCharFormat = selection.format
                found = fmt.background().color()
        return found

    def _on_document_changed(self, annotation: Annotation) -> None:
        del annotation
        self.refresh()

    def _reveal(self, row: QListWidgetItem) -> None:
        start, end = row.data(Qt.ItemDataRole.UserRole)
        self.select_range(start, end)
        self.editor.setFocus()
