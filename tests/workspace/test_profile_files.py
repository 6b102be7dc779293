"""Profile files are the owner's only: folder 0700, files 0600, and so are exports."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.fileio import atomic_write, owner_only_files
from tests.conftest import FAST_KDF, PASSPHRASE
from workspace.annotations import AddAnnotation, Annotation
from workspace.export.item_export import export_item
from workspace.workspace import Workspace


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual 022 umask, under which plain files come out world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _modes(root: Path) -> dict[str, int]:
    paths = [root, *root.rglob("*")]
    return {str(p.relative_to(root)): stat.S_IMODE(p.lstat().st_mode) for p in paths}


def _assert_owner_only(root: Path) -> None:
    for name, mode in _modes(root).items():
        expected = 0o700 if (root / name).is_dir() else 0o600
        assert mode == expected, f"{name}: {oct(mode)}"


def test_profile_tree_is_owner_only_after_init_import_and_edits(
    tmp_path: Path, loose_umask: None
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Discharge summary\nStable, home today.\n")
    root = tmp_path / "profile"
    Workspace.create(root, PASSPHRASE, user="tester", kdf=FAST_KDF).lock()
    workspace = Workspace.unlock(root, PASSPHRASE)
    (item,) = workspace.import_paths([note])
    stack = workspace.command_stack(item.id)
    stack.push(
        AddAnnotation(
            workspace.document(item.id),
            Annotation(item.id, "span", "problem", {"start": 0, "end": 9}),
        )
    )
    stack.undo()
    stack.redo()
    names = set(_modes(root))
    assert {"caliper.db", "caliper.db-wal", "caliper.db-shm", "keys.json", "audit-anchor"} <= names
    assert any(name.startswith("blobs/") for name in names)
    _assert_owner_only(root)  # while open: the WAL and shared-memory files too
    out = tmp_path / "exports"
    out.mkdir()
    written = export_item(workspace, item.id, "brat", out / "note.ann")
    workspace.lock()
    _assert_owner_only(root)
    assert written
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_opening_tightens_a_loosened_profile(profile_dir: Path) -> None:
    profile_dir.chmod(0o755)
    (profile_dir / "keys.json").chmod(0o644)
    (profile_dir / "caliper.db").chmod(0o644)
    Workspace.unlock(profile_dir, PASSPHRASE).lock()
    assert stat.S_IMODE(profile_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((profile_dir / "keys.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((profile_dir / "caliper.db").stat().st_mode) == 0o600


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o600), (0o000, 0o600), (0o277, 0o400)])
def test_atomic_writes_are_owner_only_unless_the_umask_is_stricter(
    tmp_path: Path, umask: int, expected: int
) -> None:
    previous = os.umask(umask)
    try:
        atomic_write(tmp_path / "batch.clb", b"sealed")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "batch.clb").stat().st_mode) == expected


def test_owner_only_files_covers_writers_that_open_files_themselves(
    tmp_path: Path, loose_umask: None
) -> None:
    with owner_only_files(), owner_only_files():  # nested blocks share the saved umask
        (tmp_path / "collected").mkdir()
        (tmp_path / "collected" / "labels.txt").write_text("1 lesion\n")
    (tmp_path / "after.txt").write_text("x")
    assert stat.S_IMODE((tmp_path / "collected").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "collected" / "labels.txt").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "after.txt").stat().st_mode) == 0o644  # umask restored
