"""The audio viewer with a real profile: open, draw, regions by mouse, transcripts, labels."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from tests.viewers.volume.qt_input import drag
from viewers.audio.audio_viewer import AudioViewer
from viewers.audio.regions import Tier
from viewers.base import viewer_class_for
from workspace.annotation_kinds.names import INTERVAL, SPAN
from workspace.annotation_kinds.signal_marks import interval_times, tier_of, transcript
from workspace.annotation_kinds.spans import check_span


def test_the_audio_modality_opens_in_the_audio_viewer() -> None:
    assert viewer_class_for("audio") is AudioViewer


def test_a_region_dragged_on_a_tier_is_saved_as_the_kinds_interval(open_viewer) -> None:
    viewer = open_viewer()
    pane = viewer.tier_pane
    tier = pane.tiers[1]
    assert tier == Tier("patient", "S2")
    row = pane.row_rect(tier)
    y = row.center().y()
    x_of = lambda t: viewer.state.x_of(t, pane.width())  # noqa: E731
    drag(
        pane,
        Qt.MouseButton.LeftButton,
        [QPointF(x_of(1.0), y), QPointF(x_of(1.5), y), QPointF(x_of(2.0), y)],
    )
    (annotation,) = viewer.workspace.annotations(viewer.item.id)
    assert annotation.kind == INTERVAL and annotation.label == "patient"
    start, end = interval_times(annotation, 4.0)
    assert abs(start - 1.0) < 0.01 and abs(end - 2.0) < 0.01
    assert tier_of(annotation) == "patient S2"
    assert viewer.state.region_id == annotation.id

    # type a transcript; leaving the editor saves it
    editor = viewer.panel.editor
    editor.setFocus()
    editor.insertPlainText("my chest hurts since Monday")
    editor.commit()
    saved = viewer.workspace.document(viewer.item.id).get(annotation.id)
    assert transcript(saved) == "my chest hurts since Monday"

    # select "chest hurts" and press a label's key: an entity span inside the transcript
    cursor = editor.textCursor()
    cursor.setPosition(3)
    cursor.setPosition(14, cursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
    assert viewer.apply_label(viewer.schema.class_named("phi"))
    spans = [a for a in viewer.workspace.annotations(viewer.item.id) if a.kind == SPAN]
    (entity,) = spans
    assert entity.data["transcript_of"] == annotation.id
    assert check_span(entity, "my chest hurts since Monday") == [(3, 14)]
    assert entity.data["text"] == "chest hurts"

    # relabel the region with a label key (nothing selected in the transcript)
    cursor.clearSelection()
    editor.setTextCursor(cursor)
    assert viewer.apply_label(viewer.schema.class_named("family"))
    relabelled = viewer.workspace.document(viewer.item.id).get(annotation.id)
    assert relabelled.label == "family" and tier_of(relabelled) == "family S2"
    assert transcript(relabelled) == "my chest hurts since Monday"

    # move it by its body, then undo, then delete it with the key
    rect = pane.region_rect(viewer.selected_region())
    y = rect.center().y()
    drag(
        pane,
        Qt.MouseButton.LeftButton,
        [
            rect.center(),
            QPointF(rect.center().x() + 50, y),
            QPointF(x_of(1.5) + (rect.center().x() - x_of(1.0)), y),
        ],
    )
    moved = interval_times(viewer.workspace.document(viewer.item.id).get(annotation.id))
    assert abs(moved[0] - 1.5) < 0.01 and abs(moved[1] - 2.5) < 0.01
    viewer.command_stack.undo()
    back = interval_times(viewer.workspace.document(viewer.item.id).get(annotation.id))
    assert abs(back[0] - 1.0) < 0.01
    viewer.setFocus()
    from PySide6.QtTest import QTest

    QTest.keyClick(viewer, Qt.Key.Key_Delete)
    assert viewer.workspace.annotations(viewer.item.id) == []
    viewer.command_stack.undo()
    assert len(viewer.workspace.annotations(viewer.item.id)) == 2
