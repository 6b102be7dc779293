"""The selected slide shape's class and attributes in the real viewer: the schema's fields for
its class, every change one stored undoable command, a refused value told and not stored."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit

from storage.profile import Profile
from viewers.slide.slide_viewer import SlideViewer
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.slide_shapes import add_shape, points, rectangle
from workspace.annotations import Annotation, AnnotationDocument
from workspace.schema import load_preset
from workspace.slides.shape_attributes import set_shape_attribute, set_shape_class
from workspace.workspace import Workspace


def _stored(profile: Profile, annotation_id: str) -> Annotation:
    return next(a for a in Workspace(profile).annotations() if a.id == annotation_id)


def _shape(viewer: SlideViewer, annotation: Annotation) -> str:
    assert viewer.session.push(lambda: add_shape(viewer.session.document, annotation))
    return annotation.id


def _choose(box: QComboBox, value: str) -> None:
    box.setCurrentIndex(box.findData(value))
    box.activated.emit(box.currentIndex())


def test_fields_follow_the_selected_shapes_class(open_viewer) -> None:
    viewer = open_viewer("aperio.svs")
    editor = viewer.shape_attributes
    item = viewer.item.id
    tumour = _shape(viewer, rectangle(item, 0, 0, 50, 50, "tumour"))
    cell = _shape(viewer, points(item, [(80, 80)], "mitosis"))
    assert not editor.classes.isEnabled() and "Select one shape" in editor.title.text()
    viewer.session.select([tumour])
    fields = editor.attributes.fields
    assert list(fields) == [
        "grade",
        "growth_pattern",
        "tumour_cellularity_percent",
        "margin",
        "certainty",
        "comment",
    ]
    assert isinstance(fields["margin"], QCheckBox) and isinstance(fields["comment"], QLineEdit)
    assert editor.classes.currentData() == "tumour"
    viewer.session.select([cell])
    assert list(editor.attributes.fields) == ["certainty", "comment"]
    viewer.session.select([tumour, cell])  # two: nothing to edit
    assert editor.shape_id is None and not editor.attributes.fields


def test_each_change_is_one_stored_undoable_command(open_viewer, viewer_workspace) -> None:
    viewer = open_viewer("aperio.svs")
    profile = viewer_workspace.profile
    editor = viewer.shape_attributes
    tumour = _shape(viewer, rectangle(viewer.item.id, 0, 0, 50, 50, "tumour"))
    viewer.session.select([tumour])
    _choose(editor.attributes.fields["grade"], "G3")
    comment = editor.attributes.fields["comment"]
    assert isinstance(comment, QLineEdit)
    comment.setText("  invasive front ")
    comment.editingFinished.emit()
    editor.attributes.fields["margin"].click()
    assert _stored(profile, tumour).data["attributes"] == {
        "grade": "G3",
        "comment": "invasive front",
        "margin": True,
    }

    _choose(editor.classes, "stroma")  # grade does not apply to stroma: dropped
    stored = _stored(profile, tumour)
    assert stored.label == "stroma"
    assert stored.data["attributes"] == {"comment": "invasive front", "margin": True}
    assert "til_density" in editor.attributes.fields and "grade" not in editor.attributes.fields

    stack = viewer.command_stack
    stack.undo()  # the class change, one step: grade is back
    assert _stored(profile, tumour).label == "tumour"
    assert editor.classes.currentData() == "tumour"
    assert editor.attributes.fields["grade"].currentData() == "G3"
    stack.undo()
    stack.undo()
    assert _stored(profile, tumour).data["attributes"] == {"grade": "G3"}
    assert editor.attributes.fields["comment"].text() == ""
    stack.redo()
    assert editor.attributes.fields["comment"].text() == "invasive front"


def test_a_refused_value_is_told_and_nothing_is_stored(open_viewer, viewer_workspace) -> None:
    viewer = open_viewer("aperio.svs")
    messages: list[str] = []
    viewer.message.connect(messages.append)
    tumour = _shape(viewer, rectangle(viewer.item.id, 0, 0, 50, 50, "tumour"))
    viewer.session.select([tumour])
    editor = viewer.shape_attributes
    editor._attribute_changed("grade", "G9")  # as a stale form could send
    assert "G9" in messages[-1]
    assert "attributes" not in _stored(viewer_workspace.profile, tumour).data
    cellularity = editor.attributes.fields["tumour_cellularity_percent"]
    assert isinstance(cellularity, QLineEdit)
    cellularity.setText("35")
    cellularity.editingFinished.emit()
    stored = _stored(viewer_workspace.profile, tumour)
    assert stored.data["attributes"] == {"tumour_cellularity_percent": 35}
    assert viewer.command_stack is not None


def test_commands_check_the_schema() -> None:
    schema = load_preset("pathology-regions")
    shape = rectangle("s", 0, 0, 5, 5, "tumour", schema=schema, attributes={"grade": "G1"})
    document = AnnotationDocument("s", [shape])
    assert set_shape_attribute(document, shape.id, "grade", "G1", schema) is None  # unchanged
    assert set_shape_attribute(document, shape.id, "comment", "", schema) is None
    assert set_shape_class(document, shape.id, "tumour", schema) is None
    with pytest.raises(AnnotationKindError):
        set_shape_class(document, shape.id, "unicorn", schema)
    with pytest.raises(AnnotationKindError):
        set_shape_attribute(document, shape.id, "necrosis_type", "comedo", schema)  # not tumour
    command = set_shape_class(document, shape.id, "necrosis", schema)
    assert command is not None
    command.do()
    assert document.get(shape.id).label == "necrosis"
    assert "attributes" not in document.get(shape.id).data
    command.undo()
    assert document.get(shape.id) == shape


def test_after_a_merge_the_remaining_shape_is_edited(open_viewer) -> None:
    viewer = open_viewer("aperio.svs")
    item = viewer.item.id
    first = _shape(viewer, rectangle(item, 0, 0, 50, 50, "tumour"))
    second = _shape(viewer, rectangle(item, 40, 0, 50, 50, "stroma"))
    viewer.session.select([first, second])
    editor = viewer.shape_attributes
    assert editor.shape_id is None
    viewer.tool_bar.buttons["Union"].click()
    assert viewer.session.selection == [first, second]  # the merged-in id stays behind
    assert editor.shape_id == first and editor.title.text().endswith("polygon")
    viewer.command_stack.undo()  # both are back: two selected, nothing to edit
    assert editor.shape_id is None


def test_f2_puts_the_keys_in_the_shapes_fields_and_escape_gives_them_back(
    open_viewer, qtbot
) -> None:
    viewer = open_viewer("aperio.svs")
    view = viewer.view
    viewer.activateWindow()
    view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view)
    qtbot.keyClick(view, Qt.Key.Key_F2)  # nothing selected: nothing happens
    assert viewer.tabs.currentWidget() is viewer.measurements
    tumour = _shape(viewer, rectangle(viewer.item.id, 0, 0, 50, 50, "tumour"))
    viewer.session.select([tumour])
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert viewer.tabs.currentWidget() is viewer.shape_attributes
    grade = viewer.shape_attributes.attributes.fields["grade"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grade)
    qtbot.keyClick(grade, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view)


def test_a_read_only_item_refuses_panel_edits(open_viewer, viewer_workspace, qtbot) -> None:
    viewer = open_viewer("aperio.svs")
    tumour = _shape(viewer, rectangle(viewer.item.id, 0, 0, 50, 50, "tumour"))
    _shape(viewer, points(viewer.item.id, [(80, 80)], "mitosis"))
    messages: list[str] = []
    viewer.message.connect(messages.append)
    viewer.read_only_reason = "The task was submitted."  # as a submitted task sets it
    viewer.session.select([tumour])
    _choose(viewer.shape_attributes.attributes.fields["grade"], "G2")
    _choose(viewer.shape_attributes.classes, "stroma")
    table = viewer.measurements.table
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert messages == ["The task was submitted."] * 3
    stored = _stored(viewer_workspace.profile, tumour)
    assert stored.label == "tumour" and "attributes" not in stored.data
    assert viewer.shape_attributes.classes.currentData() == "tumour"  # the stored class shown
    assert viewer.shape_attributes.attributes.fields["grade"].currentData() is None
