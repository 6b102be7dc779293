"""Whole objects sealed at once and written past the page cache: the same blobs ``put`` gives,
kept only once committed."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

import storage.blob_direct as direct_module
from storage.blob_direct import DirectSealer, sealed_length
from storage.blob_format import CHUNK_SIZE
from storage.blobs import BlobStore
from storage.errors import IntegrityError
from storage.profile import Profile


@pytest.fixture
def blobs(profile: Profile) -> BlobStore:
    return profile.blobs


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _put(sealer: DirectSealer, data: bytes) -> str:
    return sealer.put(memoryview(data), sha256=hashlib.sha256(data).hexdigest())


def _known(blobs: BlobStore) -> set[str]:
    return {info.digest for info in blobs.digests()}


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 12_345])
def test_a_committed_object_reads_and_verifies_like_a_put_one(blobs: BlobStore, size: int) -> None:
    data = os.urandom(size)
    sealer = DirectSealer(blobs, 2 * CHUNK_SIZE)  # the largest ones need a buffer of their own
    try:
        digest = _put(sealer, data)
        sealer.commit()
    finally:
        sealer.close()
    assert blobs.get(digest) == data
    blobs.verify(digest)
    assert blobs.path_of(digest).stat().st_size == sealed_length(size)
    assert digest in _known(blobs)
    assert _files(blobs.root) == [blobs.path_of(digest)]  # no temporary file left
    with blobs.open(digest) as reader:  # random access, as a slide's tiles are read
        assert reader.read(size // 3, 1000) == data[size // 3 : size // 3 + 1000]


def test_objects_put_from_several_threads_are_committed_together(blobs: BlobStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    objects = [os.urandom(CHUNK_SIZE + n) for n in range(6)]
    sealer = DirectSealer(blobs, 2 * CHUNK_SIZE)
    with ThreadPoolExecutor(3) as pool:
        digests = list(pool.map(lambda data: _put(sealer, data), objects))
    assert not _known(blobs)  # nothing indexed before the commit
    sealer.commit()
    sealer.close()
    assert _known(blobs) == set(digests)
    assert [blobs.get(d) for d in digests] == objects


def test_nothing_stays_of_objects_closed_before_their_commit(blobs: BlobStore) -> None:
    sealer = DirectSealer(blobs, CHUNK_SIZE)
    sealer.MAX_PENDING = 2  # the oldest are synced and closed early: still staged
    digests = [_put(sealer, os.urandom(1000 + n)) for n in range(5)]
    assert not any(blobs.contains(d) for d in digests)  # nothing in place before the commit
    assert len(_files(blobs.root)) == 6  # five staged files and the staging folder's lock
    assert not blobs.sweep().removed  # the staging folder is held
    sealer.close()
    assert _files(blobs.root) == []
    assert not _known(blobs)


def test_an_object_already_stored_is_not_written_again(blobs: BlobStore) -> None:
    data = os.urandom(5000)
    digest = blobs.put(data)
    before = blobs.path_of(digest).read_bytes()
    sealer = DirectSealer(blobs, CHUNK_SIZE)
    assert _put(sealer, data) == _put(sealer, data) == digest
    sealer.commit()
    sealer.close()
    assert blobs.path_of(digest).read_bytes() == before
    assert len(_files(blobs.root)) == 1


def test_repair_seals_a_damaged_copy_again_and_close_keeps_it(blobs: BlobStore) -> None:
    data = os.urandom(3 * CHUNK_SIZE)
    digest = blobs.put(data)
    path = blobs.path_of(digest)
    damaged = bytearray(path.read_bytes())
    damaged[CHUNK_SIZE + 100] ^= 0x01
    path.write_bytes(bytes(damaged))
    with pytest.raises(IntegrityError):
        blobs.verify(digest)
    sealer = DirectSealer(blobs, CHUNK_SIZE)
    sealer.MAX_PENDING = 0  # placed at once
    sealer.put(memoryview(data), sha256=digest, repair=True)
    sealer.close()  # the sound copy replaced the damaged one: it stays
    blobs.verify(digest)


def test_no_plaintext_reaches_the_disk(blobs: BlobStore) -> None:
    marker = b"PATIENT-NAME-DOE^JANE-" * 4096
    sealer = DirectSealer(blobs, CHUNK_SIZE)
    _put(sealer, marker)
    sealer.commit()
    sealer.close()
    for path in _files(blobs.root):
        assert b"DOE^JANE" not in path.read_bytes()


def test_without_direct_writes_the_same_blob_is_written_the_ordinary_way(
    blobs: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(direct_module, "_DIRECT", 0)  # as on a system without O_DIRECT
    data = os.urandom(2 * CHUNK_SIZE + 7)
    sealer = DirectSealer(blobs, CHUNK_SIZE)
    digest = _put(sealer, data)
    sealer.commit()
    sealer.close()
    assert blobs.get(digest) == data


def test_a_file_system_refusing_aligned_writes_gets_ordinary_ones(
    blobs: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not direct_module._DIRECT:
        pytest.skip("no O_DIRECT on this system")
    real_write = os.write
    refused: list[int] = []

    def write(fd: int, data: memoryview) -> int:
        import fcntl

        if fcntl.fcntl(fd, fcntl.F_GETFL) & direct_module._DIRECT:
            refused.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(direct_module.os, "write", write)
    data = os.urandom(CHUNK_SIZE + 3)
    sealer = DirectSealer(blobs, CHUNK_SIZE)
    digest = _put(sealer, data)
    sealer.commit()
    sealer.close()
    assert refused
    assert blobs.get(digest) == data
