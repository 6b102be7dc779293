"""A full disk gives one clear error; nothing already saved is harmed.

Uses a real, tiny tmpfs (needs root, as in CI); skipped where mounting is not allowed.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.errors import DiskFullError
from tests.conftest import FAST_KDF, PASSPHRASE
from workspace.annotations import AddAnnotation, Annotation
from workspace.workspace import Workspace


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as handle:
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    return filler


def test_full_disk_is_one_clear_error_and_saved_work_survives(
    tiny_disk: Path, tmp_path: Path
) -> None:
    profile_dir = tiny_disk / "profile"
    workspace = Workspace.create(profile_dir, PASSPHRASE, user="tester", kdf=FAST_KDF)
    note = tmp_path / "note.txt"
    note.write_text("Saved before the disk filled up.\n")
    (item,) = workspace.import_paths([note])
    document = workspace.document(item.id)
    stack = workspace.command_stack(item.id)
    kept = Annotation(item.id, "span", "Problem", {"start": 0, "end": 5})
    stack.push(AddAnnotation(document, kept))

    filler = _fill(tiny_disk)
    big = tmp_path / "big.txt"
    big.write_bytes(b"large note line\n" * 200_000)
    with pytest.raises(DiskFullError, match="disk is full"):
        workspace.import_paths([big])
    with pytest.raises(DiskFullError, match="disk is full"):
        for n in range(2000):  # until the WAL cannot grow
            span = Annotation(item.id, "span", "Problem", {"n": n, "pad": "x" * 2000})
            stack.push(AddAnnotation(document, span))
    assert document.get(kept.id) == kept
    acknowledged = {a.id for a in document.all()}  # the failed push was rolled back in memory
    workspace.lock()

    filler.unlink()
    reopened = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        assert reopened.profile.database.integrity_problems() == []
        stored = {a.id: a for a in reopened.annotations(item.id)}
        assert stored[kept.id] == kept
        assert set(stored) == acknowledged
        assert [i.id for i in reopened.items()] == [item.id]
        assert reopened.profile.audit.verify().ok
    finally:
        reopened.lock()
