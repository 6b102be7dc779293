"""``caliper import FILE --annotations-of ITEM``: any format Caliper writes, read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from workspace.annotation_kinds.signal_marks import sample_interval, sample_point
from workspace.annotations import AddAnnotations
from workspace.demo_data import ECG_FS, ECG_SECONDS, ecg_signals, write_ecg
from workspace.workspace import Workspace

NOTE = "No fever. Mild cough since Monday.\n"


def _import(profile_dir: Path, *args: str) -> str:
    result = caliper("import", *args, "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    return result.stdout


def _annotations(profile_dir: Path) -> list[dict]:
    result = caliper("list", "annotations", "--json", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["annotations"]


def test_an_exported_wfdb_file_reads_back_as_pre_annotations(
    profile_dir: Path, tmp_path: Path
) -> None:
    header = write_ecg(tmp_path / "ecg" / "rec9", seed=2)
    item_id = _import(profile_dir, str(header)).split("\t")[0]
    _, peaks = ecg_signals(seed=2)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        drawn = [sample_point(item_id, peak, "N") for peak in peaks]
        drawn.append(sample_interval(item_id, 0, int(ECG_SECONDS * ECG_FS), "AFIB"))
        stack = workspace.command_stack(item_id)
        stack.push(AddAnnotations(workspace.document(item_id), drawn))
    finally:
        workspace.lock()
    out = tmp_path / "rec9.atr"
    exported = caliper(
        "export", item_id, "--format", "wfdb", "--out", str(out), "--profile", str(profile_dir)
    )
    assert exported.returncode == 0, exported.stderr

    printed = _import(profile_dir, str(out), "--annotations-of", item_id)

    assert printed == f"{item_id}\twfdb\t{len(drawn)} annotations from rec9.atr\n"
    read = [a for a in _annotations(profile_dir) if a["data"].get("source")]
    assert len(read) == len(drawn)
    assert {a["data"]["source"]["file"] for a in read} == {"rec9.atr"}
    assert sorted(a["data"]["sample"] for a in read if a["kind"] == "point") == peaks
    audit = caliper("audit", "show", "--profile", str(profile_dir))
    assert "annotation.save" in audit.stdout


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("note.ann", "T1\tproblem 3 8\tfeverish\n", "differs from the note"),
        ("note.ann", "T1\tproblem 3 8\tfever\nT2\tproblem 900 905\tx\n", "line 2: span 900 905"),
        ("note.atr", "\xff" * 6, "formats for text items: brat"),
    ],
)
def test_a_bad_annotation_file_is_one_line_and_changes_nothing(
    profile_dir: Path, tmp_path: Path, name: str, content: str, fragment: str
) -> None:
    note = tmp_path / "visit.txt"
    note.write_text(NOTE, encoding="utf-8")
    item_id = _import(profile_dir, str(note)).split("\t")[0]
    bad = tmp_path / name
    bad.write_text(content, encoding="utf-8")
    before = stored_state(profile_dir)

    result = caliper("import", str(bad), "--annotations-of", item_id, "--profile", str(profile_dir))

    assert_one_line_error(result, fragment)
    assert_nothing_stored_changed(before, profile_dir)


def test_a_folder_import_brings_the_ann_beside_the_note(profile_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "visit.txt").write_text(NOTE, encoding="utf-8")
    (folder / "visit.ann").write_text("T1\tproblem 3 8\tfever\n", encoding="utf-8")

    result = caliper("import", str(folder), "--profile", str(profile_dir))

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # visit.ann is not skipped as an unknown file
    (annotation,) = _annotations(profile_dir)
    assert (annotation["kind"], annotation["label"], annotation["data"]["text"]) == (
        "span",
        "problem",
        "fever",
    )
    assert annotation["data"]["source"] == {"file": "visit.ann", "format": "brat"}
