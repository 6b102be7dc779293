"""The note's text with its spans painted over it: stacked underlines and label tags.

A read-only :class:`QTextEdit` (not a ``QPlainTextEdit``: its layout ignores line spacing,
and the lanes and tags need room between lines). Lines get the room their spans need, so a
note with few spans reads like a text editor's: a line (text block) without spans is set
tight; one with spans gets a gap below each of its visual lines for its underline *lanes*
(as many as its spans use, one per overlap depth, see :mod:`viewers.text.span_index`) and
the label *tags* of the spans on the next visual line, and, after a line without spans,
room above it for its own tags. Only the blocks on screen are visited, and only the spans
bucketed on them, so painting costs the same with 20 spans or 20,000. Suggestions are
dashed and faded; the selected span gets a tinted background (one extra selection, drawn by
Qt under the text); the fragments of a discontinuous span are joined by a dotted line.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QPainter,
    QPalette,
    QPen,
    QShowEvent,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QTextEdit, QWidget

from viewers.text.colors import FALLBACK_COLOR, blend, readable_on
from viewers.text.span_index import SpanEntry, SpanIndex
from viewers.text_offsets import OffsetMap

#: Underline lanes drawn below a line; deeper spans share the last one.
MAX_LANES = 4
#: Pixels between a line without spans and the next (a text editor's leading).
PLAIN_GAP = 2
#: Changed lines this close are laid out again in one edit (see ``SpanEditor._apply_room``).
NEAR_LINES = 40
LANE_STEP = 3
LANE_WIDTH = 2
TAG_CHARS = 16
SUGGESTION_ALPHA = 150
SELECTED_AMOUNT = 0.3

#: Where the editor starts a new block (line).
_BREAKS = re.compile("\r\n|\r|\n|\u2029")

Segment = tuple[float, float, float, float]  # x1, x2, line top, line bottom (viewport)


@functools.lru_cache(maxsize=64)
def _spacing(gap: float, above: float) -> QTextBlockFormat:
    """A block format: ``gap`` pixels below each visual line, ``above`` above the block."""
    spacing = QTextBlockFormat()
    spacing.setLineHeight(gap, QTextBlockFormat.LineHeightTypes.LineDistanceHeight.value)
    spacing.setTopMargin(above)
    return spacing


Room = tuple[float, float]
_PLAIN: Room = (float(PLAIN_GAP), 0.0)


def _runs(changes: list[tuple[int, Room]]) -> Iterator[tuple[int, int, Room]]:
    """``(first, last, room)`` of each run of consecutive blocks given the same room."""
    run: list[int | Room] = []
    for block, room in changes:
        if run and block == run[1] + 1 and room == run[2]:  # type: ignore[operator]
            run[1] = block
            continue
        if run:
            yield run[0], run[1], run[2]  # type: ignore[misc]
        run = [block, block, room]
    if run:
        yield run[0], run[1], run[2]  # type: ignore[misc]


def _x(result: object) -> float:
    """The x of ``QTextLine.cursorToX`` (PySide returns ``(x, position)``)."""
    return float(result[0] if isinstance(result, tuple) else result)  # type: ignore[arg-type]


class SpanEditor(QTextEdit):
    """Read-only, selectable note text; spans come from :attr:`index` and are painted."""

    def __init__(self, text: str, offsets: OffsetMap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.offsets = offsets
        self.index = SpanIndex([0])
        self._colors: dict[str, QColor] = {}
        #: The selected span's id (None: none), drawn with a tinted background.
        self.selected: str | None = None
        #: Where each label tag was drawn in the last paint, for clicks and tooltips.
        self.tag_rects: list[tuple[QRectF, str]] = []
        self._hint = 0  # the first block on screen at the last paint
        #: Drawn over the spans, given the painter and the first and last block on screen.
        self.overlays: list[Callable[[QPainter, int, int], None]] = []
        self._pens: dict[tuple[str, bool, int], tuple[QColor, QPen]] = {}
        self._tags: dict[tuple[str, bool], tuple[str, float, QColor]] = {}
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(QFont().pointSizeF(), 10.0) * 1.05)
        self.setFont(font)
        self.tag_font = QFont(font)
        self.tag_font.setPointSizeF(font.pointSizeF() * 0.72)
        self.tag_height = QFontMetricsF(self.tag_font).height()
        #: The room given to each line that has spans: (gap below, margin above), by block.
        self._room: dict[int, tuple[float, float]] = {}
        # No layout until the lines have their room (:meth:`fit_lines`): laying 1 MB out
        # twice, before and after, costs a quarter of a second.
        self.document().setLayoutEnabled(False)
        self.setPlainText(text)
        self.document().setDocumentMargin(8 + self.tag_height)
        cursor = QTextCursor(self.document())
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.mergeBlockFormat(_spacing(*_PLAIN))

    @property
    def colors(self) -> dict[str, QColor]:
        """Each label's colour."""
        return self._colors

    @colors.setter
    def colors(self, colors: dict[str, QColor]) -> None:
        self._colors = colors
        self._pens.clear()
        self._tags.clear()

    def set_selected(self, span_id: str | None) -> None:
        """Select ``span_id`` (None: none): its fragments get a tinted background."""
        self.selected = span_id
        entry = self.index.entries.get(span_id) if span_id else None
        selections: list[QTextEdit.ExtraSelection] = []
        if entry is not None:
            base = self.palette().color(QPalette.ColorRole.Base)
            fill = QTextCharFormat()
            fill.setBackground(blend(self.color_of(entry.label), base, SELECTED_AMOUNT))
            for start, end in entry.fragments:
                selection = QTextEdit.ExtraSelection()
                cursor = QTextCursor(self.document())
                cursor.setPosition(self.offsets.to_qt(start))
                cursor.setPosition(self.offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
                selection.cursor = cursor
                selection.format = fill
                selections.append(selection)
        self.setExtraSelections(selections)
        self.viewport().update()

    # ------------------------------------------------------------------ line spacing
    def room_of(self, block: int, lanes: Mapping[int, int] | None = None) -> Room:
        """The gap below each visual line of ``block`` and the margin above it, in pixels
        (``lanes``: the lanes used on each line, if already counted)."""
        count = self.index.line_lanes if lanes is None else lambda line: lanes.get(line, 0)
        used = count(block)
        if used == 0:
            return _PLAIN
        tags = self.tag_height + 2
        gap = 2 + min(used, MAX_LANES) * LANE_STEP + tags
        after_plain = block > 0 and count(block - 1) == 0
        return gap, tags if after_plain else 0.0

    def fit_lines(self, blocks: Iterable[int] | None = None) -> None:
        """Give ``blocks`` (None: every line) the room their spans need; a line's room also
        depends on the line before, so the line after each is refitted too."""
        lanes: dict[int, int] | None = None
        if blocks is None:
            lanes = self.index.lanes_by_line()
            wanted = set(self._room) | set(lanes) | {block + 1 for block in self._room}
        else:
            wanted = set(blocks)
            wanted |= {block + 1 for block in wanted}
        count = self.document().blockCount()
        changes: list[tuple[int, Room]] = []
        for block in sorted(b for b in wanted if 0 <= b < count):
            room = self.room_of(block, lanes)
            if self._room.get(block, _PLAIN) == room:
                continue
            changes.append((block, room))
            if room == _PLAIN:
                self._room.pop(block, None)
            else:
                self._room[block] = room
        document = self.document()
        if not document.isLayoutEnabled():  # the first fit, when the note opens
            self._apply_room(changes)
            document.setLayoutEnabled(True)
            return
        if not changes:
            return
        # Qt lays a long note out in steps after it is set; a change in the middle of that
        # ends the stepping, leaving the rest unplaced (and unreachable by scrolling) until
        # painted. Asking where the last block is finishes the layout first.
        document.documentLayout().blockBoundingRect(document.lastBlock())
        self._apply_room(changes)

    def _apply_room(self, changes: list[tuple[int, Room]]) -> None:
        """Set the changed lines' spacing. Qt lays out again every line between the first
        and the last change of one edit, and only moves the others: lines far apart (a
        "label all" over the whole note) are changed in edits of their own."""
        document = self.document()
        cursor = QTextCursor(document)
        previous: int | None = None
        for first, last, room in _runs(changes):  # one call per run of like lines
            if previous is None or first - previous > NEAR_LINES:
                if previous is not None:
                    cursor.endEditBlock()
                cursor.beginEditBlock()
            previous = last
            cursor.setPosition(document.findBlockByNumber(first).position())
            if last > first:
                end = document.findBlockByNumber(last).position()
                cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeBlockFormat(_spacing(*room))
        if previous is not None:
            cursor.endEditBlock()

    def showEvent(self, event: QShowEvent) -> None:
        """Lay the note out when shown, if :meth:`fit_lines` has not yet run."""
        if not self.document().isLayoutEnabled():
            self.document().setLayoutEnabled(True)
        super().showEvent(event)

    def line_starts(self) -> list[int]:
        """The code-point offset where each text block starts."""
        text = self.offsets.text
        starts = [0, *(found.end() for found in _BREAKS.finditer(text))]
        if len(starts) == self.document().blockCount():
            return starts
        starts, block = [], self.document().firstBlock()  # Qt split elsewhere too: ask it
        while block.isValid():
            starts.append(self.offsets.from_qt(block.position()))
            block = block.next()
        return starts

    def color_of(self, label: str) -> QColor:
        """The colour of ``label`` (grey if the schema lacks it)."""
        return self._colors.get(label) or QColor(FALLBACK_COLOR)

    # ------------------------------------------------------------------ geometry
    def _scroll(self) -> QPointF:
        return QPointF(self.horizontalScrollBar().value(), self.verticalScrollBar().value())

    def visible_blocks(self) -> tuple[int, int]:
        """First and last block numbers on screen (a galloping search from the last paint's
        first block: the editor's own hit test walks every block from the top, and a plain
        binary search would lay out blocks far off screen)."""
        top = self.verticalScrollBar().value()
        first = self._block_at(top, self._hint)
        self._hint = first
        last = self._block_at(top + self.viewport().height(), first)
        return max(0, first - 1), last + 1

    def _block_at(self, y: float, hint: int) -> int:
        """The number of the last block starting at or above document ``y``."""
        document = self.document()
        layout = document.documentLayout()
        count = document.blockCount()

        def top(number: int) -> float:
            rect = layout.blockBoundingRect(document.findBlockByNumber(number))
            # A block not laid out yet (Qt lays out the rest of a long note as it is
            # scrolled to, after a line's spacing changed) has no height: it is further down.
            return rect.top() if rect.height() > 0 else math.inf

        hint = max(0, min(hint, count - 1))
        step = 1
        if top(hint) <= y:  # gallop down the text until a block starts below y
            low, high = hint, hint
            while high < count - 1 and top(high) <= y:
                low, high = high, min(count - 1, high + step)
                step *= 2
            if top(high) <= y:
                return high
        else:  # gallop up until a block starts at or above y
            low, high = hint, hint
            while low > 0 and top(low) > y:
                low, high = max(0, low - step), low
                step *= 2
        while low < high:  # top(low) <= y < top(high), or low is the first block
            middle = (low + high + 1) // 2
            if top(middle) <= y:
                low = middle
            else:
                high = middle - 1
        return low

    def segments(
        self, start: int, end: int, first: int, last: int, scroll: QPointF | None = None
    ) -> Iterator[Segment]:
        """Screen pieces of code points ``start..end``, one per visual line, within blocks
        ``first``..``last`` (``scroll``: the scroll bars' values, if already known)."""
        document = self.document()
        qt_start, qt_end = self.offsets.to_qt(start), self.offsets.to_qt(end)
        block: QTextBlock = document.findBlock(qt_start)
        scroll = self._scroll() if scroll is None else scroll
        while block.isValid() and block.position() < qt_end and block.blockNumber() <= last:
            if block.blockNumber() >= first:
                yield from self._block_segments(block, qt_start, qt_end, scroll)
            block = block.next()

    def _block_segments(
        self, block: QTextBlock, qt_start: int, qt_end: int, scroll: QPointF
    ) -> Iterator[Segment]:
        layout = block.layout()
        origin = layout.position() - scroll
        base = block.position()
        local_start = max(qt_start - base, 0)
        local_end = min(qt_end - base, block.length() - 1)
        if local_start >= local_end or layout.lineCount() == 0:
            return  # nothing of the span here, or a block not laid out yet
        first_line = layout.lineForTextPosition(local_start)
        line_index = first_line.lineNumber() if first_line.isValid() else 0
        while line_index < layout.lineCount():
            line = layout.lineAt(line_index)
            if not line.isValid() or line.textStart() >= local_end:
                break
            a = max(local_start, line.textStart())
            b = min(local_end, line.textStart() + line.textLength())
            if a < b:
                top = origin.y() + line.y()
                yield (
                    origin.x() + _x(line.cursorToX(a)),
                    origin.x() + _x(line.cursorToX(b)),
                    top,
                    top + line.height(),
                )
            line_index += 1

    def offset_at(self, point: QPoint) -> int:
        """The code-point offset of the character under ``point`` (viewport coordinates)."""
        cursor = self.cursorForPosition(point)
        position = cursor.position()
        if self.cursorRect(cursor).x() > point.x() and position > 0:
            position -= 1
        return self.offsets.from_qt(position)

    def tag_at(self, point: QPoint) -> str | None:
        """The span whose label tag is under ``point``."""
        spot = QPointF(point)
        return next((span_id for rect, span_id in self.tag_rects if rect.contains(spot)), None)

    # ------------------------------------------------------------------ painting
    def viewportEvent(self, event: QEvent) -> bool:
        """Paint the selected span under the text and the lanes and tags over it.

        Not in ``paintEvent``: that also runs for the frame around the viewport."""
        if event.type() != QEvent.Type.Paint:
            return super().viewportEvent(event)
        handled = super().viewportEvent(event)  # lays out the blocks on screen
        first, last = self.visible_blocks()
        painter = QPainter(self.viewport())
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setFont(self.tag_font)
            self.tag_rects = []
            placed: dict[float, float] = {}  # line top -> right edge of its last tag
            entries = sorted(self.index.in_lines(first, last), key=lambda e: (e.start, e.lane))
            scroll = self._scroll()
            for entry in entries:
                self._paint_entry(painter, entry, first, last, placed, scroll)
            for overlay in self.overlays:
                overlay(painter, first, last)
        finally:
            painter.end()
        return handled

    def _paint_entry(
        self,
        painter: QPainter,
        entry: SpanEntry,
        first: int,
        last: int,
        placed: dict[float, float],
        scroll: QPointF,
    ) -> None:
        width = LANE_WIDTH + (1 if entry.id == self.selected else 0)
        color, pen = self._pen(entry.label, entry.suggestion, width)
        lane = min(entry.lane, MAX_LANES - 1)
        previous: tuple[float, float] | None = None  # end x and lane y of the last fragment
        for number, (start, end) in enumerate(entry.fragments):
            pieces = list(self.segments(start, end, first, last, scroll))
            for index, (x1, x2, top, bottom) in enumerate(pieces):
                y = bottom + 1 + lane * LANE_STEP + width / 2
                painter.setPen(pen)
                painter.drawLine(QPointF(x1, y), QPointF(x2, y))
                if index == 0 and previous is not None and previous[1] == y:
                    joint = QPen(color, 1, Qt.PenStyle.DotLine)
                    painter.setPen(joint)
                    painter.drawLine(QPointF(previous[0], y), QPointF(x1, y))
                if number == 0 and index == 0:
                    self._paint_tag(painter, entry, color, x1, top, placed)
            if pieces:
                x2, bottom = pieces[-1][1], pieces[-1][3]
                previous = (x2, bottom + 1 + lane * LANE_STEP + width / 2)

    def _paint_tag(
        self,
        painter: QPainter,
        entry: SpanEntry,
        color: QColor,
        x: float,
        top: float,
        placed: dict[float, float],
    ) -> None:
        text, width, ink = self._tag_look(entry.label, entry.suggestion, color)
        x = max(x, placed.get(top, x - 1) + 2)  # beside the tags already on this line
        rect = QRectF(x, top - self.tag_height - 1, width, self.tag_height)
        placed[top] = rect.right()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(ink)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        self.tag_rects.append((rect, entry.id))

    def _pen(self, label: str, suggestion: bool, width: int) -> tuple[QColor, QPen]:
        """The colour and underline pen of a span (made once per look, not per paint)."""
        key = (label, suggestion, width)
        found = self._pens.get(key)
        if found is None:
            color = QColor(self.color_of(label))
            if suggestion:
                color.setAlpha(SUGGESTION_ALPHA)
            pen = QPen(color, width)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            if suggestion:
                pen.setStyle(Qt.PenStyle.DashLine)
            found = self._pens[key] = (color, pen)
        return found

    def _tag_look(self, label: str, suggestion: bool, color: QColor) -> tuple[str, float, QColor]:
        """A tag's text, width and text colour (measured once per label)."""
        key = (label, suggestion)
        found = self._tags.get(key)
        if found is None:
            text = label if len(label) <= TAG_CHARS else label[: TAG_CHARS - 1] + "…"
            if suggestion:
                text = f"{text}?"
            width = QFontMetricsF(self.tag_font).horizontalAdvance(text) + 6
            ink = readable_on(QColor(color.red(), color.green(), color.blue()))
            found = self._tags[key] = (text, width, ink)
        return found
