"""Export → import gives the same annotations back (brat, WFDB, TextGrid), as pre-annotations.

Each test draws annotations with the kind constructors, exports them with the real writer,
checks the file with its field library (brat offsets against the note, ``wfdb.rdann``,
``praatio``), reads the file back onto the same item with ``import_annotations`` and compares.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storage.profile import Profile
from workspace.annotation_import.base import AnnotationImportError
from workspace.annotation_import.service import import_annotations
from workspace.annotation_kinds.base import source_of
from workspace.annotation_kinds.names import RELATION, SPAN
from workspace.annotation_kinds.relations import relation
from workspace.annotation_kinds.signal_marks import (
    sample_interval,
    sample_point,
    time_interval,
    time_point,
)
from workspace.annotation_kinds.spans import span
from workspace.annotations import AddAnnotation, Annotation
from workspace.demo_data import (
    ECG_FS,
    ECG_SECONDS,
    SPEAKER_TURNS,
    ecg_signals,
    write_clinical_note,
    write_conversation,
    write_ecg,
)
from workspace.export.item_export import export_item
from workspace.workspace import Workspace

ECG_SAMPLES = int(ECG_SECONDS * ECG_FS)
#: Keys a file format does not carry back, or that only the importer adds.
_NOT_COMPARED = {"source", "code", "aux"}


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


def _add(workspace: Workspace, annotation: Annotation) -> Annotation:
    stack = workspace.command_stack(annotation.item_id)
    stack.push(AddAnnotation(workspace.document(annotation.item_id), annotation))
    return annotation


def _shape(annotation: Annotation, names: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """What must survive the round trip: kind, label, data (relation ends by their spans)."""
    data = {k: v for k, v in annotation.data.items() if k not in _NOT_COMPARED}
    if annotation.kind == RELATION and names is not None:
        data["from"], data["to"] = names[data["from"]], names[data["to"]]
    return annotation.kind, annotation.label, json.dumps(data, sort_keys=True)


def _split(workspace: Workspace, item_id: str, file_name: str) -> tuple[list, list]:
    """The item's drawn annotations and those read from ``file_name``."""
    drawn, read = [], []
    for annotation in workspace.annotations(item_id):
        source = source_of(annotation.data)
        (read if source and source["file"] == file_name else drawn).append(annotation)
    return drawn, read


def _shapes(annotations: list[Annotation]) -> list[tuple[Any, ...]]:
    names = {a.id: _shape(a) for a in annotations if a.kind == SPAN}
    return sorted(_shape(a, names) for a in annotations)


# ---------------------------------------------------------------- brat


def test_brat_round_trip(workspace: Workspace, tmp_path: Path) -> None:
    path = write_clinical_note(tmp_path / "note.txt", patient_name="Doe^Jane", patient_id="S-1")
    (item,) = workspace.import_paths([path])
    text = path.read_text(encoding="utf-8")
    schema = workspace.schema_for(item)

    def at(phrase: str) -> tuple[int, int]:
        start = text.index(phrase)
        return start, start + len(phrase)

    hypertension = _add(
        workspace,
        span(item.id, text, [at("hypertension")], "problem", schema=schema,
             attributes={"assertion": "present"}),
    )  # fmt: skip
    diabetes = _add(workspace, span(item.id, text, [at("type 2 diabetes\nmellitus")], "problem"))
    pain = _add(  # discontinuous: "chest ... pain" around nothing else
        workspace, span(item.id, text, [at("chest"), (at("chest")[1] + 1, at("chest pain")[1])],
                        "problem", attributes={"assertion": "absent"}),
    )  # fmt: skip
    metformin = _add(
        workspace, span(item.id, text, [at("metformin")], "medication", note="dose not given")
    )
    _add(workspace, span(item.id, text, [at("Jane Doe")], "phi_name",
                         attributes={"surrogate": "Ann Smith"}))  # fmt: skip
    _add(workspace, relation(metformin, diabetes, "treats", schema=schema))
    assert pain.data["fragments"] and hypertension.data["text"] == "hypertension"

    ann = tmp_path / "out" / "note.ann"
    ann.parent.mkdir()
    export_item(workspace, item.id, "brat", ann)
    for line in ann.read_text(encoding="utf-8").splitlines():  # every offset indexes the note
        if line.startswith("T"):
            _, head, shown = line.split("\t")
            pieces = [p.split() for p in head.split(" ", 1)[1].split(";")]
            assert shown == " ".join(text[int(a) : int(b)] for a, b in pieces)

    result = import_annotations(workspace, item.id, ann)

    assert (result.format, result.count) == ("brat", 6)
    drawn, read = _split(workspace, item.id, "note.ann")
    assert len(read) == 6
    assert _shapes(read) == _shapes(drawn)
    assert {source_of(a.data)["format"] for a in read} == {"brat"}  # type: ignore[index]


def test_one_undo_takes_a_whole_file_back(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("No fever. Mild cough.\n", encoding="utf-8")
    (item,) = workspace.import_paths([path])
    ann = tmp_path / "n.ann"
    ann.write_text("T1\tproblem 3 8\tfever\nT2\tproblem 15 20\tcough\n", encoding="utf-8")

    import_annotations(workspace, item.id, ann)

    assert len(workspace.annotations(item.id)) == 2
    stack = workspace.command_stack(item.id)
    assert stack.undo_text == "import n.ann"
    stack.undo()
    assert workspace.annotations(item.id) == []
    saves = [e for e in workspace.profile.audit.entries(5) if e["event"] == "annotation.save"]
    assert [(e["detail"]["action"], e["detail"]["command"]) for e in saves[:2]] == [
        ("undo", "annotation.add_many"),
        ("do", "annotation.add_many"),
    ]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("T1\tproblem 3 800\tfever\n", "line 1: span 3 800 is not inside the note"),
        ("T1\tproblem 3 8\tfeverish\n", "line 1: its text 'feverish' differs from the note"),
        ("T1\tproblem 3 8\tfever\nR1\ttreats Arg1:T1 Arg2:T9\n", "line 2: the relation names T9"),
        ("T1\tproblem three\tfever\n", "are not 'start end"),
        ("E1\tevent:T1\n", "brat events (E lines) are not supported"),
        ("A1\tassertion T4 absent\n", "refers to T4, which is not defined"),
    ],
)
def test_a_bad_brat_file_is_one_sentence_and_stores_nothing(
    workspace: Workspace, tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "n.txt"
    path.write_text("No fever. Mild cough.\n", encoding="utf-8")
    (item,) = workspace.import_paths([path])
    ann = tmp_path / "bad.ann"
    ann.write_text(content, encoding="utf-8")
    with pytest.raises(AnnotationImportError) as caught:
        import_annotations(workspace, item.id, ann)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("bad.ann")
    assert "\n" not in str(caught.value)
    assert workspace.annotations(item.id) == []


# ---------------------------------------------------------------- WFDB


def test_wfdb_round_trip_through_rdann(workspace: Workspace, tmp_path: Path) -> None:
    import wfdb

    (item,) = workspace.import_paths([write_ecg(tmp_path / "ecg" / "rec100", seed=0)])
    schema = workspace.schema_for(item)
    _, peaks = ecg_signals(seed=0)
    for number, peak in enumerate(peaks):
        label = "V" if number == 3 else "N"
        _add(workspace, sample_point(item.id, peak, label, samples=ECG_SAMPLES, schema=schema))
    _add(workspace, sample_interval(item.id, 0, 2500, "NSR", schema=schema))
    _add(workspace, sample_interval(item.id, 2500, ECG_SAMPLES, "AFIB", schema=schema))
    _add(workspace, sample_point(item.id, 4000, "NOISE", channel=2, schema=schema))
    _add(workspace, sample_interval(item.id, 100, 900, "ARTIFACT", channel=5, schema=schema))

    (written,) = export_item(workspace, item.id, "wfdb", tmp_path / "rec100.atr")
    read = wfdb.rdann(str(written.with_suffix("")), "atr")
    assert read.sample.tolist()[:2] == [0, 100]

    result = import_annotations(workspace, item.id, written)

    drawn, imported = _split(workspace, item.id, "rec100.atr")
    assert result.count == len(drawn) == len(imported)
    assert _shapes(imported) == _shapes(drawn)
    beat = next(a for a in imported if a.label == "V")
    assert beat.data["code"] == "V"
    assert beat.data["source"] == {"file": "rec100.atr", "format": "wfdb"}


def test_an_annotation_file_of_another_rate_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    import numpy as np
    import wfdb

    (item,) = workspace.import_paths([write_ecg(tmp_path / "ecg" / "rec100", seed=0)])
    wfdb.wrann("other", "atr", np.array([10]), symbol=["N"], fs=250, write_dir=str(tmp_path))
    with pytest.raises(AnnotationImportError, match=r"\(250 Hz\) is not the record's \(500 Hz\)"):
        import_annotations(workspace, item.id, tmp_path / "other.atr")
    (tmp_path / "junk.atr").write_bytes(b"\xff" * 6)  # WFDB has no magic; this breaks rdann
    with pytest.raises(AnnotationImportError, match=r"junk\.atr: not a readable WFDB annotation"):
        import_annotations(workspace, item.id, tmp_path / "junk.atr")
    assert workspace.annotations(item.id) == []


# ---------------------------------------------------------------- TextGrid


def test_textgrid_round_trip_through_praatio(workspace: Workspace, tmp_path: Path) -> None:
    from praatio import textgrid

    (item,) = workspace.import_paths([write_conversation(tmp_path / "visit.wav", seed=0)])
    schema = workspace.schema_for(item)
    roles = {"A": "clinician", "B": "patient"}
    for number, (start, end, speaker) in enumerate(SPEAKER_TURNS):
        turn = time_interval(
            item.id, start, end, roles[speaker], speaker=speaker, text=f"turn {number}",
            schema=schema,
        )  # fmt: skip
        _add(workspace, turn)
    _add(workspace, time_interval(item.id, 0.0, 2.0, "background_noise", schema=schema))
    _add(workspace, time_point(item.id, 3.05, "cough", schema=schema))

    (written,) = export_item(workspace, item.id, "textgrid", tmp_path / "visit.TextGrid")
    grid = textgrid.openTextgrid(str(written), includeEmptyIntervals=False)
    assert set(grid.tierNames) == {"clinician A", "patient B", "background_noise", "events"}

    import_annotations(workspace, item.id, written)

    drawn, imported = _split(workspace, item.id, "visit.TextGrid")
    assert len(imported) == len(drawn) == len(SPEAKER_TURNS) + 2
    assert _shapes(imported) == _shapes(drawn)


def test_a_format_of_another_modality_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    (item,) = workspace.import_paths([write_conversation(tmp_path / "visit.wav", seed=0)])
    ann = tmp_path / "visit.ann"
    ann.write_text("T1\tproblem 0 1\tx\n", encoding="utf-8")
    with pytest.raises(AnnotationImportError, match="formats for audio items: textgrid"):
        import_annotations(workspace, item.id, ann)
