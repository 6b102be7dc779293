"""Spans drawn legibly: nested spans show both colours in their own underline lanes, tags
carry the labels, clicks and hovers find the span under the pointer."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage
from PySide6.QtWidgets import QApplication, QToolTip

from tests.viewers.text.helpers import add_spans, open_viewer, phrase
from viewers.text.span_editor import LANE_STEP
from workspace.annotation_kinds.relations import relation
from workspace.annotation_kinds.suggestions import suggested
from workspace.annotations import AddAnnotation


def _pixels(viewer) -> QImage:
    viewer.editor.viewport().repaint()
    image = viewer.editor.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    return (
        image.scaled(round(image.width() / ratio), round(image.height() / ratio))
        if ratio != 1
        else image
    )


def _base(viewer, image: QImage) -> QColor:
    """The editor's background as ``image`` holds it (a 16-bit display rounds a dark theme's
    base colour; the theme may be either, depending on the tests before)."""
    swatch = QImage(1, 1, image.format())
    swatch.fill(viewer.editor.palette().base().color())
    return swatch.pixelColor(0, 0)


def _near(color: QColor, wanted: str, tolerance: int = 10) -> bool:
    """Equal but for the rounding of a 16-bit display (Xvfb)."""
    other = QColor(wanted)
    pairs = zip(color.getRgb()[:3], other.getRgb()[:3], strict=True)
    return all(abs(a - b) <= tolerance for a, b in pairs)


def _lane_color(viewer, image: QImage, text: str, lane: int) -> QColor:
    start, end = phrase(viewer, text)
    first, last = viewer.editor.visible_blocks()
    ((x1, x2, _top, bottom),) = viewer.editor.segments(start, end, first, last)
    return image.pixelColor(round((x1 + x2) / 2), int(bottom + 1 + lane * LANE_STEP + 1))


def test_a_nested_span_shows_both_colours_in_stacked_lanes(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    outer, inner = add_spans(viewer, ("chest pain and fever", "problem"), ("pain", "test"))
    assert (viewer.index.entries[outer.id].lane, viewer.index.entries[inner.id].lane) == (0, 1)
    image = _pixels(viewer)
    problem, test = "#e6194b", "#f58231"
    assert _near(_lane_color(viewer, image, "pain", 0), problem)
    assert _near(_lane_color(viewer, image, "pain", 1), test)
    assert _near(_lane_color(viewer, image, "fever", 0), problem)
    assert not _near(_lane_color(viewer, image, "fever", 1), test)  # the inner one ends
    tags = {span_id: rect for rect, span_id in viewer.editor.tag_rects}
    assert set(tags) == {outer.id, inner.id}
    assert not tags[outer.id].intersects(tags[inner.id])  # tags side by side, not on top
    left_edge = tags[inner.id].topLeft().toPoint() + QPoint(2, 2)
    assert _near(image.pixelColor(left_edge), test)


def test_suggestions_are_dashed_and_marked(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    add_spans(viewer, ("aspirin", "medication"), data=suggested({}, "rules", "drug"))
    image = _pixels(viewer)
    start, end = phrase(viewer, "aspirin")
    first, last = viewer.editor.visible_blocks()
    ((x1, x2, _top, bottom),) = viewer.editor.segments(start, end, first, last)
    y = int(bottom + 2)
    row = [image.pixelColor(x, y) for x in range(round(x1), round(x2))]
    base = _base(viewer, image)
    assert any(c == base for c in row) and any(c != base for c in row)  # dashes and gaps
    assert viewer.span_panel.rows()[0].startswith("? medication")


def test_click_selects_the_innermost_span_then_the_one_around_it(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    outer, inner = add_spans(viewer, ("chest pain and fever", "problem"), ("pain", "test"))
    start, end = phrase(viewer, "pain")
    first, last = viewer.editor.visible_blocks()
    ((x1, x2, top, bottom),) = viewer.editor.segments(start, end, first, last)
    point = QPoint(round((x1 + x2) / 2), round((top + bottom) / 2))
    viewport = viewer.editor.viewport()
    with qtbot.waitSignal(viewer.selection_changed) as changed:
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    assert changed.args == [inner.id]
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    assert viewer.selected_id == outer.id
    row = viewer.span_panel.view.currentIndex().data()
    assert row.startswith("problem")
    assert "test — “pain”" in viewer.tooltip_at(start) and "problem" in viewer.tooltip_at(start)


def test_the_span_list_jumps_and_filters(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    _, aspirin = add_spans(viewer, ("fever", "problem"), ("aspirin", "medication"))
    rows = viewer.span_panel.rows()
    assert rows[0].startswith("problem  ·  2:36  ·") and "[fever]" in rows[0]
    assert rows[1].startswith("medication  ·  3:9  ·")
    viewer.span_panel.set_filter("medication")
    assert len(viewer.span_panel.rows()) == 1 and viewer.span_panel.header.text() == "Spans (1/2)"
    view = viewer.span_panel.view
    index = view.model().index(0, 0)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    assert viewer.selected_id == aspirin.id
    cursor = viewer.editor.textCursor()
    assert viewer.offsets.from_qt(cursor.position()) == phrase(viewer, "aspirin")[0]


def test_visible_blocks_follow_scrolling_both_ways(qtbot, viewer_workspace, tmp_path):
    note = tmp_path / "long.txt"
    note.write_text("".join(f"Line {n} of a long note.\n" for n in range(3000)), encoding="utf-8")
    (item,) = viewer_workspace.import_paths([note])
    viewer = open_viewer(qtbot, viewer_workspace, item.id)
    editor = viewer.editor
    bar = editor.verticalScrollBar()
    document, layout = editor.document(), editor.document().documentLayout()
    tops = [
        layout.blockBoundingRect(document.findBlockByNumber(n)).top()
        for n in range(document.blockCount())
    ]
    for value in (0, bar.maximum() // 2, bar.maximum(), bar.maximum() // 3, 10, 0, 2000):
        bar.setValue(value)
        bottom = value + editor.viewport().height()
        top_block = max(n for n, top in enumerate(tops) if top <= value or n == 0)
        bottom_block = max(n for n, top in enumerate(tops) if top <= bottom)
        assert editor.visible_blocks() == (max(0, top_block - 1), bottom_block + 1), value


def _middle_of(viewer, text: str) -> QPoint:
    start, end = phrase(viewer, text)
    first, last = viewer.editor.visible_blocks()
    ((x1, x2, top, bottom),) = viewer.editor.segments(start, end, first, last)
    return QPoint(round((x1 + x2) / 2), round((top + bottom) / 2))


def test_hovering_a_span_shows_its_label_attributes_and_relations(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    drug, problem = add_spans(viewer, ("aspirin", "medication"), ("chest pain", "problem"))
    viewer.push(AddAnnotation(viewer.document, relation(drug, problem, "treats")))
    viewport = viewer.editor.viewport()
    point = _middle_of(viewer, "pain")
    QApplication.sendEvent(
        viewport, QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point))
    )
    qtbot.waitUntil(QToolTip.isVisible)
    assert "problem — “chest pain”" in QToolTip.text()
    assert "← treats ← medication “aspirin”" in QToolTip.text()
    QToolTip.hideText()


def test_ctrl_drag_adds_a_fragment_to_the_selected_span(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    (aspirin,) = add_spans(viewer, ("aspirin", "medication"))
    viewer.select_span(aspirin.id)
    start, end = phrase(viewer, "daily")
    first, last = viewer.editor.visible_blocks()
    ((x1, x2, top, bottom),) = viewer.editor.segments(start, end, first, last)
    y = round((top + bottom) / 2)
    viewport = viewer.editor.viewport()
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, ctrl, QPoint(round(x1) + 1, y))
    qtbot.mouseMove(viewport, QPoint(round(x2) - 1, y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, ctrl, QPoint(round(x2) - 1, y))
    (joined,) = viewer.span_annotations()
    assert joined.data["text"] == "aspirin daily"


def _pitches(viewer) -> list[float]:
    """From the top of each line to the top of the next, in pixels."""
    document = viewer.editor.document()
    layout = document.documentLayout()
    tops = [
        layout.blockBoundingRect(document.findBlockByNumber(n)).top()
        for n in range(document.blockCount())
    ]
    return [b - a for a, b in itertools.pairwise(tops)]


def test_lines_get_room_only_for_the_spans_they_hold(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    editor = viewer.editor
    plain = _pitches(viewer)  # no spans yet: every line is set tight, as in a text editor
    assert len(set(plain)) == 1 and plain[0] < editor.fontMetrics().height() + 2 * LANE_STEP
    outer, _inner = add_spans(viewer, ("chest pain and fever", "problem"), ("pain", "test"))
    assert viewer.index.line_of(outer.data["start"]) == 1 and viewer.index.line_lanes(1) == 2
    above, below = _pitches(viewer)[:2]
    assert above >= plain[0] + editor.tag_height  # room for the tags over line 1
    assert below >= plain[0] + 2 * LANE_STEP + editor.tag_height  # two lanes under it
    viewer.command_stack.undo()  # both spans go: the line is tight again
    assert _pitches(viewer) == plain
    image = _pixels(viewer)  # and nothing is drawn under it
    start, end = phrase(viewer, "pain")
    first, last = editor.visible_blocks()
    ((x1, x2, _top, bottom),) = editor.segments(start, end, first, last)
    base = _base(viewer, image)
    assert image.pixelColor(round((x1 + x2) / 2), int(bottom + 1)) == base
