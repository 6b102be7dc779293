"""Blobs sealed while they are produced: the same file as ``put`` gives, or nothing at all."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

import storage.blob_stream as stream_module
from storage.blob_format import CHUNK_SIZE
from storage.blob_stream import StreamingBlob
from storage.blobs import STREAM_MIN_SIZE, BlobStore
from storage.errors import DiskFullError, IntegrityError
from storage.profile import Profile


@pytest.fixture
def blobs(profile: Profile) -> BlobStore:
    return profile.blobs


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _stream(blobs: BlobStore, data: bytes, step: int) -> str:
    """Stream ``data``, saying ``step`` more bytes are final each time; finish it."""
    digest = hashlib.sha256(data).hexdigest()
    stream = StreamingBlob(blobs, memoryview(bytearray(data)))
    for final in range(0, len(data), step):
        stream.advance(final)
    return stream.finish(digest)


@pytest.mark.parametrize("size", [1, CHUNK_SIZE - 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 12_345])
def test_a_streamed_blob_reads_and_verifies_like_a_put_one(blobs: BlobStore, size: int) -> None:
    data = os.urandom(size)
    digest = _stream(blobs, data, step=300_001)
    assert digest == hashlib.sha256(data).hexdigest()
    assert blobs.get(digest) == data
    blobs.verify(digest)
    with blobs.open(digest) as reader:
        assert reader.read(size // 2, 1000) == data[size // 2 : size // 2 + 1000]
    assert [b.digest for b in blobs.digests()] == [digest]
    assert len(_files(blobs.root)) == 1  # no temporary file left behind


def test_streamed_and_put_files_have_the_same_layout(blobs: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(2 * CHUNK_SIZE + 5)
    digest = _stream(blobs, data, step=CHUNK_SIZE // 3)
    streamed = blobs.path_of(digest).read_bytes()
    blobs.path_of(digest).unlink()
    blobs.put(data)
    put = blobs.path_of(digest).read_bytes()
    assert len(streamed) == len(put)
    assert streamed[:17] == put[:17]  # header: magic, chunk size, object size


def test_a_streamed_blob_is_bound_to_its_digest(blobs: BlobStore) -> None:
    data = os.urandom(CHUNK_SIZE + 10)
    digest = _stream(blobs, data, step=CHUNK_SIZE)
    path = blobs.path_of(digest)
    raw = bytearray(path.read_bytes())
    raw[17 + 12 + 100] ^= 1  # one ciphertext bit of the first chunk
    path.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError):
        blobs.get(digest)


def test_abort_leaves_nothing(blobs: BlobStore) -> None:
    data = os.urandom(3 * CHUNK_SIZE)
    stream = StreamingBlob(blobs, memoryview(data))
    stream.advance(2 * CHUNK_SIZE)
    stream.abort()
    stream.abort()  # twice is harmless
    assert _files(blobs.root) == []
    assert blobs.digests() == []


def test_finishing_a_blob_already_stored_keeps_one_copy(blobs: BlobStore) -> None:
    data = os.urandom(CHUNK_SIZE + 1)
    digest = blobs.put(data)
    assert _stream(blobs, data, step=1000) == digest
    assert len(_files(blobs.root)) == 1
    assert blobs.get(digest) == data


def test_a_ciphertext_that_differs_from_aesgcm_falls_back_to_put(
    blobs: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the ciphertext written ahead ever differ from AESGCM's, the object is sealed
    again the ordinary way rather than stored with tags that do not match it."""
    monkeypatch.setattr(stream_module, "_CTR_AFTER_J0", b"\x00\x00\x00\x03")
    data = os.urandom(2 * CHUNK_SIZE + 7)
    digest = _stream(blobs, data, step=CHUNK_SIZE)
    assert blobs.get(digest) == data
    blobs.verify(digest)
    assert len(_files(blobs.root)) == 1


def test_finish_twice_is_refused(blobs: BlobStore) -> None:
    data = b"small object"
    stream = StreamingBlob(blobs, memoryview(data))
    stream.finish(hashlib.sha256(data).hexdigest())
    with pytest.raises(RuntimeError):
        stream.finish(hashlib.sha256(data).hexdigest())


def test_only_large_objects_are_streamed(blobs: BlobStore) -> None:
    assert blobs.stream(memoryview(bytes(STREAM_MIN_SIZE - 1))) is None
    stream = blobs.stream(memoryview(bytes(STREAM_MIN_SIZE)))
    assert stream is not None
    stream.abort()


def test_a_full_disk_at_the_start_leaves_nothing(
    blobs: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)
    with pytest.raises(DiskFullError):
        StreamingBlob(blobs, memoryview(bytes(3 * CHUNK_SIZE)))
    assert _files(blobs.root) == []
