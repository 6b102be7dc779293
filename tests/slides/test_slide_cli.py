"""``caliper import`` of a slide and of a damaged one, as a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.slides.generate import write_svs
from workspace.workspace import Workspace


def test_caliper_imports_a_slide_and_refuses_a_cut_one_in_one_line(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    Workspace.create(profile, PASSPHRASE, user="path", kdf=FAST_KDF).lock()
    slide = tmp_path / "case.svs"
    write_svs(slide, 800, 600)
    result = caliper("import", str(slide), "--profile", str(profile))
    assert result.returncode == 0, result.stderr
    listed = caliper("list", "--json", "--profile", str(profile))
    (item,) = json.loads(listed.stdout)["items"]
    assert item["modality"] == "slide" and "800 x 600" in item["title"]
    checked = caliper("check", "--profile", str(profile))  # random-id segments verify by GCM
    assert checked.returncode == 0 and "profile sound" in checked.stdout, checked.stderr
    cut = tmp_path / "cut.svs"
    cut.write_bytes(slide.read_bytes()[:5000])
    refused = caliper("import", str(cut), "--profile", str(profile))
    assert_one_line_error(refused, "cut.svs")
