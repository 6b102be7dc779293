"""A region's schema attributes (dialogue act, SOAP section...) edited in the side panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit, QListWidget

from viewers.attribute_editor import AttributeEditor
from viewers.audio.regions import Tier
from workspace.annotation_kinds.base import ATTRIBUTES
from workspace.schema import load_preset, parse_schema

PATIENT = ["patient"]
FORM_SCHEMA = {
    "id": "form",
    "name": "Every kind of field",
    "version": "1",
    "modalities": ["audio"],
    "classes": [{"name": "patient", "color": "#2ca02c"}, {"name": "cough", "color": "#8c564b"}],
    "attributes": [
        {"name": "act", "kind": "choice", "values": ["question", "answer"], "applies_to": PATIENT},
        {"name": "note", "kind": "text", "applies_to": PATIENT},
        {"name": "urgent", "kind": "bool", "applies_to": PATIENT},
        {"name": "topics", "kind": "multi", "values": ["pain", "sleep", "diet"],
         "applies_to": PATIENT},
        {"name": "score", "kind": "number", "applies_to": PATIENT},
        {"name": "setting", "kind": "choice", "values": ["ward", "home"]},
    ],
}  # fmt: skip


def test_the_form_has_a_field_of_the_right_kind_per_attribute_of_the_label(qtbot) -> None:
    schema = parse_schema(FORM_SCHEMA, source="form.json")
    editor = AttributeEditor()
    qtbot.addWidget(editor)
    reported: list[tuple[str, object]] = []
    editor.changed.connect(lambda name, value: reported.append((name, value)))
    editor.show_values(schema, "patient", {"act": "answer", "urgent": True, "topics": ["sleep"]})
    editor.show()
    fields = editor.fields
    # item-level attributes (no applies_to) describe the recording, not a region
    assert list(fields) == ["act", "note", "urgent", "topics", "score"]
    act, note, urgent = fields["act"], fields["note"], fields["urgent"]
    topics, score = fields["topics"], fields["score"]
    assert isinstance(act, QComboBox) and act.currentData() == "answer"
    assert isinstance(urgent, QCheckBox) and urgent.isChecked()
    assert isinstance(topics, QListWidget)
    assert [topics.item(r).checkState() == Qt.CheckState.Checked for r in range(3)] == [
        False,
        True,
        False,
    ]
    assert isinstance(note, QLineEdit) and isinstance(score, QLineEdit)
    assert reported == []  # showing values reports nothing

    act.setFocus()
    QTest.keyClick(act, Qt.Key.Key_Q)
    urgent.setFocus()
    QTest.keyClick(urgent, Qt.Key.Key_Space)
    topics.item(2).setCheckState(Qt.CheckState.Checked)
    note.setFocus()
    QTest.keyClicks(note, "worse at night")
    QTest.keyClick(note, Qt.Key.Key_Return)
    QTest.keyClicks(score, "3.5")
    QTest.keyClick(score, Qt.Key.Key_Return)
    assert reported == [
        ("act", "question"),
        ("urgent", False),
        ("topics", ["sleep", "diet"]),
        ("note", "worse at night"),
        ("score", 3.5),
    ]
    editor.show_values(schema, "cough", {})
    assert editor.fields == {}


def test_the_audio_schema_has_dialogue_acts_and_soap_sections_on_speakers() -> None:
    schema = load_preset("audio-conversation")
    assert schema.version == "1.2.0"
    act = schema.attribute_named("dialogue_act")
    assert act.kind == "choice" and {"question", "answer", "backchannel"} <= set(act.values)
    soap = schema.attribute_named("soap_section")
    assert soap.values == ("subjective", "objective", "assessment", "plan", "other")
    speakers = {c.name for c in schema.classes if c.group == "speaker"}
    assert set(act.applies_to or ()) == speakers == set(soap.applies_to or ())


def test_keyboard_only_select_a_region_and_set_its_dialogue_act(open_viewer, qtbot) -> None:
    viewer = open_viewer()
    first = viewer.create_region(Tier("patient", "S2"), 0.5, 1.0)
    second = viewer.create_region(Tier("clinician", "S1"), 1.5, 2.5)
    assert first and second
    viewer.select_region(None)
    viewer.activateWindow()
    viewer.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is viewer)

    QTest.keyClick(viewer, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(viewer, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert viewer.state.region_id == second
    QTest.keyClick(viewer, Qt.Key.Key_F2)
    fields = viewer.panel.attributes.fields
    assert list(fields) == ["language", "dialogue_act", "soap_section"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is fields["language"])
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is fields["dialogue_act"])
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Q)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_P)  # soap section: plan

    (saved,) = [a for a in viewer.workspace.annotations(viewer.item.id) if a.id == second]
    assert saved.data[ATTRIBUTES] == {
        "speaker_id": "S1",
        "dialogue_act": "question",
        "soap_section": "plan",
    }
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is viewer)

    viewer.command_stack.undo()
    undone = viewer.workspace.document(viewer.item.id).get(second)
    assert "soap_section" not in undone.data[ATTRIBUTES]
    assert viewer.panel.attributes.fields["soap_section"].currentIndex() == 0
    # clearing the choice ("—") removes the attribute
    act = viewer.panel.attributes.fields["dialogue_act"]
    act.setFocus()
    QTest.keyClick(act, Qt.Key.Key_Home)
    stored = viewer.workspace.document(viewer.item.id).get(second).data[ATTRIBUTES]
    assert stored == {"speaker_id": "S1"}


def test_a_read_only_task_disables_the_attribute_fields(open_viewer) -> None:
    viewer = open_viewer()
    region = viewer.create_region(Tier("patient", "S2"), 0.5, 1.0)
    assert region
    viewer.read_only_reason = "Submitted for review."
    viewer._follow_task()
    assert not viewer.panel.attributes.isEnabled()
    assert not viewer.set_attribute(region, "dialogue_act", "answer")
