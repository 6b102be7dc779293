"""A submitted task is read-only in every viewer, which says why; the header shows the task."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import update

from app.viewer_area import ViewerArea
from storage.models import Batch, Task
from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag
from tests.workspace.task_support import local_task
from viewers.base import viewer_class_for
from viewers.text.viewer import TextViewer
from viewers.volume.reslice import View
from viewers.volume.volume_viewer import VolumeViewer
from workspace import projects
from workspace.tasks import TaskStatus
from workspace.workspace import Workspace

REFUSED = "reopen it to edit"


def _submit(workspace: Workspace, task_id: str) -> None:
    workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
    workspace.set_task_status(task_id, TaskStatus.SUBMITTED)


def _text_viewer(qtbot, workspace: Workspace) -> TextViewer:
    (item,) = workspace.items()
    viewer = viewer_class_for("text")(workspace, item)
    assert isinstance(viewer, TextViewer)
    qtbot.addWidget(viewer)
    viewer.show()
    return viewer


def test_text_viewer_refuses_a_label_until_the_task_is_reopened(
    qtbot, viewer_workspace: Workspace
) -> None:
    (item,) = viewer_workspace.items()
    task_id = local_task(viewer_workspace, item.id)
    viewer = _text_viewer(qtbot, viewer_workspace)
    label = viewer.schema.classes[0]
    assert viewer.hint.text().startswith("Select text")
    _submit(viewer_workspace, task_id)  # while the viewer is open
    assert viewer.hint.text().startswith("Read-only")  # no invitation to add spans
    viewer.select_range(0, 9)
    with qtbot.waitSignal(viewer.message) as said:
        assert not viewer.apply_label(label)
    assert said.args[0].startswith("Task submitted on ") and REFUSED in said.args[0]
    assert viewer_workspace.annotations(item.id) == []
    assert viewer.command_stack is not None and not viewer.command_stack.can_undo

    viewer_workspace.reopen_task(task_id)
    assert viewer.read_only_reason is None
    assert viewer.hint.text().startswith("Select text")
    viewer.select_range(0, 9)
    assert viewer.apply_label(label)
    assert len(viewer_workspace.annotations(item.id)) == 1
    viewer.shutdown()


def test_text_viewer_is_refused_by_the_workspace_when_submitted_elsewhere(
    qtbot, viewer_workspace: Workspace
) -> None:
    (item,) = viewer_workspace.items()
    task_id = local_task(viewer_workspace, item.id)
    viewer = _text_viewer(qtbot, viewer_workspace)
    # Submitted by another process (the CLI): this window hears nothing of it.
    with viewer_workspace.profile.database.write() as session:
        projects.set_task_status(session, task_id, TaskStatus.IN_PROGRESS)
        projects.set_task_status(session, task_id, TaskStatus.SUBMITTED)
    assert viewer.read_only_reason is None
    viewer.select_range(0, 9)
    with qtbot.waitSignal(viewer.edit_failed) as failed:
        assert not viewer.apply_label(viewer.schema.classes[0])
    assert REFUSED in failed.args[0]
    assert viewer_workspace.annotations(item.id) == []
    assert viewer.document.all() == []
    viewer.shutdown()


def test_volume_viewer_refuses_paint_tools_measurements_and_classification(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=24, rows=48, cols=48)
    _submit(viewer_workspace, local_task(viewer_workspace, item_id))
    viewer = viewer_class_for("volume")(viewer_workspace, viewer_workspace.item(item_id))
    assert isinstance(viewer, VolumeViewer)
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    viewer.show()
    assert viewer.wait_loaded()
    try:
        stored = viewer_workspace.annotations(item_id)
        labels = viewer.document.labels.copy()
        viewer.set_active_label(viewer.schema.class_named("pancreas"))
        axial = viewer.views[View.AXIAL]
        with qtbot.waitSignal(viewer.message) as said:
            drag(axial, Qt.MouseButton.LeftButton, [axial.point_of((12, 40, 20))])
        assert REFUSED in said.args[0]
        assert REFUSED in viewer.tools.message.text()
        assert (viewer.document.labels == labels).all()
        assert "pancreas" not in [s.name for s in viewer.document.segments]  # none was added
        assert REFUSED in (viewer.editing.rename(1, "renamed") or "")
        markups = viewer.measuring.editing
        annotation, problem = markups.landmark((10.0, 20.0, 20.0), None)
        assert annotation is None and REFUSED in (problem or "")
        form = viewer.measuring.form
        box = form.fields["finding"].widget
        box.setCurrentIndex(box.findData("cyst"))  # type: ignore[attr-defined]
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        assert REFUSED in form.status.text()
        viewer.editing.set_visible(1, False)  # display only: allowed, not saved
        assert not viewer.document.segment(1).visible
        assert viewer_workspace.annotations(item_id) == stored
    finally:
        viewer.shutdown()


def test_header_shows_status_revision_due_and_instructions(
    qtbot, viewer_workspace: Workspace
) -> None:
    (item,) = viewer_workspace.items()
    task_id = local_task(viewer_workspace, item.id)
    with viewer_workspace.profile.database.write() as session:
        session.execute(
            update(Task).where(Task.id == task_id).values(instructions="Mark every problem.")
        )
        session.execute(
            update(Batch)
            .where(Batch.id == viewer_workspace.task(task_id).batch_id)
            .values(due="2026-12-20")
        )
    viewer_workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
    area = ViewerArea()
    qtbot.addWidget(area)
    area.show()
    area.open(viewer_workspace, item)
    assert area.header.isVisible()
    assert area.header.text() == (
        "Task in progress · revision 1 · due 2026-12-20 · Instructions: Mark every problem."
    )
    viewer_workspace.set_task_status(task_id, TaskStatus.SUBMITTED)
    assert area.header.text().startswith("Task submitted on ")
    assert f"{REFUSED} · revision 1 · due 2026-12-20" in area.header.text()
    viewer_workspace.reopen_task(task_id)
    assert area.header.text().startswith("Task in progress · revision 2 · ")
    area.close_all()
    assert area.currentWidget() is area.placeholder


def test_no_header_for_an_item_outside_any_task(qtbot, viewer_workspace: Workspace) -> None:
    (item,) = viewer_workspace.items()
    area = ViewerArea()
    qtbot.addWidget(area)
    area.show()
    area.open(viewer_workspace, item)
    assert not area.header.isVisible() and area.header.text() == ""
    area.close_all()
