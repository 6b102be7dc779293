"""The clinical text viewer: a note, its spans as stacked labelled underlines, a span list,
find in text, and keyboard-only span editing (every edit one undo step, saved at once)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from viewers.base import Viewer, register_viewer
from viewers.text.find import unlabelled
from viewers.text.find_bar import FindBar
from viewers.text.gestures import GESTURES, GestureFilter
from viewers.text.relation_tool import RELATION_GESTURES, RelationTool
from viewers.text.span_editor import SpanEditor
from viewers.text.span_edits import delete_span, label_matches, refit, relabel, resized
from viewers.text.span_index import SpanEntry, SpanIndex, entry_of
from viewers.text.span_list import SpanListModel, SpanListPanel
from viewers.text.span_panel import PANEL_GESTURES, SpanPanel
from viewers.text_offsets import OffsetMap, display_text
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.names import RELATION
from workspace.annotation_kinds.relations import relation_ends
from workspace.annotation_kinds.spans import fragments_of, span, trimmed
from workspace.annotation_kinds.suggestions import (
    accept_suggestions,
    reject_suggestions,
    suggestion_of,
)
from workspace.annotations import AddAnnotation, Annotation
from workspace.commands import Command
from workspace.importers.text import decode_text
from workspace.items import ItemSummary
from workspace.opened_item import TaskState
from workspace.schema import LabelClass
from workspace.workspace import Workspace


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside (allocation-heavy work that makes no cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@register_viewer("text")
class TextViewer(Viewer):
    """The note with its spans drawn over it, and the list of the spans beside."""

    editable = True
    gestures = GESTURES + RELATION_GESTURES + PANEL_GESTURES

    #: The selected span changed: its id, or None (for side panels: attributes, relations).
    selection_changed = Signal(object)

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

        self.editor = SpanEditor(display_text(self.text), self.offsets)
        self.editor.colors = {name: QColor(color) for name, color in self.colors.items()}
        self.index = SpanIndex(self.editor.line_starts())
        self._unfitted: set[int] = set()
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_lines)
        self.editor.index = self.index
        labels = [c.name for c in self.schema.classes]
        self.span_model = SpanListModel(self.text, self.index, self.colors)
        self.span_panel = SpanListPanel(self.span_model, labels)
        self.span_panel.span_activated.connect(self._jump_to)
        self.span_panel.bulk_suggestions.connect(self.bulk_suggestions)
        self.find_bar = FindBar(self.text, labels)
        self.find_bar.hide()
        self.find_bar.match_chosen.connect(self.select_range)
        self.find_bar.label_all.connect(self.label_all_matches)
        self.find_bar.closed.connect(self.editor.setFocus)

        self.hint = QLabel()
        self.hint.setContentsMargins(8, 4, 8, 4)
        self._show_hint()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.editor)
        splitter.addWidget(self.span_panel)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, 180])
        self.side_panel = SpanPanel(self)  # attributes, note, codes, document labels
        beside = QSplitter(Qt.Orientation.Horizontal)
        beside.addWidget(splitter)
        beside.addWidget(self.side_panel)
        beside.setStretchFactor(0, 3)
        beside.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.hint)
        layout.addWidget(self.find_bar)
        layout.addWidget(beside, 1)

        self.relays.connect(self.document.added, self._on_added)
        self.relays.connect(self.document.updated, self._on_updated)
        self.relays.connect(self.document.removed, self._on_removed)
        self.gesture_filter = GestureFilter(self)
        self.editor.installEventFilter(self.gesture_filter)
        self.editor.viewport().installEventFilter(self.gesture_filter)
        self.editor.viewport().setMouseTracking(True)
        self.relations = RelationTool(self)
        self.refresh()
        self.setFocusProxy(self.editor)

    def _set_task_state(self, state: TaskState) -> None:
        super()._set_task_state(state)
        if hasattr(self, "hint"):  # the base class sets the first state before the hint exists
            self._show_hint()

    def _show_hint(self) -> None:
        """How to add a span, or, for a read-only task, that spans cannot be changed."""
        if self.read_only_reason is not None:
            self.hint.setText("Read-only: spans can be looked at, not changed.")
        else:
            self.hint.setText(
                "Select text, then press a label's key to add a span · click a span to select "
                "it · Tab moves between spans · Del deletes · F1 lists every key"
            )

    # ------------------------------------------------------------------ selection
    @property
    def selected_id(self) -> str | None:
        """The selected span's id (None: no span selected)."""
        return self.editor.selected

    def selected_span(self) -> Annotation | None:
        """The selected span annotation, if any."""
        selected = self.editor.selected
        return self.document.get(selected) if selected and selected in self.document else None

    def select_span(self, span_id: str | None, *, reveal: bool = False) -> None:
        """Select ``span_id`` (None: deselect); ``reveal`` scrolls it into view.

        A selected span lets go of any text selection (a find match, say): the label key
        then relabels the span instead of adding one over the old selection."""
        if span_id is not None and span_id not in self.index:
            span_id = None
        if span_id is not None and self.editor.textCursor().hasSelection():
            self._clear_text_selection()
        changed = span_id != self.editor.selected
        self.editor.set_selected(span_id)
        self.span_panel.show_span(span_id)
        if span_id is not None and reveal:
            entry = self.index.entries[span_id]
            cursor = self.editor.textCursor()
            cursor.setPosition(self.offsets.to_qt(entry.start))
            self.editor.setTextCursor(cursor)
            self.editor.ensureCursorVisible()
        self.editor.viewport().update()
        if changed:
            self.selection_changed.emit(span_id)

    def select_range(self, start: int, end: int) -> None:
        """Select code-point offsets ``start``..``end`` of the note."""
        cursor = self.editor.textCursor()
        cursor.setPosition(self.offsets.to_qt(start))
        cursor.setPosition(self.offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()

    def selected_text_range(self) -> tuple[int, int] | None:
        """The selected text as trimmed code-point offsets (None if nothing is selected)."""
        cursor = self.editor.textCursor()
        return trimmed(
            self.text,
            self.offsets.from_qt(cursor.selectionStart()),
            self.offsets.from_qt(cursor.selectionEnd()),
        )

    def _clear_text_selection(self) -> None:
        cursor = self.editor.textCursor()
        cursor.clearSelection()
        self.editor.setTextCursor(cursor)

    # ------------------------------------------------------------------ editing
    def _push(self, make: Callable[[], Command]) -> bool:
        """Build a command (a refusal becomes a message) and push it."""
        if self.refuse_edit():
            return False
        try:
            command = make()
        except AnnotationKindError as exc:
            self.message.emit(str(exc))
            return False
        return self.push(command)

    def apply_label(self, label: LabelClass) -> bool:
        """Add a ``label`` span over the selected text, or relabel the selected span."""
        selected = self.selected_text_range()
        if selected is None:
            current = self.selected_span()
            if current is None:
                self.message.emit("Select some text first, then press the label's shortcut.")
                return False
            if current.label == label.name:
                return False
            return self._push(lambda: relabel(self.document, self.schema, current, label.name))
        annotation: Annotation | None = None

        def make() -> Command:
            nonlocal annotation
            annotation = span(
                self.item.id,
                self.text,
                [selected],
                label.name,
                schema=self.schema,
                author=self.workspace.user,
            )
            return AddAnnotation(self.document, annotation)

        if not self._push(make) or annotation is None:
            return False
        self._clear_text_selection()
        self.select_span(annotation.id)
        return True

    def delete_selected(self) -> bool:
        """Delete the selected span (and its relations)."""
        current = self.selected_span()
        if current is None:
            return False
        return self._push(lambda: delete_span(self.document, current))

    def resize_selected(self, grow: bool) -> bool:
        """Extend (``grow``) or shrink the selected span's end by one word."""
        current = self.selected_span()
        if current is None:
            return False
        return self._push(
            lambda: refit(self.document, self.text, current, resized(self.text, current, grow))
        )

    def add_fragment(self) -> bool:
        """Add the selected text to the selected span as one more fragment."""
        current, selected = self.selected_span(), self.selected_text_range()
        if current is None or selected is None:
            self.message.emit("Select a span, then Ctrl+drag over the text to add to it.")
            return False
        fragments = [*fragments_of(current), selected]
        if not self._push(lambda: refit(self.document, self.text, current, fragments)):
            return False
        self._clear_text_selection()
        return True

    def decide_selected(self, accept: bool) -> bool:
        """Accept or reject the selected span if it is a suggestion."""
        current = self.selected_span()
        if current is None or suggestion_of(current) is None:
            return False
        decide = accept_suggestions if accept else reject_suggestions
        return self._push(lambda: decide(self.document, [current.id]))

    def bulk_suggestions(self, accept: bool) -> bool:
        """Accept or reject every suggestion of the label the span list shows (all if none)."""
        label = self.span_panel.label_filter()
        ids = [
            e.id
            for e in self.index.entries.values()
            if e.suggestion and (label is None or e.label == label)
        ]
        if not ids:
            self.message.emit(f"No suggestions{f' of {label}' if label else ''} to decide.")
            return False
        decide = accept_suggestions if accept else reject_suggestions
        return self._push(lambda: decide(self.document, ids))

    def label_all_matches(self, label: str) -> bool:
        """Label every find match not already inside a ``label`` span (one undo step)."""
        if not self.find_bar.matches:
            self.message.emit("Nothing found to label.")
            return False
        matches = unlabelled(self.find_bar.matches, self.index, label)
        return self._push(
            lambda: label_matches(
                self.document, self.schema, self.text, matches, label, self.workspace.user
            )
        )

    def move_selection(self, step: int) -> bool:
        """Select the next (1) or previous (-1) span in text order."""
        position = self.offsets.from_qt(self.editor.textCursor().position())
        found = self.index.neighbour(self.editor.selected, position, step)
        if found is None:
            return False
        self._clear_text_selection()
        self.select_span(found, reveal=True)
        return True

    def open_find(self) -> None:
        """Show the find bar, seeded with the selected text when it is short."""
        selected = self.editor.textCursor().selectedText()
        self.find_bar.open(selected if 0 < len(selected) < 80 else "")

    def find_step(self, direction: int) -> None:
        if self.find_bar.matches:
            self.find_bar.step(direction)
        else:
            self.open_find()

    # ------------------------------------------------------------------ display
    def span_annotations(self) -> list[Annotation]:
        """The item's span annotations of the note, in text order."""
        return [self.document.get(span_id) for span_id in self.index.ordered_ids()]

    def refresh(self) -> None:
        """Re-index every span of the document and redraw."""
        with paused_gc():  # 20,000 new objects: no collector passes over the whole heap
            entries = [e for e in map(self._entry, self.document.all()) if e is not None]
            self.index.rebuild(entries)
            self.span_model.reset()
            self.editor.fit_lines()
        if self.editor.selected not in self.index:
            self.select_span(None)
        self.editor.viewport().update()

    def highlight_color_at(self, offset: int) -> QColor | None:
        """The colour of the innermost span holding code-point ``offset`` (None if none)."""
        found = self.index.at(offset)
        return self.editor.color_of(found[0].label) if found else None

    def tooltip_at(self, offset: int, span_id: str | None = None) -> str:
        """Label, attributes and relations of the spans at ``offset`` (or of ``span_id``)."""
        entries = [self.index.entries[span_id]] if span_id else self.index.at(offset)
        return "\n\n".join(self._describe(e.id) for e in entries if e.id in self.document)

    def _describe(self, span_id: str) -> str:
        annotation = self.document.get(span_id)
        lines = [f"{annotation.label} — “{annotation.data.get('text', '')}”"]
        mark = suggestion_of(annotation)
        if mark is not None:
            lines[0] += f" (suggested by {mark['by']}: {mark['rule']})"
        attributes = annotation.data.get("attributes")
        if isinstance(attributes, dict):
            lines += [f"{name}: {value}" for name, value in attributes.items()]
        for other in self.document.all():
            ends = relation_ends(other) if other.kind == RELATION else None
            if ends is None or span_id not in ends:
                continue
            partner = ends[1] if ends[0] == span_id else ends[0]
            arrow = "→" if ends[0] == span_id else "←"
            target = self.document.get(partner) if partner in self.document else None
            name = f"{target.label} “{target.data.get('text', '')}”" if target else partner[:8]
            lines.append(f"{arrow} {other.label} {arrow} {name}")
        return "\n".join(lines)

    def _entry(self, annotation: Annotation) -> SpanEntry | None:
        try:
            return entry_of(annotation)
        except AnnotationKindError:
            return None

    def _on_added(self, annotation: Annotation) -> None:
        entry = self._entry(annotation)
        if entry is not None:
            self.index.add(entry)
            self.span_model.insert(entry)
            self._refit(entry.blocks)
            self.editor.viewport().update()

    def _on_updated(self, annotation: Annotation) -> None:
        old = self.index.remove(annotation.id)
        if old is not None:
            self.span_model.remove(old)
            self._refit(old.blocks)
        self._on_added(annotation)
        if annotation.id == self.editor.selected:
            if annotation.id in self.index:  # moved or relabelled: its tint follows
                self.editor.set_selected(annotation.id)
                self.span_panel.show_span(annotation.id)
            else:
                self.select_span(None)
        self.editor.viewport().update()

    def _on_removed(self, annotation: Annotation) -> None:
        old = self.index.remove(annotation.id)
        if old is not None:
            self.span_model.remove(old)
            self._refit(old.blocks)
        if annotation.id == self.editor.selected:
            self.select_span(None)
        self.editor.viewport().update()

    def _refit(self, blocks: list[int]) -> None:
        """Lines whose spans changed get their room once the step is done: a step adding
        fifty spans relays the note out once, not fifty times."""
        self._unfitted.update(blocks)
        if not self._fit_timer.isActive():
            self._fit_timer.start()  # for a change made outside the command stack

    def _fit_lines(self) -> None:
        self._fit_timer.stop()
        if self._unfitted:
            blocks, self._unfitted = self._unfitted, set()
            self.editor.fit_lines(blocks)

    def _on_stack_changed(self) -> None:
        self._fit_lines()  # the step is done (and saved): one relayout for all its spans
        super()._on_stack_changed()

    def _jump_to(self, span_id: str) -> None:
        self.select_span(span_id, reveal=True)
        self.editor.setFocus()
