"""Relations made with the mouse and the keyboard, drawn as arrows, retyped and deleted by
clicking the arrow; a pair the schema does not link is refused; each edit one undo step."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication

from tests.viewers.text.helpers import add_spans, key, open_viewer, phrase
from tests.workspace.task_support import local_task
from viewers.text.relation_layer import RelationLayer
from workspace.annotation_kinds.names import RELATION
from workspace.annotation_kinds.relations import relation
from workspace.annotation_kinds.spans import span
from workspace.annotations import AddAnnotation, AddAnnotations, Annotation
from workspace.tasks import TaskStatus


def _pixels(viewer) -> QImage:
    viewer.editor.viewport().repaint()
    image = viewer.editor.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    if ratio != 1:
        image = image.scaled(round(image.width() / ratio), round(image.height() / ratio))
    return image


def _near(color: QColor, wanted: QColor, tolerance: int = 12) -> bool:
    pairs = zip(color.getRgb()[:3], wanted.getRgb()[:3], strict=True)
    return all(abs(a - b) <= tolerance for a, b in pairs)


def _middle_of(viewer, text: str) -> QPoint:
    start, end = phrase(viewer, text)
    first, last = viewer.editor.visible_blocks()
    ((x1, x2, top, bottom),) = viewer.editor.segments(start, end, first, last)
    return QPoint(round((x1 + x2) / 2), round((top + bottom) / 2))


def _tag_of(viewer, span_id: str) -> QPoint:
    _pixels(viewer)
    return next(r for r, s in viewer.editor.tag_rects if s == span_id).center().toPoint()


def _drag(qtbot, viewer, start: QPoint, end: QPoint) -> None:
    viewport = viewer.editor.viewport()
    left = Qt.MouseButton.LeftButton
    qtbot.mousePress(viewport, left, pos=start)
    qtbot.mouseMove(viewport, (start + end) / 2)
    qtbot.mouseMove(viewport, end)
    qtbot.mouseRelease(viewport, left, pos=end)


def _relations(viewer) -> list:
    return [a for a in viewer.workspace.annotations(viewer.item.id) if a.kind == RELATION]


def _pick(viewer, name: str) -> None:
    menu = viewer.relations.menu
    assert menu is not None and menu.isVisible()
    (action,) = [a for a in menu.actions() if a.text() == name]
    action.trigger()
    menu.close()


def _label_fill(viewer, image: QImage) -> QColor:
    (arrow,) = viewer.relations.layer.drawn
    rect = arrow.label_rect
    return image.pixelColor(round(rect.left() + 2), round(rect.center().y()))


def test_a_relation_created_with_the_mouse_is_drawn_between_the_spans(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    drug, problem = add_spans(viewer, ("aspirin", "medication"), ("chest pain", "problem"))
    assert viewer.relations.layer.drawn == []
    _drag(qtbot, viewer, _tag_of(viewer, drug.id), _middle_of(viewer, "chest pain"))
    assert [a.text() for a in viewer.relations.menu.actions()] == ["treats", "causes"]
    _pick(viewer, "treats")

    (saved,) = _relations(viewer)  # in the store at once
    assert (saved.label, saved.data["from"], saved.data["to"]) == ("treats", drug.id, problem.id)
    assert viewer.relations.selected == saved.id
    image = _pixels(viewer)
    (arrow,) = viewer.relations.layer.drawn
    color = viewer.relations.layer.color_of("treats")
    assert _near(_label_fill(viewer, image), color)
    tags = {s: r for r, s in viewer.editor.tag_rects}
    start = tags[drug.id]
    assert arrow.path.pointAtPercent(0.0) == start.center() - QPointF(0, start.height() / 2)
    assert arrow.path.pointAtPercent(1.0).x() == tags[problem.id].center().x()
    # the curve's pixels are there between the two tags, above them
    middle = arrow.path.pointAtPercent(0.25).toPoint()
    around = [image.pixelColor(middle + QPoint(dx, dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    assert any(_near(c, color, 60) for c in around)

    viewer.command_stack.undo()
    assert _relations(viewer) == [] and viewer.relations.index.entries == {}
    _pixels(viewer)
    assert viewer.relations.layer.drawn == []


def test_the_keyboard_makes_a_relation_too(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    problem, drug = add_spans(viewer, ("chest pain", "problem"), ("aspirin", "medication"))
    viewer.select_span(drug.id)
    key(qtbot, viewer, Qt.Key.Key_R)
    key(qtbot, viewer, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert viewer.selected_id == problem.id
    assert viewer.relations.layer.linking == (drug.id, problem.id)  # drawn dashed meanwhile
    key(qtbot, viewer, Qt.Key.Key_Return)
    assert viewer.relations.layer.linking is None
    _pick(viewer, "causes")
    (saved,) = _relations(viewer)
    assert (saved.label, saved.data["from"], saved.data["to"]) == ("causes", drug.id, problem.id)


def test_click_an_arrow_to_retype_or_delete_it(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    drug, problem = add_spans(viewer, ("aspirin", "medication"), ("chest pain", "problem"))
    link = relation(drug, problem, "treats")
    viewer.push(AddAnnotation(viewer.document, link))
    _pixels(viewer)
    (arrow,) = viewer.relations.layer.drawn
    viewport = viewer.editor.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=arrow.label_rect.center().toPoint())
    assert viewer.relations.selected == link.id and viewer.selected_id is None

    key(qtbot, viewer, Qt.Key.Key_T)  # only the other allowed types
    assert [a.text() for a in viewer.relations.menu.actions()] == ["causes"]
    _pick(viewer, "causes")
    assert [r.label for r in _relations(viewer)] == ["causes"]
    image = _pixels(viewer)
    assert _near(_label_fill(viewer, image), viewer.relations.layer.color_of("causes"))

    key(qtbot, viewer, Qt.Key.Key_Delete)
    assert _relations(viewer) == [] and viewer.relations.selected is None
    assert {a.id for a in viewer.span_annotations()} == {drug.id, problem.id}  # spans stay
    viewer.command_stack.undo()
    assert [r.label for r in _relations(viewer)] == ["causes"]
    viewer.command_stack.undo()
    assert [r.label for r in _relations(viewer)] == ["treats"]


def test_a_pair_the_schema_does_not_link_is_refused_with_a_message(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    add_spans(viewer, ("aspirin", "medication"), ("chest pain", "problem"))
    alt = Qt.KeyboardModifier.AltModifier
    viewport = viewer.editor.viewport()
    start, end = _middle_of(viewer, "pain"), _middle_of(viewer, "aspirin")
    with qtbot.waitSignal(viewer.message) as said:
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, alt, start)
        qtbot.mouseMove(viewport, end)
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, alt, end)
    assert said.args == ["No relation type goes from problem to medication in schema clinical-ner."]
    assert _relations(viewer) == [] and viewer.relations.menu is None
    assert not viewer.editor.textCursor().hasSelection()  # the drag selected no text


def test_hovering_a_span_makes_its_relations_stand_out(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    drug, problem, fever = add_spans(
        viewer, ("aspirin", "medication"), ("chest pain", "problem"), ("fever", "problem")
    )
    viewer.push(AddAnnotation(viewer.document, relation(drug, problem, "treats")))
    qtbot.mouseMove(viewer.editor.viewport(), _middle_of(viewer, "fever"))
    qtbot.waitUntil(lambda: viewer.relations.layer.hovered == fever.id)
    qtbot.mouseMove(viewer.editor.viewport(), _middle_of(viewer, "aspirin"))
    qtbot.waitUntil(lambda: viewer.relations.layer.hovered == drug.id)


def test_an_arch_rises_above_both_ends():
    path = RelationLayer.curve(QPointF(10, 100), QPointF(200, 60))
    top = min(path.pointAtPercent(t / 20).y() for t in range(21))
    assert top < 60


def test_a_right_click_on_an_arrow_offers_its_other_types(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    drug, problem = add_spans(viewer, ("aspirin", "medication"), ("chest pain", "problem"))
    link = relation(drug, problem, "causes")
    viewer.push(AddAnnotation(viewer.document, link))
    _pixels(viewer)
    (arrow,) = viewer.relations.layer.drawn
    point = arrow.label_rect.center().toPoint()
    viewport = viewer.editor.viewport()
    QApplication.sendEvent(
        viewport,
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point)),
    )
    assert viewer.relations.selected == link.id
    _pick(viewer, "treats")
    assert [r.label for r in _relations(viewer)] == ["treats"]


def test_an_end_off_screen_is_drawn_at_the_edge_and_far_relations_not_at_all(
    qtbot, viewer_workspace, tmp_path
):
    note = tmp_path / "long.txt"
    lines = [f"Line {n}: aspirin for pain." for n in range(400)]
    note.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (item,) = viewer_workspace.import_paths([note])
    viewer = open_viewer(qtbot, viewer_workspace, item.id)

    def at(line: int, word: str, label: str) -> Annotation:
        start = viewer.text.index(word, viewer.text.index(f"Line {line}:"))
        return span(item.id, viewer.text, [(start, start + len(word))], label)

    near_drug, far_pain = at(1, "aspirin", "medication"), at(300, "pain", "problem")
    far_drug, far_pain2 = at(200, "aspirin", "medication"), at(350, "pain", "problem")
    viewer.push(AddAnnotations(viewer.document, [near_drug, far_pain, far_drug, far_pain2]))
    viewer.push(
        AddAnnotations(
            viewer.document,
            [relation(near_drug, far_pain, "treats"), relation(far_drug, far_pain2, "treats")],
        )
    )
    _pixels(viewer)
    (arrow,) = viewer.relations.layer.drawn  # only the one with an end on screen
    assert arrow.path.pointAtPercent(1.0).y() > viewer.editor.viewport().height()
    viewer.select_range(*phrase(viewer, "Line 350:"))  # scrolls line 350 into view
    _pixels(viewer)
    (arrow,) = viewer.relations.layer.drawn  # from a span above the screen to pain on line 350
    assert arrow.path.pointAtPercent(0.0).y() < 0


def test_a_submitted_task_refuses_a_relation(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    drug, problem = add_spans(viewer, ("aspirin", "medication"), ("chest pain", "problem"))
    task_id = local_task(viewer_workspace, viewer.item.id)
    viewer_workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
    viewer_workspace.set_task_status(task_id, TaskStatus.SUBMITTED)
    with qtbot.waitSignal(viewer.message) as said:
        assert not viewer.relations.propose(drug.id, problem.id)
    assert "reopen it to edit" in said.args[0]
    assert _relations(viewer) == [] and viewer.relations.menu is None
