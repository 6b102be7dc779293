"""Encrypted blob store: round trips, random access, integrity on every read."""

from __future__ import annotations

import hashlib
import os

import pytest

from storage.blob_format import CHUNK_SIZE
from storage.blobs import BlobStore
from storage.errors import BlobNotFoundError, IntegrityError
from storage.profile import Profile


@pytest.fixture
def blobs(profile: Profile) -> BlobStore:
    return profile.blobs


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3_500_001])
def test_round_trip(blobs: BlobStore, size: int) -> None:
    data = os.urandom(size)
    digest = blobs.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert blobs.get(digest) == data
    blobs.verify(digest)


def test_random_access_reads_match_the_original(blobs: BlobStore) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 12345)
    digest = blobs.put(data)
    rng = __import__("random").Random(7)
    with blobs.open(digest) as reader:
        for _ in range(50):
            start = rng.randrange(0, len(data))
            length = rng.randrange(0, 2 * CHUNK_SIZE)
            assert reader.read(start, length) == data[start : start + length]
        assert reader.read(len(data) - 5) == data[-5:]


def test_put_file_matches_put_bytes(blobs: BlobStore, tmp_path) -> None:
    data = os.urandom(2 * CHUNK_SIZE + 3)
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    assert blobs.put_file(source) == hashlib.sha256(data).hexdigest()
    assert blobs.get(hashlib.sha256(data).hexdigest()) == data


def test_identical_content_is_stored_once(blobs: BlobStore) -> None:
    first = blobs.put(b"same bytes")
    second = blobs.put(b"same bytes")
    assert first == second
    assert len([p for p in blobs.root.rglob("*") if p.is_file()]) == 1
    assert [b.digest for b in blobs.digests()] == [first]


def test_file_names_do_not_reveal_the_digest(blobs: BlobStore) -> None:
    digest = blobs.put(b"a known document")
    names = [p.name for p in blobs.root.rglob("*")]
    assert all(digest not in name and digest[:16] not in name for name in names)


def test_flipped_byte_gives_an_integrity_error_never_wrong_data(blobs: BlobStore) -> None:
    data = os.urandom(3 * CHUNK_SIZE)
    digest = blobs.put(data)
    path = blobs.path_of(digest)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # somewhere in chunk 1
    path.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError, match=r"chunk 1 failed its integrity check"):
        blobs.get(digest)
    with blobs.open(digest) as reader:
        assert reader.read(0, 100) == data[:100]  # chunk 0 is untouched and still readable
        with pytest.raises(IntegrityError):
            reader.read(CHUNK_SIZE + 10, 10)


def test_truncated_blob_is_detected(blobs: BlobStore) -> None:
    digest = blobs.put(os.urandom(2 * CHUNK_SIZE))
    path = blobs.path_of(digest)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IntegrityError, match="truncated"):
        blobs.get(digest)


def test_swapped_chunks_are_detected(blobs: BlobStore) -> None:
    digest = blobs.put(os.urandom(2 * CHUNK_SIZE))
    path = blobs.path_of(digest)
    raw = path.read_bytes()
    header, body = raw[:17], raw[17:]
    half = len(body) // 2
    path.write_bytes(header + body[half:] + body[:half])
    with pytest.raises(IntegrityError):
        blobs.get(digest)


def test_missing_blob_is_a_clear_error(blobs: BlobStore) -> None:
    with pytest.raises(BlobNotFoundError, match="not in this profile"):
        blobs.get("0" * 64)


def _sealed_file_layout_ok(blobs: BlobStore, digest: str, size: int) -> None:
    """The file is header + one ``nonce | ciphertext | tag`` per chunk, in order, no more."""
    chunks = max(1, -(-size // CHUNK_SIZE))
    assert blobs.path_of(digest).stat().st_size == 17 + size + chunks * 28


def test_a_large_object_sealed_and_opened_in_parallel_round_trips(
    blobs: BlobStore, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import blob_format as module

    monkeypatch.setattr(module._Writeback, "STEP", CHUNK_SIZE)  # early flushes on 5 MiB too
    data = os.urandom(19 * CHUNK_SIZE + 777)  # three read groups, a short last chunk
    digest = blobs.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    _sealed_file_layout_ok(blobs, digest, len(data))
    assert blobs.get(digest) == data
    blobs.verify(digest)
    with blobs.open(digest) as reader:
        start = 3 * CHUNK_SIZE - 5
        assert reader.read(start, 13 * CHUNK_SIZE) == data[start : start + 13 * CHUNK_SIZE]
    source = tmp_path / "source.bin"
    source.write_bytes(data[::-1])
    assert blobs.get(blobs.put_file(source)) == data[::-1]


def test_read_into_fills_a_caller_buffer_and_refuses_a_wrong_size(blobs: BlobStore) -> None:
    import numpy as np

    data = os.urandom(19 * CHUNK_SIZE + 6)  # several read groups, a short last chunk
    digest = blobs.put(data)
    out = np.empty(len(data) // 2, dtype=np.int16)  # uninitialised, as the volume loader uses
    with blobs.open(digest) as reader:
        reader.read_into(memoryview(out))
        assert out.tobytes() == data
        with pytest.raises(ValueError, match="writable buffer"):
            reader.read_into(memoryview(bytearray(len(data) - 1)))
        with pytest.raises(ValueError, match="writable buffer"):
            reader.read_into(memoryview(data))  # read-only


def test_a_flipped_byte_in_a_parallel_read_is_an_integrity_error(blobs: BlobStore) -> None:
    digest = blobs.put(os.urandom(20 * CHUNK_SIZE))
    path = blobs.path_of(digest)
    raw = bytearray(path.read_bytes())
    raw[17 + 17 * (CHUNK_SIZE + 28) + 100] ^= 0x01  # chunk 17, in the third read group
    path.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError, match=r"chunk 17 failed"):
        blobs.get(digest)


def test_a_known_digest_is_used_as_given(blobs: BlobStore) -> None:
    data = os.urandom(2 * CHUNK_SIZE + 5)
    known = hashlib.sha256(data).hexdigest()
    assert blobs.put(data, sha256=known) == known
    assert blobs.get(known) == data
    blobs.verify(known)
