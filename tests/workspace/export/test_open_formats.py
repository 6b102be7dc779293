"""Text, waveform and audio annotations as brat, WFDB and TextGrid, read back by their readers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage.profile import Profile
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
from workspace.export.brat import write_brat
from workspace.export.formats import export_formats, formats_for
from workspace.export.item_export import export_item
from workspace.export.labelmap_files import ExportError
from workspace.export.textgrid import write_textgrid
from workspace.export.wfdb_annotations import write_wfdb_annotations
from workspace.workspace import Workspace

ECG_SAMPLES = int(ECG_SECONDS * ECG_FS)


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


def _import(workspace: Workspace, path: Path) -> str:
    (item,) = workspace.import_paths([path])
    return item.id


def _annotate(
    workspace: Workspace, item_id: str, kind: str, label: str | None, **data: Any
) -> Annotation:
    annotation = Annotation(item_id, kind, label, data, author="tester")
    workspace.command_stack(item_id).push(AddAnnotation(workspace.document(item_id), annotation))
    return annotation


# ---------------------------------------------------------------- brat


def parse_ann(path: Path) -> dict[str, list[tuple[str, ...]]]:
    """A brat standoff file by line kind: T (id, type, [(start, end)...], text), A, R, #."""
    parsed: dict[str, list[tuple[Any, ...]]] = {"T": [], "A": [], "R": [], "#": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        ident, rest = line.split("\t", 1)
        if ident.startswith("T"):
            head, text = rest.split("\t")
            kind, offsets = head.split(" ", 1)
            spans = [tuple(int(n) for n in piece.split()) for piece in offsets.split(";")]
            parsed["T"].append((ident, kind, spans, text))
        elif ident.startswith("#"):
            head, note = rest.split("\t")
            parsed["#"].append((ident, *head.split(), note))
        else:
            parsed[ident[0]].append((ident, *rest.split()))
    return parsed


def _span(workspace: Workspace, item_id: str, text: str, label: str, phrase: str, **data: Any):
    start = text.index(phrase)
    end = start + len(phrase)
    return _annotate(workspace, item_id, "span", label, start=start, end=end, text=phrase, **data)


@pytest.fixture
def note(workspace: Workspace, tmp_path: Path) -> tuple[str, str]:
    path = write_clinical_note(tmp_path / "note.txt", patient_name="Doe^Jane", patient_id="SYN-1")
    return _import(workspace, path), path.read_text(encoding="utf-8")


def test_brat_spans_index_the_written_text(workspace: Workspace, note, tmp_path: Path) -> None:
    item_id, text = note
    hypertension = _span(
        workspace, item_id, text, "problem", "hypertension", attributes={"assertion": "present"}
    )
    diabetes = _span(workspace, item_id, text, "problem", "type 2 diabetes\nmellitus")
    metformin = _span(
        workspace, item_id, text, "medication", "metformin", note="dose not stated here"
    )
    _span(workspace, item_id, text, "problem", "pneumonia", attributes={"assertion": "absent"})
    _span(workspace, item_id, text, "phi_name", "Jane Doe", attributes={"surrogate": "Ann Smith"})
    _annotate(workspace, item_id, "relation", "treats", **{"from": metformin.id, "to": diabetes.id})

    (tmp_path / "out").mkdir()
    written = export_item(workspace, item_id, "brat", tmp_path / "out" / "note.ann")

    ann, txt = tmp_path / "out" / "note.ann", tmp_path / "out" / "note.txt"
    confs = [tmp_path / "out" / "annotation.conf", tmp_path / "out" / "visual.conf"]
    assert written == [ann, txt, *confs]
    with txt.open(encoding="utf-8", newline="") as handle:
        copy = handle.read()
    assert copy == text
    parsed = parse_ann(ann)
    stored = {a.id: a for a in workspace.annotations(item_id) if a.kind == "span"}
    assert len(parsed["T"]) == len(stored)
    by_phrase: dict[str, tuple[str, str]] = {}
    for ident, kind, spans, shown in parsed["T"]:
        assert shown == " ".join(copy[a:b] for a, b in spans)
        phrase = copy[spans[0][0] : spans[-1][1]]
        by_phrase[phrase] = (ident, kind)
    assert {phrase: kind for phrase, (_, kind) in by_phrase.items()} == {
        a.data["text"]: a.label for a in stored.values()
    }
    diabetes_line = next(t for t in parsed["T"] if t[0] == by_phrase[diabetes.data["text"]][0])
    assert len(diabetes_line[2]) == 2  # split at the line break, as brat writes it
    assert hypertension.data["text"] == "hypertension"
    t_of = {phrase: ident for phrase, (ident, _) in by_phrase.items()}
    assert parsed["R"] == [
        ("R1", "treats", f"Arg1:{t_of['metformin']}", f"Arg2:{t_of[diabetes.data['text']]}")
    ]
    assert {a[1:] for a in parsed["A"]} == {
        ("assertion", t_of["hypertension"], "present"),
        ("assertion", t_of["pneumonia"], "absent"),
    }
    notes = {(target, note) for _, _, target, note in parsed["#"]}
    assert notes == {
        (t_of["metformin"], "dose not stated here"),
        (t_of["Jane Doe"], "surrogate: Ann Smith"),
    }
    audit = [e["event"] for e in workspace.profile.audit.entries(5)]
    assert "item.export" in audit


def test_brat_offsets_are_code_points_of_the_exact_file(
    workspace: Workspace, tmp_path: Path
) -> None:
    raw = "Pt \U0001f600 seen.\r\nBP 150/90, \u00e9dema of ankles.\r\n"
    source = tmp_path / "crlf.txt"
    source.write_bytes(raw.encode("utf-8"))
    item_id = _import(workspace, source)
    _span(workspace, item_id, raw, "problem", "\u00e9dema")
    _span(workspace, item_id, raw, "anatomy", "ankles")
    _span(workspace, item_id, raw, "problem", "seen.\r\nBP")

    export_item(workspace, item_id, "brat", tmp_path / "crlf.ann")

    assert (tmp_path / "crlf.txt").read_bytes() == raw.encode("utf-8")
    copy = (tmp_path / "crlf.txt").read_bytes().decode("utf-8")
    parsed = parse_ann(tmp_path / "crlf.ann")
    fragments = sorted(
        (kind, spans[0][0], tuple(copy[a:b] for a, b in spans)) for _, kind, spans, _ in parsed["T"]
    )
    assert fragments == sorted(
        [
            ("problem", raw.index("seen."), ("seen.", "BP")),
            ("problem", raw.index("\u00e9dema"), ("\u00e9dema",)),
            ("anatomy", raw.index("ankles"), ("ankles",)),
        ]
    )
    assert sorted(text for *_, text in parsed["T"]) == ["ankles", "seen. BP", "\u00e9dema"]


def test_brat_writer_takes_plain_data(tmp_path: Path) -> None:
    text = "No fever.\n"
    span = Annotation("x", "span", "problem", {"start": 3, "end": 8})
    paths = write_brat(text, [span], tmp_path / "plain.ann")
    assert paths[0].read_text(encoding="utf-8") == "T1\tproblem 3 8\tfever\n"
    assert paths[1].read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("kind", "label", "data", "fragment"),
    [
        ("span", "diagnosis", {"start": 0, "end": 9}, "unknown label 'diagnosis'"),
        ("span", "problem", {"start": 0, "end": 10**6}, "is not inside the note"),
        ("span", "problem", {"start": "0", "end": 9}, "integer 'start' and 'end'"),
        ("span", "problem", {"start": 0, "end": 9, "text": "nonsense!"}, "differs from the note"),
        ("span", "problem", {"start": 0, "end": 9, "attributes": {"assertion": "maybe"}}, "maybe"),
        ("relation", "treats", {"from": "nope", "to": "nada"}, "'from' and 'to'"),
        ("relation", "cures", {"from": "a", "to": "b"}, "unknown relation type 'cures'"),
        ("box", "problem", {}, "brat export takes span and relation"),
    ],
)
def test_brat_refuses_bad_annotations_in_one_sentence(
    workspace: Workspace, note, tmp_path: Path, kind: str, label: str, data: dict, fragment: str
) -> None:
    item_id, _ = note
    _annotate(workspace, item_id, kind, label, **data)
    with pytest.raises(ExportError) as caught:
        export_item(workspace, item_id, "brat", tmp_path / "bad.ann")
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    assert not (tmp_path / "bad.ann").exists()


def test_relation_between_wrong_classes_is_refused(
    workspace: Workspace, note, tmp_path: Path
) -> None:
    item_id, text = note
    first = _span(workspace, item_id, text, "problem", "hypertension")
    second = _span(workspace, item_id, text, "problem", "pneumonia")
    _annotate(workspace, item_id, "relation", "treats", **{"from": first.id, "to": second.id})
    with pytest.raises(ExportError, match="cannot go from 'problem' to 'problem'"):
        export_item(workspace, item_id, "brat", tmp_path / "bad.ann")


# ---------------------------------------------------------------- WFDB


@pytest.fixture
def ecg(workspace: Workspace, tmp_path: Path) -> str:
    header = write_ecg(tmp_path / "ecg" / "rec100", seed=0)
    return _import(workspace, header)


def test_wfdb_round_trip_with_rdann(workspace: Workspace, ecg: str, tmp_path: Path) -> None:
    import wfdb

    _, peaks = ecg_signals(seed=0)
    labels = ["V" if i == 3 else "N" for i in range(len(peaks))]
    for peak, label in zip(peaks, labels, strict=True):
        _annotate(workspace, ecg, "point", label, sample=peak)
    _annotate(workspace, ecg, "interval", "NSR", start=0, end=2500)
    _annotate(workspace, ecg, "interval", "AFIB", start=2500, end=ECG_SAMPLES)
    _annotate(workspace, ecg, "point", "NOISE", sample=4000, channel=2)

    (written,) = export_item(workspace, ecg, "wfdb", tmp_path / "rec100.atr")

    assert written == tmp_path / "rec100.atr"
    read = wfdb.rdann(str(tmp_path / "rec100"), "atr", return_label_elements=["symbol"])
    assert read.fs == ECG_FS
    rows = list(zip(read.sample.tolist(), read.symbol, read.aux_note, strict=True))
    beats = [(s, sym) for s, sym, _ in rows if sym in ("N", "V")]
    assert beats == list(zip(peaks, labels, strict=True))
    rhythms = [(s, aux) for s, sym, aux in rows if sym == "+"]
    assert rhythms == [(0, "(N"), (2500, "(AFIB")]  # each lasts until the next change
    assert ")" not in read.symbol  # no paired end markers, as in the MIT-BIH databases
    assert read.sample.tolist() == sorted(read.sample.tolist())
    (noise,) = [i for i, row in enumerate(rows) if row[1] == "~"]
    assert (read.sample[noise], read.chan[noise]) == (4000, 2)


def test_wfdb_rhythm_gaps_and_overlaps(tmp_path: Path) -> None:
    import wfdb

    rhythms = [
        Annotation("x", "interval", "AFIB", {"start": 100, "end": 300}),
        Annotation("x", "interval", "NSR", {"start": 300, "end": 400}),
        Annotation("x", "interval", "VT", {"start": 600, "end": 1000}),
        Annotation("x", "interval", "AFIB", {"start": 200, "end": 900, "channel": 1}),
    ]
    symbols = {"AFIB": "(AFIB", "NSR": "(N", "VT": "(VT"}
    write_wfdb_annotations(rhythms, tmp_path / "r2.atr", fs=250.0, samples=1000, symbols=symbols)
    read = wfdb.rdann(str(tmp_path / "r2"), "atr")
    rows = list(
        zip(read.sample.tolist(), read.symbol, read.aux_note, read.chan.tolist(), strict=False)
    )
    assert rows == [
        (100, "+", "(AFIB", 0),
        (200, "+", "(AFIB", 1),
        (300, "+", "(N", 0),
        (400, "+", "", 0),  # the rhythm stated ends: a gap until the next change
        (600, "+", "(VT", 0),  # lasts to the record's end: no marker
        (900, "+", "", 1),
    ]
    overlapping = [*rhythms, Annotation("x", "interval", "NSR", {"start": 250, "end": 350})]
    with pytest.raises(ExportError, match="WFDB rhythms follow one another and cannot overlap"):
        write_wfdb_annotations(overlapping, tmp_path / "r3.atr", fs=250.0, symbols=symbols)


def test_wfdb_label_without_a_code_goes_to_aux_note(tmp_path: Path) -> None:
    import wfdb

    annotations = [
        Annotation("x", "point", "N", {"sample": 100}),
        Annotation("x", "point", "electrode off", {"sample": 50}),
    ]
    write_wfdb_annotations(annotations, tmp_path / "r1.qrs", fs=250.0, symbols={"N": "N"})
    read = wfdb.rdann(str(tmp_path / "r1"), "qrs")
    assert read.sample.tolist() == [50, 100]
    assert read.symbol == ['"', "N"]
    assert read.aux_note == ["electrode off", ""]
    assert read.fs == 250


@pytest.mark.parametrize(
    ("kind", "label", "data", "fragment"),
    [
        ("point", "Normal", {"sample": 10}, "unknown label 'Normal'"),
        ("point", "N", {"sample": ECG_SAMPLES}, "past the end of the record"),
        ("point", "N", {"sample": "10"}, "'sample' must be a sample number"),
        ("interval", "AFIB", {"start": 400, "end": 300}, "ends (300) before it starts"),
        ("point", "N", {"sample": 1, "attributes": {"certainty": "sure"}}, "'sure'"),
        ("span", "N", {"start": 1, "end": 2}, "WFDB export takes point and interval"),
    ],
)
def test_wfdb_refuses_bad_annotations_in_one_sentence(
    workspace: Workspace, ecg: str, tmp_path: Path, kind: str, label: str, data: dict, fragment: str
) -> None:
    _annotate(workspace, ecg, kind, label, **data)
    with pytest.raises(ExportError) as caught:
        export_item(workspace, ecg, "wfdb", tmp_path / "rec100.atr")
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_wfdb_file_name_and_emptiness(workspace: Workspace, ecg: str, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no annotations"):
        export_item(workspace, ecg, "wfdb", tmp_path / "rec100.atr")
    _annotate(workspace, ecg, "point", "N", sample=10)
    with pytest.raises(ExportError, match=r"<record>\.<annotator>"):
        export_item(workspace, ecg, "wfdb", tmp_path / "rec 100.at1")


# ---------------------------------------------------------------- TextGrid


@pytest.fixture
def recording(workspace: Workspace, tmp_path: Path) -> str:
    return _import(workspace, write_conversation(tmp_path / "visit.wav", seed=0))


def test_textgrid_round_trip_with_praatio(
    workspace: Workspace, recording: str, tmp_path: Path
) -> None:
    from praatio import textgrid

    roles = {"A": "clinician", "B": "patient"}
    for number, (start, end, speaker) in enumerate(SPEAKER_TURNS):
        attributes = {"speaker_id": speaker, "transcript": f"turn {number}"}
        _annotate(
            workspace,
            recording,
            "interval",
            roles[speaker],
            start_s=start,
            end_s=end,
            attributes=attributes,
        )
    _annotate(workspace, recording, "interval", "background_noise", start_s=0.0, end_s=2.0)
    _annotate(workspace, recording, "point", "cough", time_s=3.05)
    _annotate(workspace, recording, "point", "laughter", time_s=1.6)

    (written,) = export_item(workspace, recording, "textgrid", tmp_path / "visit.TextGrid")

    grid = textgrid.openTextgrid(str(written), includeEmptyIntervals=False)
    assert (grid.minTimestamp, grid.maxTimestamp) == (0.0, 5.0)
    assert set(grid.tierNames) == {"clinician A", "patient B", "background_noise", "events"}
    for speaker, role in roles.items():
        tier = grid.getTier(f"{role} {speaker}")
        expected = [
            (start, end, f"turn {n}")
            for n, (start, end, who) in enumerate(SPEAKER_TURNS)
            if who == speaker
        ]
        assert [tuple(e) for e in tier.entries] == expected
    noise = grid.getTier("background_noise")
    assert [tuple(e) for e in noise.entries] == [(0.0, 2.0, "background_noise")]
    events = grid.getTier("events")
    assert isinstance(events, textgrid.PointTier)
    assert [tuple(e) for e in events.entries] == [(1.6, "laughter"), (3.05, "cough")]


@pytest.mark.parametrize(
    ("kind", "label", "data", "fragment"),
    [
        ("interval", "nurse", {"start_s": 0.1, "end_s": 0.5}, "unknown label 'nurse'"),
        ("interval", "patient", {"start_s": 4.0, "end_s": 9.0}, "outside the recording"),
        ("interval", "patient", {"start_s": "a", "end_s": 1.0}, "'start_s' must be a time"),
        ("point", "cough", {"time": 1.0}, "'time_s' must be a time"),
        ("span", "cough", {"start": 1, "end": 2}, "TextGrid export takes interval and point"),
    ],
)
def test_textgrid_refuses_bad_annotations_in_one_sentence(
    workspace: Workspace,
    recording: str,
    tmp_path: Path,
    kind: str,
    label: str,
    data: dict,
    fragment: str,
) -> None:
    _annotate(workspace, recording, kind, label, **data)
    with pytest.raises(ExportError) as caught:
        export_item(workspace, recording, "textgrid", tmp_path / "visit.TextGrid")
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_overlapping_turns_of_one_tier_are_refused(tmp_path: Path) -> None:
    turns = [
        Annotation("x", "interval", "patient", {"start_s": 0.0, "end_s": 2.0}),
        Annotation("x", "interval", "patient", {"start_s": 1.5, "end_s": 3.0}),
    ]
    with pytest.raises(ExportError, match="overlaps"):
        write_textgrid(turns, tmp_path / "x.TextGrid", duration_s=5.0)
    assert not (tmp_path / "x.TextGrid").exists()


# ---------------------------------------------------------------- formats and modalities


def test_each_modality_has_its_formats() -> None:
    assert {"brat", "wfdb", "textgrid"} <= set(export_formats())
    assert formats_for("text") == ("brat", "bioc", "jsonl", "deid-text")
    assert formats_for("waveform") == ("wfdb", "edf", "csv")
    assert formats_for("audio") == ("textgrid", "rttm", "vtt", "json")
    assert "brat" not in formats_for("volume")


@pytest.mark.parametrize("fmt", ["wfdb", "textgrid", "nifti", "sr"])
def test_a_format_for_another_modality_is_one_clear_error(
    workspace: Workspace, note, tmp_path: Path, fmt: str
) -> None:
    item_id, _ = note
    with pytest.raises(ExportError) as caught:
        export_item(workspace, item_id, fmt, tmp_path / "out.x")
    message = str(caught.value)
    assert message.startswith(f"Item {item_id} is a text item; {fmt} is for ")
    assert "formats for text items: brat, bioc, jsonl" in message


def test_unknown_format(workspace: Workspace, note, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="Unknown format 'conll'"):
        export_item(workspace, note[0], "conll", tmp_path / "x")
