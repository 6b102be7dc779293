"""A note or record imported with its annotation files beside it brings them in too."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.profile import Profile
from workspace.annotation_kinds.base import source_of
from workspace.annotation_kinds.signal_marks import sample_point
from workspace.demo_data import ECG_FS, ecg_signals, write_ecg
from workspace.export.wfdb_annotations import write_wfdb_annotations
from workspace.workspace import Workspace

NOTE = "No fever. Mild cough since Monday.\n"
ANN = "T1\tproblem 3 8\tfever\nT2\tproblem 15 20\tcough\nA1\tassertion T1 absent\n"


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


def _problems(workspace: Workspace, paths: list[Path]) -> tuple[list, list[str]]:
    problems: list[str] = []
    items = workspace.import_paths(paths, on_problem=lambda path, message: problems.append(message))
    return items, problems


def test_a_folder_with_a_note_and_its_ann_file(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "visit.txt").write_text(NOTE, encoding="utf-8")
    (folder / "visit.ann").write_text(ANN, encoding="utf-8")

    (item,), problems = _problems(workspace, [folder])

    assert problems == []  # the .ann is not an unknown file
    spans = sorted(workspace.annotations(item.id), key=lambda a: a.data["start"])
    assert [(a.label, a.data["text"]) for a in spans] == [
        ("problem", "fever"),
        ("problem", "cough"),
    ]
    assert spans[0].data["attributes"] == {"assertion": "absent"}
    assert all(source_of(a.data) == {"file": "visit.ann", "format": "brat"} for a in spans)

    again, problems = _problems(workspace, [folder / "visit.txt"])  # the same note again
    assert [i.id for i in again] == [item.id] and problems == []
    assert len(workspace.annotations(item.id)) == 2  # not read twice


def test_brats_conf_files_in_a_folder_are_neither_items_nor_unknown(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "visit.txt").write_text(NOTE, encoding="utf-8")
    (folder / "visit.ann").write_text(ANN, encoding="utf-8")
    (folder / "annotation.conf").write_text("[entities]\nproblem\n", encoding="utf-8")
    (folder / "visual.conf").write_text("[labels]\n", encoding="utf-8")

    (item,), problems = _problems(workspace, [folder])

    assert problems == []
    assert len(workspace.annotations(item.id)) == 2


def test_a_conf_file_without_ann_files_is_unknown(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "visit.txt").write_text(NOTE, encoding="utf-8")
    (folder / "visual.conf").write_text("[labels]\n", encoding="utf-8")

    _, problems = _problems(workspace, [folder])

    assert len(problems) == 1 and "visual.conf" in problems[0]


def test_a_record_header_brings_its_annotators(workspace: Workspace, tmp_path: Path) -> None:
    header = write_ecg(tmp_path / "ecg" / "rec7", seed=1)
    _, peaks = ecg_signals(seed=1)
    beats = [sample_point("x", peak, "N") for peak in peaks]
    write_wfdb_annotations(beats, header.with_suffix(".atr"), fs=ECG_FS, symbols={"N": "N"})
    write_wfdb_annotations(beats[:3], header.with_suffix(".qrs"), fs=ECG_FS, symbols={"N": "N"})

    (item,), problems = _problems(workspace, [header])

    assert problems == []
    by_file: dict[str, list[int]] = {}
    for annotation in workspace.annotations(item.id):
        source = source_of(annotation.data)
        assert source is not None and annotation.label == "N"
        by_file.setdefault(source["file"], []).append(annotation.data["sample"])
    assert {name: sorted(samples) for name, samples in by_file.items()} == {
        "rec7.atr": peaks,
        "rec7.qrs": peaks[:3],
    }


def test_a_bad_sibling_is_reported_and_the_item_still_comes(
    workspace: Workspace, tmp_path: Path
) -> None:
    (tmp_path / "visit.txt").write_text(NOTE, encoding="utf-8")
    (tmp_path / "visit.ann").write_text("T1\tproblem 3 900\tfever\n", encoding="utf-8")

    (item,), problems = _problems(workspace, [tmp_path / "visit.txt"])

    assert len(problems) == 1
    assert "visit.ann" in problems[0] and "is not inside the note" in problems[0]
    assert workspace.annotations(item.id) == []


def test_an_annotation_file_alone_is_an_unknown_file(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "lonely.ann").write_text(ANN, encoding="utf-8")
    items, problems = _problems(workspace, [folder])
    assert items == []
    assert len(problems) == 1 and "lonely.ann" in problems[0] and "unrecognised" in problems[0]
