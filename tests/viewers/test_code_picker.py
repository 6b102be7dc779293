"""The code picker: type "diab", pick E11.9, the span carries it (stored), undo takes it off."""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt

from tests.app.profiles import NOTE_TEXT, text_item_id
from viewers.code_picker import CodePicker
from workspace.annotation_kinds.codes import AnnotationCode, codes_of
from workspace.annotation_kinds.spans import span
from workspace.annotations import AddAnnotation
from workspace.schema import load_preset
from workspace.terminology import icd10cm
from workspace.terminology.coding import attach_code, systems_for
from workspace.terminology.concept import Concept
from workspace.terminology.search import search, searchable_systems
from workspace.workspace import Workspace

CHEST_PAIN = (NOTE_TEXT.index("chest pain"), NOTE_TEXT.index("chest pain") + len("chest pain"))


def _codes_in_store(workspace: Workspace, item_id: str, annotation_id: str) -> list[AnnotationCode]:
    stored = next(a for a in workspace.annotations(item_id) if a.id == annotation_id)
    return codes_of(stored)


def test_type_diab_pick_e11_9_the_span_carries_it_and_undo_removes_it(
    qtbot, viewer_workspace: Workspace
) -> None:
    workspace = viewer_workspace
    item_id = text_item_id(workspace)
    schema = load_preset("clinical-ner")
    document, stack = workspace.document(item_id), workspace.command_stack(item_id)
    problem = span(item_id, NOTE_TEXT, [CHEST_PAIN], "problem", schema=schema)
    stack.push(AddAnnotation(document, problem))

    store = workspace.terminologies()
    systems = systems_for(schema, problem.label, searchable_systems(store))
    picker = CodePicker(functools.partial(search, store=store), systems, prepare=icd10cm.warm)
    qtbot.addWidget(picker)
    chosen: list[AnnotationCode] = []
    picker.code_chosen.connect(
        lambda code: (chosen.append(code), stack.push(attach_code(document, problem.id, code)))
    )
    # A problem may be coded with ICD10CM or SCT; only ICD-10-CM is searchable here.
    assert systems == ["ICD10CM"] and picker.system() == "ICD10CM"

    qtbot.keyClicks(picker.query, "diab")
    qtbot.waitUntil(lambda: any(c.code == "E11.9" for c in picker.shown()), timeout=30_000)
    row = next(i for i, c in enumerate(picker.shown()) if c.code == "E11.9")
    picker.results.setCurrentRow(row)
    qtbot.keyClick(picker.query, Qt.Key.Key_Return)

    assert [c.code for c in chosen] == ["E11.9"]
    expected = AnnotationCode(
        "ICD10CM", "E11.9", chosen[0].version, "Type 2 diabetes mellitus without complications"
    )
    assert chosen[0] == expected and expected.version
    assert codes_of(document.get(problem.id)) == [expected]
    assert _codes_in_store(workspace, item_id, problem.id) == [expected]

    stack.undo()
    assert codes_of(document.get(problem.id)) == []
    assert _codes_in_store(workspace, item_id, problem.id) == []
    picker.close_jobs()


def test_the_picker_offers_only_the_systems_of_the_class(qtbot) -> None:
    schema = load_preset("clinical-ner")
    asked: list[tuple[str, str]] = []

    def fake_terminology(system: str, query: str, limit: int) -> list[Concept]:
        asked.append((system, query))
        return [Concept(system, "860975", "metformin 500 MG Oral Tablet")]

    available = ["ICD10CM", "RXNORM", "LOINC"]
    picker = CodePicker(fake_terminology, systems_for(schema, "medication", available))
    qtbot.addWidget(picker)
    assert [picker.system_box.itemText(i) for i in range(picker.system_box.count())] == ["RXNORM"]
    with qtbot.waitSignal(picker.results_shown, timeout=10_000):
        qtbot.keyClicks(picker.query, "metf")

    def answered() -> bool:  # the last keystroke's search is shown (searches run on two
        # threads: an earlier keystroke's may finish after it, and is then ignored)
        last = ("RXNORM", "metf") in asked and picker.status.text() != "Searching…"
        return last and [c.code for c in picker.shown()] == ["860975"]

    qtbot.waitUntil(answered, timeout=10_000)
    with qtbot.waitSignal(picker.code_chosen, timeout=5_000) as chosen:
        qtbot.keyClick(picker.query, Qt.Key.Key_Return)
    assert chosen.args[0] == AnnotationCode("RXNORM", "860975", "", "metformin 500 MG Oral Tablet")
    picker.set_systems(systems_for(schema, "no-such-label", available))
    assert not picker.isEnabled() and "no codes" in picker.status.text()
    picker.close_jobs()
