"""``caliper import`` of crafted and damaged files: one line, a non-zero exit, nothing stored.

Unlocking the profile appends a ``profile.unlock`` row to the audit log, so the database file
itself changes on every run; what a refused import must leave alone is everything stored: the
blob files and keys.json byte for byte, and every database table row for row, the audit log
gaining nothing but unlock rows.
"""

from __future__ import annotations

import gzip
import math
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from workspace.demo_data import write_ecg
from workspace.workspace import Workspace


@pytest.fixture(scope="module")
def stocked_template(template_profile: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A profile holding one imported note, so there is something to harm (copy it)."""
    target = tmp_path_factory.mktemp("stocked") / "profile"
    shutil.copytree(template_profile, target)
    note = target.parent / "note.txt"
    note.write_text("Discharge summary\nStable.\n", encoding="utf-8")
    workspace = Workspace.unlock(target, PASSPHRASE)
    try:
        assert len(workspace.import_paths([note])) == 1
    finally:
        workspace.lock()
    return target


@pytest.fixture
def stocked_profile(stocked_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "profile"
    shutil.copytree(stocked_template, target)
    return target


def _image(path: Path) -> None:
    import SimpleITK as sitk  # noqa: N813

    image = sitk.GetImageFromArray(np.arange(120, dtype=np.int16).reshape(4, 5, 6))
    image.SetSpacing((0.5, 0.5, 2.0))
    sitk.WriteImage(image, str(path))


def _cut(path: Path, count: int) -> None:
    path.write_bytes(path.read_bytes()[:-count])


def _passwd_header(folder: Path) -> Path:
    header = folder / "scan.nhdr"
    _image(header)
    header.write_text(header.read_text().replace("data file: scan.raw", "data file: /etc/passwd"))
    (folder / "scan.raw").unlink()
    return header


def _outside_header(folder: Path) -> Path:
    header = folder / "scan.mhd"
    _image(header)
    (folder.parent / "scan.raw").write_bytes((folder / "scan.raw").read_bytes())
    header.write_text(header.read_text().replace("= scan.raw", "= ../scan.raw"))
    return header


def _truncated(name: str) -> Any:
    def make(folder: Path) -> Path:
        path = folder / name
        _image(path)
        _cut(folder / "scan.raw" if name.endswith(("nhdr", "mhd")) else path, 60)
        return path

    return make


def _truncated_nii_gz(folder: Path) -> Path:
    plain = folder.parent / "plain.nii"
    _image(plain)
    path = folder / "scan.nii.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()[:-60]))
    return path


def _nan_spacing(folder: Path) -> Path:
    path = folder / "scan.nii"
    _image(path)
    data = bytearray(path.read_bytes())
    struct.pack_into("<f", data, 80, math.nan)
    path.write_bytes(bytes(data))
    return path


def _truncated_wfdb(folder: Path) -> Path:
    header = write_ecg(folder / "rec")
    dat = folder / "rec.dat"
    dat.write_bytes(dat.read_bytes()[:1000])
    return header


def _truncated_wav(folder: Path) -> Path:
    import soundfile

    path = folder / "talk.wav"
    soundfile.write(path, np.zeros(4000, dtype=np.int16), 8000)
    _cut(path, 1000)
    return path


def _outside_link(folder: Path) -> Path:
    secret = folder.parent / "secret.txt"
    secret.write_text("Secret note\nnot to be imported\n")
    (folder / "link.txt").symlink_to(secret)
    return folder


CASES = {
    "nhdr-etc-passwd": (_passwd_header, "outside its own folder (data file: /etc/passwd)"),
    "mhd-dotdot": (_outside_header, "outside its own folder (ElementDataFile = ../scan.raw)"),
    "nii-truncated": (_truncated("scan.nii"), "is shorter than its header says"),
    "nii-gz-truncated": (_truncated_nii_gz, "is shorter than its header says"),
    "nrrd-truncated": (_truncated("scan.nrrd"), "is shorter than its header says"),
    "nhdr-truncated": (_truncated("scan.nhdr"), "in its data file scan.raw"),
    "mha-truncated": (_truncated("scan.mha"), "is shorter than its header says"),
    "mhd-truncated": (_truncated("scan.mhd"), "in its data file scan.raw"),
    "nii-nan-spacing": (_nan_spacing, "unusable voxel spacing (nan, 0.5, 2)"),
    "wfdb-truncated": (_truncated_wfdb, "is truncated: expected at least"),
    "wav-truncated": (_truncated_wav, "is shorter than its header says"),
    "folder-with-outside-link": (_outside_link, "symbolic link to a place outside"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_refused_import_is_one_line_and_stores_nothing(
    stocked_profile: Path, tmp_path: Path, case: str
) -> None:
    make, fragment = CASES[case]
    folder = tmp_path / "incoming"
    folder.mkdir()
    path = make(folder)
    before = stored_state(stocked_profile)
    result = caliper("import", str(path), "--profile", str(stocked_profile))
    assert_one_line_error(result, fragment)
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    assert_nothing_stored_changed(before, stocked_profile)


def test_refusals_beside_an_import_are_one_line_each(profile_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    _passwd_header(folder)
    _truncated("scan.nii")(folder)
    (folder / "ok.txt").write_text("A note\nfine\n")
    result = caliper("import", str(folder), "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert all(line.startswith("caliper: skipped ") for line in lines)
    assert lines[0].count(str(folder)) == 1  # the path once, not repeated
