"""A clinical note in, brat standoff out, through the real ``caliper`` command."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from workspace.annotations import AddAnnotation, Annotation
from workspace.demo_data import write_clinical_note
from workspace.workspace import Workspace


def test_note_exports_as_brat_and_refuses_other_modalities_formats(
    profile_dir: Path, tmp_path: Path
) -> None:
    note = write_clinical_note(tmp_path / "note.txt", patient_name="Cli^Pat", patient_id="C1")
    result = caliper("import", str(note), "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    item_id = result.stdout.split("\t")[0]
    text = note.read_text(encoding="utf-8")
    phrases = {"palpitations": "problem", "Lisinopril": "medication"}
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    document, stack = workspace.document(item_id), workspace.command_stack(item_id)
    for phrase, label in phrases.items():
        start = text.index(phrase)
        data = {"start": start, "end": start + len(phrase), "text": phrase}
        stack.push(AddAnnotation(document, Annotation(item_id, "span", label, data)))
    workspace.lock()

    out = tmp_path / "export" / "note.ann"
    out.parent.mkdir()
    args = ("export", item_id, "--out", str(out), "--profile", str(profile_dir))
    result = caliper(*args, "--format", "brat")

    assert result.returncode == 0, result.stderr
    confs = [str(out.with_name("annotation.conf")), str(out.with_name("visual.conf"))]
    assert result.stdout.splitlines() == [str(out), str(out.with_suffix(".txt")), *confs]
    copy = out.with_suffix(".txt").read_text(encoding="utf-8")
    for line in out.read_text(encoding="utf-8").splitlines():
        _, head, shown = line.split("\t")
        label, start, end = head.split()
        assert copy[int(start) : int(end)] == shown
        assert phrases[shown] == label

    refused = caliper(*args, "--format", "textgrid", "--force")
    assert_one_line_error(refused, "is a text item; textgrid is for audio items")
