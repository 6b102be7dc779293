"""A slide's segments are named by random ids, guarded by AES-GCM alone: altered or swapped
segments are refused, a killed import leaves nothing behind, and slides stored before (their
segments named by SHA-256) still read."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import update

from storage.blob_format import is_random_id
from storage.models import Item
from storage.profile import Profile
from tests.cli.test_cli import REPO
from tests.conftest import PASSPHRASE
from tests.slides.generate import write_pyramid
from workspace.items import ItemSummary
from workspace.slides import store
from workspace.slides.model import SlideError
from workspace.workspace import Workspace


@pytest.fixture(scope="module")
def slide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("slide") / "slide.tif"
    write_pyramid(path, 1500, 1100, levels=3)
    return path


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _segments(workspace: Workspace, item_id: str) -> list[str]:
    return [f.digest for f in workspace.item_files(item_id) if f.name.startswith("segment-")]


def _all_tiles(workspace: Workspace, item_id: str) -> list[bytes]:
    with workspace.open_slide(item_id, cache_mb=0) as reader:
        return [
            bytes(reader.read_encoded_tile(number, column, row))
            for number, level in enumerate(reader.levels)
            for row in range(level.rows)
            for column in range(level.columns)
        ]


def _imported_in_small_segments(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Workspace, ItemSummary]:
    """``slide`` imported in 40 kB segments (many of them, from a small slide)."""
    monkeypatch.setattr(store, "SEGMENT_SIZE", 40_000)
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([slide])
    return workspace, item


def test_segments_have_random_ids_and_the_profile_checks_sound(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, item = _imported_in_small_segments(profile, slide, monkeypatch)
    segments = _segments(workspace, item.id)
    assert len(segments) > 5 and all(is_random_id(s) for s in segments)
    assert len(set(segments)) == len(segments)
    for stored in workspace.item_files(item.id):
        profile.blobs.verify(stored.digest)  # as 'caliper check' does
    assert not is_random_id(item.meta["slide"]["index"])  # everything else is content-addressed


def test_two_segments_swapped_are_refused(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, item = _imported_in_small_segments(profile, slide, monkeypatch)
    first, second = _segments(workspace, item.id)[:2]
    one, other = profile.blobs.path_of(first), profile.blobs.path_of(second)
    swap = one.with_name("swap")
    one.replace(swap)
    other.replace(one)
    swap.replace(other)
    with (
        workspace.open_slide(item.id, cache_mb=0) as reader,
        pytest.raises(SlideError, match="damaged or altered"),
    ):
        reader.read_encoded_tile(0, 0, 0)  # the first tile lies in the first segment
    assert profile.blobs.damage(first) is not None and profile.blobs.damage(second) is not None


def test_the_same_file_imported_again_keeps_no_second_copy(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, item = _imported_in_small_segments(profile, slide, monkeypatch)
    files, known = _files(profile.blobs.root), profile.blobs.digests()
    (again,) = workspace.import_paths([slide])
    assert again.id == item.id
    assert _files(profile.blobs.root) == files
    assert profile.blobs.digests() == known


def test_a_repaired_slide_drops_its_damaged_segments(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, item = _imported_in_small_segments(profile, slide, monkeypatch)
    expected = _all_tiles(workspace, item.id)
    old = _segments(workspace, item.id)
    path = profile.blobs.path_of(old[3])
    data = bytearray(path.read_bytes())
    data[-50] ^= 0x10
    path.write_bytes(bytes(data))
    (again,) = workspace.import_paths([slide])
    assert again.id == item.id
    assert not set(_segments(workspace, item.id)) & set(old)
    assert not any(profile.blobs.path_of(s).exists() for s in old)
    assert _all_tiles(workspace, item.id) == expected
    for info in profile.blobs.digests():  # 'caliper check' finds nothing wrong
        profile.blobs.verify(info.digest)


def test_a_slide_stored_with_sha256_named_segments_still_reads(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile written before segments had random ids: each named by its SHA-256 and the
    item's identity the index's digest."""
    monkeypatch.setattr(store, "SEGMENT_SIZE", 40_000)
    workspace = Workspace(profile)
    (fresh,) = workspace.import_paths([slide])
    expected = _all_tiles(workspace, fresh.id)

    def seal_as_before(
        writer: store._SegmentWriter, buffer: object, size: int, fills: list
    ) -> tuple[str, str]:
        try:
            for fill in fills:
                fill()
            data = memoryview(buffer)[:size]  # type: ignore[arg-type]
            digest = hashlib.sha256(data).hexdigest()
            stored = writer._sealer.put(data, sha256=digest, repair=True)
            return stored, store.blake3(data).hexdigest()
        finally:
            if len(buffer) == store.SEGMENT_SIZE:  # type: ignore[arg-type]
                writer._free.put(buffer)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(store._SegmentWriter, "_seal_one", seal_as_before)
        patched.setattr(store, "slide_identity", lambda *_: "0" * 64)
        (old,) = workspace.import_paths([slide])
    with profile.database.write() as session:
        session.execute(
            update(Item).where(Item.id == old.id).values(content_digest=old.meta["slide"]["index"])
        )
    segments = _segments(workspace, old.id)
    assert segments and not any(is_random_id(s) for s in segments)
    assert _all_tiles(workspace, old.id) == expected
    for stored in workspace.item_files(old.id):
        profile.blobs.verify(stored.digest)  # SHA-256 re-checked, as before


_KILLED_IMPORT = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from storage.blob_direct import DirectSealer
    from workspace.slides import store
    from workspace.workspace import Workspace

    store.SEGMENT_SIZE = 40_000
    DirectSealer.MAX_PENDING = 2  # most of them synced and closed early: still staged
    sealed = store._SegmentWriter._seal_one
    lock = threading.Lock()
    count = [0]

    def seal_one(self, *args):
        result = sealed(self, *args)
        with lock:
            count[0] += 1
            if count[0] == 6:  # six segments written, none yet durable nor indexed
                print("sealing", flush=True)
                threading.Event().wait()  # killed here
        return result

    store._SegmentWriter._seal_one = seal_one
    workspace = Workspace.unlock(Path(sys.argv[1]), sys.argv[2])
    workspace.import_paths([Path(sys.argv[3])])
    print("finished", flush=True)
    """
)


def test_a_killed_import_leaves_nothing_visible(
    profile_dir: Path, slide: Path, tmp_path: Path
) -> None:
    before = _files(profile_dir / "blobs") if (profile_dir / "blobs").exists() else set()
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_IMPORT, str(profile_dir), PASSPHRASE, str(slide)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "sealing"
        written = _files(profile_dir / "blobs") - before
        assert len(written) >= 6  # the segments are on disk, staged
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    opened = Profile.unlock(profile_dir, PASSPHRASE)
    try:
        workspace = Workspace(opened)
        assert workspace.items() == []
        assert opened.blobs.digests() == []
        report = opened.blobs.sweep()  # what 'caliper check' does
        assert set(report.removed) == written and not report.unknown
        assert _files(opened.blobs.root) == before
    finally:
        opened.lock()
    assert all(p.parent.name.startswith(".direct-") for p in written)
