"""``caliper export ITEM --format wfdb|edf|csv`` and ``textgrid|rttm|vtt|json`` end to end:
each file written by the command reads back through ``caliper import --annotations-of`` with
the same samples and times."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_annotations_import_cli import _annotations, _import
from tests.cli.test_cli import caliper
from tests.conftest import PASSPHRASE
from workspace.annotation_kinds.signal_marks import sample_interval, sample_point, time_interval
from workspace.annotations import AddAnnotations, Annotation
from workspace.demo_data import (
    ECG_FS,
    ECG_SECONDS,
    SPEAKER_TURNS,
    ecg_signals,
    write_conversation,
    write_ecg,
)
from workspace.workspace import Workspace

SAMPLES = int(ECG_SECONDS * ECG_FS)


def _draw(profile_dir: Path, item_id: str, drawn: list[Annotation]) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        workspace.command_stack(item_id).push(AddAnnotations(workspace.document(item_id), drawn))
    finally:
        workspace.lock()


def _export_and_read_back(profile_dir: Path, item_id: str, fmt: str, out: Path) -> list[dict]:
    result = caliper(
        "export", item_id, "--format", fmt, "--out", str(out), "--profile", str(profile_dir)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(out)]
    printed = _import(profile_dir, str(out), "--annotations-of", item_id)
    assert printed.startswith(f"{item_id}\t{fmt}\t")
    return [
        a for a in _annotations(profile_dir)
        if a["item_id"] == item_id and (a["data"].get("source") or {}).get("file") == out.name
    ]  # fmt: skip


def _where(annotation: dict, *keys: str) -> tuple:
    return (annotation["kind"], annotation["label"], *(annotation["data"].get(k) for k in keys))


@pytest.mark.parametrize(("fmt", "name"), [("wfdb", "rec.atr"), ("edf", "rec.edf"),
                                           ("csv", "rec.csv")])  # fmt: skip
def test_waveform_formats(profile_dir: Path, tmp_path: Path, fmt: str, name: str) -> None:
    item_id = _import(profile_dir, str(write_ecg(tmp_path / "ecg" / "rec", seed=3)))
    item_id = item_id.split("\t")[0]
    _, peaks = ecg_signals(seed=3)
    drawn = [sample_point(item_id, peak, "N") for peak in peaks]
    drawn += [
        sample_interval(item_id, 0, 1234, "NSR"),
        sample_interval(item_id, 1234, SAMPLES, "AFIB"),
        sample_interval(item_id, 10, 3333, "NOISE", channel=4),
    ]
    _draw(profile_dir, item_id, drawn)

    read = _export_and_read_back(profile_dir, item_id, fmt, tmp_path / name)

    keys = ("sample", "start", "end", "channel")
    assert sorted(_where(a, *keys) for a in read) == sorted(
        _where({"kind": a.kind, "label": a.label, "data": a.data}, *keys) for a in drawn
    )


@pytest.mark.parametrize(("fmt", "name"), [("textgrid", "v.TextGrid"), ("rttm", "v.rttm"),
                                           ("vtt", "v.vtt"), ("json", "v.json")])  # fmt: skip
def test_audio_formats(profile_dir: Path, tmp_path: Path, fmt: str, name: str) -> None:
    wav = write_conversation(tmp_path / "visit.wav", seed=0)
    item_id = _import(profile_dir, str(wav)).split("\t")[0]
    roles = {"A": "clinician", "B": "patient"}
    drawn = [
        time_interval(item_id, start + 1 / 44_100, end, roles[who], speaker=who,
                      text=f"turn {n}")
        for n, (start, end, who) in enumerate(SPEAKER_TURNS)
    ]  # fmt: skip
    _draw(profile_dir, item_id, drawn)

    read = _export_and_read_back(profile_dir, item_id, fmt, tmp_path / name)

    if fmt == "rttm":  # speaker turns without their transcripts
        drawn = [
            time_interval(
                item_id, a.data["start_s"], a.data["end_s"], a.label or "",
                speaker=a.data["attributes"]["speaker_id"],
            )
            for a in drawn
        ]  # fmt: skip
    keys = ("start_s", "end_s", "attributes")
    assert sorted(map(str, (_where(a, *keys) for a in read))) == sorted(
        str(_where({"kind": a.kind, "label": a.label, "data": a.data}, *keys)) for a in drawn
    )
