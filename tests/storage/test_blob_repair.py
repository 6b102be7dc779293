"""Damaged blobs sealed again from their source; the blob folder swept of killed writers' files.

A process killed while it seals a blob leaves its temporary file; :meth:`BlobStore.sweep`
removes it once no process holds it, leaves one still being written, and reports (never
deletes) files the index does not know.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from storage.blob_format import CHUNK_SIZE
from storage.blob_stream import StreamingBlob
from storage.blobs import BlobStore
from storage.errors import IntegrityError
from storage.profile import Profile
from tests.conftest import PASSPHRASE

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def blobs(profile: Profile) -> BlobStore:
    return profile.blobs


def _flip(path: Path, offset: int = -20) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_put_file_with_repair_seals_a_damaged_copy_again(blobs: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "scan.bin"
    source.write_bytes(os.urandom(2 * CHUNK_SIZE + 7))
    digest = blobs.put_file(source)
    _flip(blobs.path_of(digest))
    assert blobs.damage(digest) is not None
    assert blobs.put_file(source) == digest  # plain dedup leaves the copy as it is
    assert "failed its integrity check" in (blobs.damage(digest) or "")
    assert blobs.put_file(source, repair=True) == digest
    assert blobs.damage(digest) is None
    assert blobs.get(digest) == source.read_bytes()
    assert len(blobs.digests()) == 1


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "delete"])
def test_put_with_repair_restores_any_damage(blobs: BlobStore, damage: str) -> None:
    data = os.urandom(CHUNK_SIZE + 100)
    digest = blobs.put(data)
    path = blobs.path_of(digest)
    if damage == "flip":
        _flip(path)
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:-50])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
    assert blobs.damage(digest) is not None
    blobs.put(data, repair=True)
    assert blobs.get(digest) == data


def test_an_emptied_blob_is_an_integrity_error(blobs: BlobStore) -> None:
    digest = blobs.put(b"some bytes")
    blobs.path_of(digest).write_bytes(b"\x01\x02")
    with pytest.raises(IntegrityError, match="damaged header"):
        blobs.verify(digest)


def test_a_repair_of_a_sound_copy_rewrites_nothing(blobs: BlobStore) -> None:
    data = os.urandom(1000)
    digest = blobs.put(data)
    before = blobs.path_of(digest).read_bytes()
    blobs.put(data, repair=True)
    assert blobs.path_of(digest).read_bytes() == before


def test_a_streamed_blob_with_repair_replaces_a_damaged_copy(blobs: BlobStore) -> None:
    data = os.urandom(2 * CHUNK_SIZE + 3)
    digest = hashlib.sha256(data).hexdigest()
    blobs.put(data)
    _flip(blobs.path_of(digest), 17 + 12 + 5)
    stream = StreamingBlob(blobs, memoryview(bytearray(data)))
    stream.finish(digest, repair=True)
    assert blobs.get(digest) == data
    assert [p.name for p in blobs.root.iterdir() if p.is_file()] == []  # no temporary left


# ---------------------------------------------------------------- the sweep

_HALF_STREAMED = """
import sys
from pathlib import Path
from storage.blob_format import CHUNK_SIZE
from storage.blob_stream import StreamingBlob
from storage.profile import Profile
profile = Profile.unlock(Path(sys.argv[1]), sys.argv[2])
stream = StreamingBlob(profile.blobs, memoryview(bytearray(4 * CHUNK_SIZE)))
stream.advance(2 * CHUNK_SIZE)
print("streaming", flush=True)
sys.stdin.read()
"""


def half_streamed_then_killed(profile_dir: Path) -> Path:
    """Run a real process that streams a blob, kill -9 it midway; its temporary file."""
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [sys.executable, "-c", _HALF_STREAMED, str(profile_dir), PASSPHRASE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=REPO,
    ) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "streaming"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    (leftover,) = (profile_dir / "blobs").glob(".stream-*.tmp")
    return leftover


def test_a_killed_writers_temporary_file_is_removed(profile_dir: Path) -> None:
    leftover = half_streamed_then_killed(profile_dir)
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    try:
        report = profile.blobs.sweep()
    finally:
        profile.lock()
    assert report.removed == [leftover]
    assert report.busy == report.unknown == []
    assert not leftover.exists()


def test_a_temporary_file_still_being_written_is_left_alone(blobs: BlobStore) -> None:
    stream = StreamingBlob(blobs, memoryview(bytearray(3 * CHUNK_SIZE)))
    try:
        stream.advance(CHUNK_SIZE)
        report = blobs.sweep()
        (busy,) = report.busy
        assert busy.name.startswith(".stream-")
        assert busy.exists()
        assert report.removed == report.unknown == []
    finally:
        stream.abort()


def test_unknown_files_are_reported_and_kept(blobs: BlobStore) -> None:
    digest = blobs.put(b"kept")
    shard = blobs.path_of(digest).parent
    planted = [
        blobs.root / "notes.txt",
        shard / ("0" * 64),
        blobs.root / "zz" / "payload.bin",
        blobs.root / ".stream-nothex.tmp",
    ]
    for path in planted:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"not a blob")
    (blobs.root / "link").symlink_to(blobs.path_of(digest))
    report = blobs.sweep()
    assert sorted(report.unknown) == sorted([*planted, blobs.root / "link"])
    assert report.removed == report.busy == []
    assert all(path.exists() for path in planted)
    assert blobs.get(digest) == b"kept"
