"""Waveform (WFDB rhythms, EDF+, CSV) and audio (RTTM, WebVTT, JSON) formats: export → read
by the field library → import gives the same samples, times, labels and texts back.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest

from storage.profile import Profile
from tests.waveform.signal_files import EEG_ANNOTATIONS, write_eeg_edf
from tests.workspace.annotation_import.test_round_trips import _add, _shapes, _split
from workspace.annotation_import.base import AnnotationImportError
from workspace.annotation_import.service import import_annotations
from workspace.annotation_kinds.base import source_of
from workspace.annotation_kinds.signal_marks import (
    sample_interval,
    sample_point,
    time_interval,
    time_point,
)
from workspace.annotation_kinds.spans import span
from workspace.demo_data import (
    ECG_FS,
    ECG_SECONDS,
    SPEAKER_TURNS,
    ecg_signals,
    write_conversation,
    write_ecg,
)
from workspace.export.base import ExportError
from workspace.export.item_export import export_item
from workspace.items import ItemSummary
from workspace.workspace import Workspace

ECG_SAMPLES = int(ECG_SECONDS * ECG_FS)
ROLES = {"A": "clinician", "B": "patient"}


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


@pytest.fixture
def ecg(workspace: Workspace, tmp_path: Path) -> ItemSummary:
    """An ECG with beats, rhythms with a gap, a channel event and an annotated interval."""
    (item,) = workspace.import_paths([write_ecg(tmp_path / "ecg" / "rec100", seed=0)])
    schema = workspace.schema_for(item)
    _, peaks = ecg_signals(seed=0)
    for number, peak in enumerate(peaks):
        label = "V" if number == 3 else "N"
        _add(workspace, sample_point(item.id, peak, label, samples=ECG_SAMPLES, schema=schema))
    _add(workspace, sample_interval(item.id, 0, 1999, "NSR", schema=schema))
    _add(workspace, sample_interval(item.id, 2500, 4001, "AFIB", schema=schema))  # gap before
    _add(workspace, sample_interval(item.id, 4001, ECG_SAMPLES, "VT", schema=schema))
    _add(workspace, sample_point(item.id, 4000, "NOISE", channel=2, schema=schema))
    _add(workspace, sample_interval(item.id, 100, 901, "ARTIFACT", channel=5, schema=schema))
    _add(
        workspace,
        sample_interval(item.id, 3001, 3500, "NOISE", channel=1, schema=schema,
                        attributes={"signal_quality": "poor"}, data={"note": "lead off, 2 s"}),
    )  # fmt: skip
    return item


def _without(annotations: list, keys: tuple[str, ...]) -> list:
    return [
        replace(a, data={k: v for k, v in a.data.items() if k not in keys}) for a in annotations
    ]


def _round_trip(
    workspace: Workspace, item: ItemSummary, written: Path, lost: tuple[str, ...] = ()
) -> list:
    """Import ``written``; what was drawn comes back (but for the keys the format ``lost``)."""
    result = import_annotations(workspace, item.id, written)
    drawn, imported = _split(workspace, item.id, written.name)
    assert result.count == len(drawn) == len(imported)
    assert _shapes(imported) == _shapes(_without(drawn, lost))
    return imported


# ---------------------------------------------------------------- waveform


def test_wfdb_rhythms_are_changes_that_rdann_reads(
    workspace: Workspace, ecg: ItemSummary, tmp_path: Path
) -> None:
    import wfdb

    (written,) = export_item(workspace, ecg.id, "wfdb", tmp_path / "rec100.atr")
    read = wfdb.rdann(str(written.with_suffix("")), "atr")
    changes = [
        (s, aux)
        for s, sym, aux, ch in zip(read.sample, read.symbol, read.aux_note, read.chan, strict=True)
        if sym == "+" and ch == 0
    ]
    assert changes == [(0, "(N"), (1999, ""), (2500, "(AFIB"), (4001, "(VT")]
    assert not any(
        aux.startswith("(")
        for sym, aux in zip(read.symbol, read.aux_note, strict=False)
        if sym == ")"
    )

    imported = _round_trip(workspace, ecg, written, lost=("attributes", "note"))
    afib = next(a for a in imported if a.label == "AFIB")
    assert (afib.data["start"], afib.data["end"], afib.data["code"]) == (2500, 4001, "(AFIB")


def test_mit_bih_style_rhythms_last_until_the_next_change(
    workspace: Workspace, tmp_path: Path
) -> None:
    import numpy as np
    import wfdb

    (item,) = workspace.import_paths([write_ecg(tmp_path / "ecg" / "rec7", seed=1)])
    wfdb.wrann(
        "rec7", "atr", np.array([0, 10, 1200, 3000]), symbol=["+", "N", "+", "+"],
        aux_note=["(N", "", "(AFIB", "(N"], fs=ECG_FS, write_dir=str(tmp_path),
    )  # fmt: skip
    import_annotations(workspace, item.id, tmp_path / "rec7.atr")
    rhythms = sorted(
        (a.data["start"], a.data["end"], a.label)
        for a in workspace.annotations(item.id)
        if a.kind == "interval"
    )
    assert rhythms == [(0, 1200, "NSR"), (1200, 3000, "AFIB"), (3000, ECG_SAMPLES, "NSR")]


def test_csv_round_trip(workspace: Workspace, ecg: ItemSummary, tmp_path: Path) -> None:
    (written,) = export_item(workspace, ecg.id, "csv", tmp_path / "rec100.csv")
    with written.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "kind", "label", "start_sample", "end_sample", "start_s", "end_s", "channel", "note",
        "attributes",
    ]  # fmt: skip
    noise = next(r for r in rows if r["label"] == "NOISE" and r["kind"] == "interval")
    assert (noise["start_sample"], noise["end_sample"], noise["channel"]) == ("3001", "3500", "1")
    assert float(noise["start_s"]) == 3001 / ECG_FS and noise["note"] == "lead off, 2 s"

    _round_trip(workspace, ecg, written)


def test_csv_rows_in_seconds_and_bad_rows(workspace: Workspace, tmp_path: Path) -> None:
    (item,) = workspace.import_paths([write_ecg(tmp_path / "ecg" / "rec7", seed=1)])
    table = tmp_path / "marks.csv"
    table.write_text("kind,label,start_s,end_s\npoint,V,1.5,\ninterval,AFIB,2,4\n", "utf-8")
    import_annotations(workspace, item.id, table)
    got = sorted((a.kind, a.label, json.dumps(a.data.get("sample", a.data.get("start"))))
                 for a in workspace.annotations(item.id))  # fmt: skip
    assert got == [("interval", "AFIB", "1000"), ("point", "V", "750")]

    bad = tmp_path / "bad.csv"
    bad.write_text("kind,label,start_sample\npoint,N,10\nline,N,20\n", "utf-8")
    with pytest.raises(AnnotationImportError, match=r"bad\.csv: line 3: kind 'line' is neither"):
        import_annotations(workspace, item.id, bad)
    assert len(workspace.annotations(item.id)) == 2  # nothing of the bad file was kept


def test_edf_annotations_round_trip_through_pyedflib(
    workspace: Workspace, ecg: ItemSummary, tmp_path: Path
) -> None:
    import pyedflib

    (written,) = export_item(workspace, ecg.id, "edf", tmp_path / "rec100.edf")
    reader = pyedflib.EdfReader(str(written))
    try:
        assert reader.signals_in_file == 0  # annotation-only EDF+
        _onsets, durations, texts = reader.readAnnotations()
    finally:
        reader.close()
    assert (1999 - 0) / ECG_FS in durations.tolist()
    assert "NOISE@@III" in texts.tolist()  # channel 2 of the 12 leads, EDFbrowser's "@@"

    _round_trip(workspace, ecg, written, lost=("attributes", "note"))


def test_an_edf_plus_record_brings_its_own_annotations(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = write_eeg_edf(tmp_path / "night.edf")
    (item,) = workspace.import_paths([path])
    fs = item.meta["fs"]
    got = sorted(
        (a.kind, a.label, a.data.get("sample", a.data.get("start")), a.data.get("end"))
        for a in workspace.annotations(item.id)
    )
    (spike_on, _, _), (seizure_on, seizure_len, _) = EEG_ANNOTATIONS
    assert got == [
        ("interval", "seizure", round(seizure_on * fs), round((seizure_on + seizure_len) * fs)),
        ("point", "spike", round(spike_on * fs), None),
    ]
    assert all(
        source_of(a.data) == {"file": "night.edf", "format": "edf"}
        for a in workspace.annotations(item.id)
    )
    again = workspace.import_paths([path])
    assert [i.id for i in again] == [item.id]
    assert len(workspace.annotations(item.id)) == 2  # not read twice


# ---------------------------------------------------------------- audio


@pytest.fixture
def visit(workspace: Workspace, tmp_path: Path) -> ItemSummary:
    """A conversation with speaker turns at times no millisecond grid holds."""
    (item,) = workspace.import_paths([write_conversation(tmp_path / "visit.wav", seed=0)])
    schema = workspace.schema_for(item)
    for number, (start, end, speaker) in enumerate(SPEAKER_TURNS):
        _add(
            workspace,
            time_interval(item.id, start + 1 / 16_000, end + 0.1 / 3, ROLES[speaker],
                          speaker=speaker, text=f"turn {number}: pain < 3 & \"better\"",
                          schema=schema),
        )  # fmt: skip
    return item


def _events(workspace: Workspace, item: ItemSummary) -> None:
    schema = workspace.schema_for(item)
    _add(workspace, time_interval(item.id, 0.0, 2.0000625, "background_noise", schema=schema))
    _add(workspace, time_point(item.id, 3.0500625, "cough", schema=schema))


def test_rttm_round_trip(workspace: Workspace, visit: ItemSummary, tmp_path: Path) -> None:
    (written,) = export_item(workspace, visit.id, "rttm", tmp_path / "visit.rttm")
    lines = written.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(SPEAKER_TURNS)
    fields = lines[0].split()
    assert fields[:3] == ["SPEAKER", "visit", "1"] and fields[6:8] == ["clinician", "A"]
    assert float(fields[3]) + float(fields[4]) == SPEAKER_TURNS[0][1] + 0.1 / 3

    imported = import_annotations(workspace, visit.id, written)
    drawn, read = _split(workspace, visit.id, "visit.rttm")
    assert imported.count == len(read) == len(drawn)
    times = sorted((a.label, a.data["start_s"], a.data["end_s"], a.data["attributes"]["speaker_id"])
                   for a in read)  # fmt: skip
    assert times == sorted(
        (a.label, a.data["start_s"], a.data["end_s"], a.data["attributes"]["speaker_id"])
        for a in drawn
    )

    _events(workspace, visit)  # the cough is a point
    with pytest.raises(ExportError, match="RTTM holds speaker turns and the events"):
        export_item(workspace, visit.id, "rttm", tmp_path / "again.rttm")


def test_rttm_non_speech_events_round_trip(
    workspace: Workspace, visit: ItemSummary, tmp_path: Path
) -> None:
    schema = workspace.schema_for(visit)
    events = [
        ("laughter", 0.1 + 1 / 16_000, 0.7, None),
        ("cough", 1.2, 1.45 + 0.1 / 3, None),
        ("background_noise", 0.0, 2.0000625, None),
        ("inaudible", 2.5, 2.9, None),
        ("crying", 3.0, 3.5, None),
    ]
    for label, start, end, speaker in events:
        _add(workspace, time_interval(visit.id, start, end, label, speaker=speaker, schema=schema))
    (written,) = export_item(workspace, visit.id, "rttm", tmp_path / "visit.rttm")
    lines = [line.split() for line in written.read_text(encoding="utf-8").splitlines()]
    kinds = {(f[0], f[6], f[7]) for f in lines if f[0] != "SPEAKER"}
    assert kinds == {
        ("NON-LEX", "laugh", "<NA>"),
        ("NON-LEX", "cough", "<NA>"),
        ("NON-SPEECH", "noise", "<NA>"),
        ("LEXEME", "un-lex", "<NA>"),
        ("NON-LEX", "other", "<NA>"),
    }
    assert all(len(f) == 10 for f in lines)

    import_annotations(workspace, visit.id, written)
    drawn, read = _split(workspace, visit.id, "visit.rttm")

    def key(a):
        speaker = a.data.get("attributes", {}).get("speaker_id", "")
        return (a.label, a.data["start_s"], a.data["end_s"], speaker)

    assert sorted(map(key, read)) == sorted(map(key, drawn))
    assert len(read) == len(SPEAKER_TURNS) + len(events)


def test_rttm_lines_of_unknown_events_and_words_are_skipped(
    workspace: Workspace, visit: ItemSummary, tmp_path: Path
) -> None:
    other_tool = tmp_path / "tool.rttm"
    other_tool.write_text(
        ";; from another tool\n"
        "SPEAKER tool 1 0.5 1.0 <NA> <NA> spk1 <NA> <NA>\n"
        "NON-SPEECH tool 1 1.5 0.5 <NA> music <NA> <NA> <NA>\n"
        "LEXEME tool 1 0.6 0.2 hello lex spk1 <NA> <NA>\n"
        "NON-LEX tool 1 2.0 0.25 <NA> laugh spk1 <NA> <NA>\n",
        encoding="utf-8",
    )
    import_annotations(workspace, visit.id, other_tool)
    _, read = _split(workspace, visit.id, "tool.rttm")
    assert sorted((a.label, a.data["start_s"]) for a in read) == [("laughter", 2.0), ("other", 0.5)]
    # the schema gives laughter no speaker: the laugh's speaker is not kept
    assert [a.data.get("attributes", {}) for a in read if a.label == "laughter"] == [{}]


def test_webvtt_round_trip(workspace: Workspace, visit: ItemSummary, tmp_path: Path) -> None:
    import webvtt

    _events(workspace, visit)
    (written,) = export_item(workspace, visit.id, "vtt", tmp_path / "visit.vtt")
    captions = list(webvtt.read(str(written)).captions)
    assert [c.voice for c in captions if c.voice] == [s for _, _, s in SPEAKER_TURNS]
    assert captions[1].raw_text.startswith("<v.clinician A>turn 0: pain &lt; 3 &amp;")

    _round_trip(workspace, visit, written)


def test_a_vtt_from_another_tool(workspace: Workspace, tmp_path: Path) -> None:
    (item,) = workspace.import_paths([write_conversation(tmp_path / "visit.wav", seed=0)])
    vtt = tmp_path / "other.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:00.500 --> 00:00:01.250\n<v patient>Hello.\n\n"
        "00:00:02.000 --> 00:00:02.750\n<v Dr Who>Hi &amp; welcome\n",
        encoding="utf-8",
    )
    import_annotations(workspace, item.id, vtt)
    got = sorted(
        (a.data["start_s"], a.data["end_s"], a.label, a.data["attributes"]["speaker_id"],
         a.data["attributes"]["transcript"])
        for a in workspace.annotations(item.id)
    )  # fmt: skip
    assert got == [
        (0.5, 1.25, "patient", "patient", "Hello."),
        (2.0, 2.75, "other", "Dr Who", "Hi & welcome"),
    ]


def test_json_round_trip_with_spans_in_transcripts(
    workspace: Workspace, visit: ItemSummary, tmp_path: Path
) -> None:
    _events(workspace, visit)
    turn = next(a for a in workspace.annotations(visit.id) if a.label == "patient")
    said = turn.data["attributes"]["transcript"]
    start = said.index("pain")
    _add(workspace, span(visit.id, said, [(start, start + 4)], "phi", transcript_of=turn.id))
    schema = workspace.schema_for(visit)
    _add(
        workspace,
        time_interval(
            visit.id,
            4.9,
            4.95,
            "other",
            speaker="C",
            schema=schema,
            attributes={"language": "es"},
            data={"note": "interpreter?"},
        ),
    )

    (written,) = export_item(workspace, visit.id, "json", tmp_path / "visit.json")
    document = json.loads(written.read_text(encoding="utf-8"))
    assert document["format"] == "caliper-audio-annotations"
    entity = next(e for e in document["annotations"] if e["kind"] == "span")
    owner = next(e for e in document["annotations"] if e["id"] == entity["transcript_of"])
    assert owner["transcript"][slice(*entity["fragments"][0])] == entity["text"] == "pain"

    import_annotations(workspace, visit.id, written)
    drawn, read = _split(workspace, visit.id, "visit.json")
    assert len(read) == len(drawn)
    assert _shapes([a for a in read if a.kind != "span"]) == _shapes(
        [a for a in drawn if a.kind != "span"]
    )
    (read_span,) = [a for a in read if a.kind == "span"]
    read_turn = next(a for a in read if a.id == read_span.data["transcript_of"])
    assert read_turn.data["start_s"] == turn.data["start_s"]
    assert read_span.data["text"] == "pain"


def test_textgrid_keeps_speakers_transcripts_and_labels(
    workspace: Workspace, visit: ItemSummary, tmp_path: Path
) -> None:
    from praatio import textgrid

    _events(workspace, visit)
    (written,) = export_item(workspace, visit.id, "textgrid", tmp_path / "visit.TextGrid")
    grid = textgrid.openTextgrid(str(written), includeEmptyIntervals=False)
    patient = grid.getTier("patient B")
    assert [e.label for e in patient.entries] == ["turn 1: pain < 3 & \"better\"",
                                                  "turn 3: pain < 3 & \"better\""]  # fmt: skip
    _round_trip(workspace, visit, written)


def test_dialogue_acts_and_soap_sections_round_trip_through_json(
    workspace: Workspace, visit: ItemSummary, tmp_path: Path
) -> None:
    schema = workspace.schema_for(visit)
    labelled = {
        "dialogue_act": "question",
        "soap_section": "subjective",
        "language": "en",
    }
    _add(
        workspace,
        time_interval(visit.id, 4.9, 4.95, "patient", speaker="B", text="since when?",
                      schema=schema, attributes=labelled),
    )  # fmt: skip
    (written,) = export_item(workspace, visit.id, "json", tmp_path / "visit.json")
    document = json.loads(written.read_text(encoding="utf-8"))
    (entry,) = [e for e in document["annotations"] if e.get("transcript") == "since when?"]
    assert entry["attributes"] == labelled

    import_annotations(workspace, visit.id, written)
    drawn, read = _split(workspace, visit.id, "visit.json")
    (turn,) = [a for a in read if a.data["attributes"].get("transcript") == "since when?"]
    assert turn.data["attributes"] == {**labelled, "speaker_id": "B", "transcript": "since when?"}
    assert _shapes(read) == _shapes(drawn)


def test_dialogue_acts_and_soap_sections_round_trip_through_textgrid_tiers(
    workspace: Workspace, visit: ItemSummary, tmp_path: Path
) -> None:
    from praatio import textgrid

    schema = workspace.schema_for(visit)
    turns = [a for a in workspace.annotations(visit.id) if a.label == "patient"]
    _add(
        workspace,
        time_interval(visit.id, 4.9, 4.95, "patient", speaker="B", text="since when?",
                      schema=schema, attributes={"dialogue_act": "question",
                                                 "soap_section": "subjective"}),
    )  # fmt: skip
    _add(
        workspace,
        time_interval(visit.id, 4.96, 4.99, "patient", speaker="B", text="mm-hm",
                      schema=schema, attributes={"dialogue_act": "backchannel"}),
    )  # fmt: skip
    (written,) = export_item(workspace, visit.id, "textgrid", tmp_path / "visit.TextGrid")
    grid = textgrid.openTextgrid(str(written), includeEmptyIntervals=False)
    names = list(grid.tierNames)
    at = names.index("patient B")
    assert names[at + 1 : at + 3] == ["patient B: dialogue_act", "patient B: soap_section"]
    acts = grid.getTier("patient B: dialogue_act").entries
    assert [e.label for e in acts] == ["question", "backchannel"]
    assert [e.start for e in acts] == [4.9, 4.96]
    assert len(turns) == 2  # the other turns have no attribute tier entries

    _round_trip(workspace, visit, written)
    _, read = _split(workspace, visit.id, "visit.TextGrid")
    (asked,) = [a for a in read if a.data["attributes"].get("transcript") == "since when?"]
    assert asked.data["attributes"]["dialogue_act"] == "question"
    assert asked.data["attributes"]["soap_section"] == "subjective"


@pytest.mark.parametrize(
    ("kind", "value"),
    [("choice", "plan"), ("text", "fr-CA"), ("bool", True), ("bool", False),
     ("number", 3), ("number", 2.5), ("multi", ("pain", "sleep"))],
)  # fmt: skip
def test_attribute_values_survive_their_textgrid_text(kind: str, value: object) -> None:
    from workspace.export.textgrid import value_of, value_text
    from workspace.schema import AttributeDef

    attribute = AttributeDef("a", kind, values=("plan", "pain", "sleep"))  # type: ignore[arg-type]
    assert value_of(attribute, value_text(value)) == value
