"""No plaintext PHI on disk: known strings written through every path, then grepped for."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from storage.profile import Profile
from tests.conftest import PASSPHRASE
from workspace.annotations import AddAnnotation, Annotation, UpdateAnnotation
from workspace.demo_data import generate_ct_series
from workspace.schema import load_preset
from workspace.workspace import Workspace

NAMES = [
    "Johanna Pemberton-Quill",
    "Bartholomew Okafor",
    "Ysolde Marchetti",
    "Casimir Lindqvist",
    "Philippa Oyelaran",
    "Thaddeus Vukovic",
]
MRNS = ["MRN48213377", "MRN90017265", "MRN55501842", "MRN31415926", "MRN27182818", "MRN16180339"]
NOTE_TEXT = [
    "persistent left lower quadrant tenderness",
    "metformin 850 mg twice daily",
    "appendectomy at Saint Aldric hospital",
    "elevated troponin overnight",
    "lives at 42 Wisteria Crescent",
    "daughter Marisol phoned",
]
DICOM_NAME, DICOM_ID = "Quenby^Rosalind", "CT77654321"
PHI = [*NAMES, *MRNS, *NOTE_TEXT, DICOM_NAME, DICOM_ID]


def _files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_twenty_phi_strings_never_reach_disk_in_clear(
    profile_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(PHI) == 20
    sources = tmp_path / "sources"  # the user's own plaintext files, outside the profile
    sources.mkdir()
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))

    note = sources / "note.txt"
    note.write_text(f"{NAMES[0]} ({MRNS[0]})\n" + "\n".join(NOTE_TEXT) + "\n", encoding="utf-8")
    generate_ct_series(
        sources / "ct",
        slices=4,
        rows=16,
        cols=16,
        patient_name=DICOM_NAME,
        patient_id=DICOM_ID,
        seed=1,
    )

    workspace = Workspace(Profile.unlock(profile_dir, PASSPHRASE))
    items = workspace.import_paths([note, sources / "ct"])
    assert {i.modality for i in items} == {"text", "volume"}
    text_item = next(i for i in items if i.modality == "text")
    project = workspace.ensure_project(f"Study of {NAMES[1]}", load_preset("clinical-ner"))
    workspace.create_batch(project, f"Batch for {MRNS[1]}", [i.id for i in items])
    document = workspace.document(text_item.id)
    stack = workspace.command_stack(text_item.id)
    for n, (name, mrn) in enumerate(zip(NAMES[2:], MRNS[2:], strict=True)):
        span = Annotation(text_item.id, "span", "PHI", {"text": name, "start": n}, author="t")
        stack.push(AddAnnotation(document, span))
        stack.push(UpdateAnnotation(document, span.id, data={"text": f"{name} {mrn}"}))
    stack.undo()
    stack.redo()
    workspace.open_item(text_item.id)
    workspace.set_setting("ui.last_search", NAMES[0])
    workspace.profile.audit.record("item.export", MRNS[0], {"note": NOTE_TEXT[0]})
    assert NAMES[0] in workspace.read_file(workspace.item_files(text_item.id)[0]).decode()
    workspace.lock()

    files = _files_under(profile_dir, temp)
    assert any(p.name.endswith("-wal") for p in files) or (profile_dir / "caliper.db").exists()
    for path in files:
        raw = path.read_bytes()
        for secret in PHI:
            for encoded in (secret.encode("utf-8"), secret.encode("utf-16-le")):
                assert encoded not in raw, f"{secret!r} found in clear in {path}"
