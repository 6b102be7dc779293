"""``caliper suggest ITEM --phi/--context`` and ``caliper export ITEM --format deid-text``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.bench.bench_phi_rules import NOTES
from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from workspace.annotation_kinds.suggestions import accept_suggestions
from workspace.demo_data import write_ecg
from workspace.workspace import Workspace


def _import(profile_dir: Path, path: Path) -> str:
    result = caliper("import", str(path), "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\t")[0]


def test_suggest_prints_counts_and_deid_export_replaces_accepted_phi(
    profile_dir: Path, tmp_path: Path
) -> None:
    note = tmp_path / "letter.txt"
    shutil.copy(NOTES / "02_referral.txt", note)
    item_id = _import(profile_dir, note)

    result = caliper("suggest", item_id, "--phi", "--profile", str(profile_dir))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("phi suggestions\t")
    counts = dict(line.strip().split("\t") for line in lines[1:])
    assert int(counts["phi_name"]) >= 3 and int(counts["phi_date"]) >= 3
    assert sum(map(int, counts.values())) == int(lines[0].split("\t")[1])

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        document = workspace.document(item_id)
        workspace.command_stack(item_id).push(
            accept_suggestions(document, [a.id for a in document.all()])
        )
    finally:
        workspace.lock()
    out = tmp_path / "letter.deid.txt"
    exported = caliper(
        "export",
        item_id,
        "--format",
        "deid-text",
        "--surrogates",
        "--out",
        str(out),
        "--profile",
        str(profile_dir),
    )
    assert exported.returncode == 0, exported.stderr
    text = out.read_text(encoding="utf-8")
    gold = json.loads((NOTES / "02_referral.json").read_text(encoding="utf-8"))["spans"]
    assert not [g["text"] for g in gold if g["text"] in text]
    assert "exertional chest tightness" in text


def test_a_non_text_item_gets_one_clear_line(profile_dir: Path, tmp_path: Path) -> None:
    item_id = _import(profile_dir, write_ecg(tmp_path / "ecg" / "rec1", seed=1))
    before = stored_state(profile_dir)

    result = caliper("suggest", item_id, "--phi", "--profile", str(profile_dir))

    assert_one_line_error(result, "is a waveform item; the text rules run on text items only")
    assert_nothing_stored_changed(before, profile_dir)
    nothing = caliper("suggest", item_id, "--profile", str(profile_dir))
    assert_one_line_error(nothing, "--phi, --context or both")
    brat = caliper(
        "export",
        item_id,
        "--format",
        "brat",
        "--surrogates",
        "--out",
        str(tmp_path / "x.ann"),
        "--profile",
        str(profile_dir),
    )
    assert_one_line_error(brat, "--surrogates is for --format deid-text")
