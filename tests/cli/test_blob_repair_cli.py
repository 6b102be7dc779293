"""``caliper import`` repairs a damaged stored copy; ``caliper check`` sweeps the blob folder."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from storage.profile import Profile
from tests.cli.test_cli import REPO, assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from tests.storage.test_blob_repair import half_streamed_then_killed
from workspace.workspace import Workspace


def _blob_files(profile_dir: Path) -> list[Path]:
    return sorted(p for p in (profile_dir / "blobs").rglob("*") if p.is_file())


def _flip_every_blob(profile_dir: Path) -> None:
    for blob in _blob_files(profile_dir):
        raw = bytearray(blob.read_bytes())
        raw[-20] ^= 0xFF
        blob.write_bytes(bytes(raw))


def _volume(path: Path, seed: int = 3) -> np.ndarray:
    import SimpleITK as sitk  # noqa: N813

    array = np.random.default_rng(seed).integers(-500, 500, size=(5, 6, 7)).astype(np.int16)
    sitk.WriteImage(sitk.GetImageFromArray(array), str(path))
    return array


def test_reimporting_a_note_repairs_its_damaged_blob(profile_dir: Path, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Discharge summary\nStable, home today.\n", encoding="utf-8")
    first = caliper("import", str(note), "--profile", str(profile_dir))
    assert first.returncode == 0, first.stderr
    _flip_every_blob(profile_dir)
    assert_one_line_error(caliper("check", "--profile", str(profile_dir)), "integrity check")
    again = caliper("import", str(note), "--profile", str(profile_dir))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout  # the same item, not a second one
    check = caliper("check", "--profile", str(profile_dir))
    assert check.returncode == 0, check.stderr
    assert "profile sound" in check.stdout


def test_reimporting_a_volume_repairs_its_damaged_blobs(profile_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "ct.nii.gz"
    array = _volume(path)
    first = caliper("import", str(path), "--profile", str(profile_dir))
    assert first.returncode == 0, first.stderr
    _flip_every_blob(profile_dir)
    again = caliper("import", str(path), "--profile", str(profile_dir))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    line, already = again.stderr.splitlines()
    assert line.startswith("caliper: warning: ") and "damaged stored copy was repaired" in line
    assert "already in the profile" in already
    check = caliper("check", "--profile", str(profile_dir))
    assert check.returncode == 0, check.stderr
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.items()
        assert np.array_equal(workspace.load_volume(item.id).voxels, array)
    finally:
        workspace.lock()


def test_a_damaged_volume_that_cannot_be_repaired_says_so(
    profile_dir: Path, tmp_path: Path
) -> None:
    """A stored volume whose source no longer gives its voxels (as after a format change)."""
    stored, other = tmp_path / "stored.nii", tmp_path / "other.nii"
    _volume(stored, seed=1)
    _volume(other, seed=2)
    assert caliper("import", str(stored), "--profile", str(profile_dir)).returncode == 0
    _flip_every_blob(profile_dir)
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    try:
        identity = hashlib.sha256(other.read_bytes()).hexdigest()
        with profile.database.write() as session:
            session.execute(text("UPDATE items SET content_digest = :d"), {"d": identity})
    finally:
        profile.lock()
    blobs_before = {p: p.read_bytes() for p in _blob_files(profile_dir)}
    result = caliper("import", str(other), "--profile", str(profile_dir))
    assert_one_line_error(result, "its stored copy is damaged and could not be repaired")
    assert {p: p.read_bytes() for p in _blob_files(profile_dir)} == blobs_before


def test_check_removes_a_killed_writers_temporary_file(profile_dir: Path) -> None:
    leftover = half_streamed_then_killed(profile_dir)
    result = caliper("check", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert (
        f"removed blobs/{leftover.name}: a temporary file left by an interrupted" in result.stdout
    )
    assert not leftover.exists()
    again = caliper("check", "--profile", str(profile_dir))
    assert "removed" not in again.stdout


def test_check_names_unknown_files_and_keeps_them(profile_dir: Path) -> None:
    planted = profile_dir / "blobs" / "ab" / "dropped.bin"
    planted.parent.mkdir()
    planted.write_bytes(b"who put this here")
    result = caliper("check", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("caliper: warning: blobs/ab/dropped.bin is not a blob of this profile")
    assert "1 unknown files in blobs/" in result.stdout
    assert planted.read_bytes() == b"who put this here"


@pytest.mark.slow
def test_check_cleans_up_after_an_import_killed_midway(profile_dir: Path, tmp_path: Path) -> None:
    """A real ``caliper import`` of a large volume, killed -9 while a blob is being sealed."""
    import SimpleITK as sitk  # noqa: N813

    path = tmp_path / "large.nii"
    voxels = np.random.default_rng(0).integers(0, 4000, size=(160, 256, 256), dtype=np.int16)
    sitk.WriteImage(sitk.GetImageFromArray(voxels), str(path))
    blobs = profile_dir / "blobs"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALIPER_")}
    environment.update(PYTHONPATH=str(REPO), CALIPER_PASSPHRASE=PASSPHRASE)
    command = [sys.executable, "-m", "app.cli", "import", str(path), "--profile", str(profile_dir)]
    with subprocess.Popen(command, env=environment, cwd=REPO, stderr=subprocess.DEVNULL) as child:
        deadline = time.monotonic() + 120
        leftovers: list[Path] = []
        while not leftovers and child.poll() is None and time.monotonic() < deadline:
            leftovers = list(blobs.rglob("*.tmp"))
            time.sleep(0.002)  # a polling interval, not a wait for something to happen
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    if not leftovers or not all(p.exists() for p in leftovers):
        pytest.skip("the import finished before it could be killed midway")
    result = caliper("check", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert "a temporary file left by an interrupted import" in result.stdout
    assert list(blobs.rglob("*.tmp")) == []
