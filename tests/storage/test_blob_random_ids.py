"""Objects named by a random id (a slide's tile segments): no content address, their integrity
rests on AES-GCM alone, with the id bound into every chunk, so an altered, swapped or renamed
file is refused as a content-addressed one is."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from storage.blob_direct import DirectSealer
from storage.blob_format import CHUNK_SIZE, id_bytes, is_random_id, new_random_id
from storage.blobs import BlobStore
from storage.errors import IntegrityError
from storage.profile import Profile
from tests.conftest import PASSPHRASE


def _sealed(blobs: BlobStore, data: bytes) -> str:
    """``data`` stored under a fresh random id, as a slide's segments are."""
    sealer = DirectSealer(blobs, len(data))
    try:
        blob_id = sealer.put(memoryview(data), blob_id=new_random_id())
        sealer.commit()
    finally:
        sealer.close()
    return blob_id


def test_random_ids_are_fresh_and_never_pass_for_a_digest() -> None:
    first, second = new_random_id(), new_random_id()
    assert first != second and is_random_id(first)
    assert not is_random_id(hashlib.sha256(b"x").hexdigest())
    assert len(bytes.fromhex(first[2:])) == 32
    assert id_bytes(first) != bytes.fromhex(first[2:])  # a prefix of their own
    with pytest.raises(ValueError):
        id_bytes("r-abcd")


def test_an_object_with_a_random_id_reads_back_and_verifies(profile: Profile) -> None:
    blobs = profile.blobs
    data = os.urandom(3 * CHUNK_SIZE + 777)
    blob_id = _sealed(blobs, data)
    put_id = blobs.put(data[:1000], blob_id=new_random_id())  # as a receiver stores one
    assert blobs.get(blob_id) == data and blobs.get(put_id) == data[:1000]
    blobs.verify(blob_id)
    blobs.verify(put_id)
    assert {blob_id, put_id} <= {info.digest for info in blobs.digests()}
    with blobs.open(blob_id) as reader:
        assert reader.read(CHUNK_SIZE - 10, 20) == data[CHUNK_SIZE - 10 : CHUNK_SIZE + 10]


def test_one_byte_changed_is_a_clear_integrity_error(profile: Profile) -> None:
    blobs = profile.blobs
    data = os.urandom(2 * CHUNK_SIZE)
    blob_id = _sealed(blobs, data)
    path = blobs.path_of(blob_id)
    sealed = bytearray(path.read_bytes())
    sealed[len(sealed) - 100] ^= 0x01  # in the second chunk
    path.write_bytes(bytes(sealed))
    with blobs.open(blob_id) as reader:
        assert reader.read(0, 100) == data[:100]  # the first chunk is sound
        with pytest.raises(IntegrityError, match="chunk 1 failed its integrity check"):
            reader.read(CHUNK_SIZE, 100)
    with pytest.raises(IntegrityError):
        blobs.verify(blob_id)
    assert blobs.damage(blob_id) is not None


def test_two_objects_files_swapped_are_refused(profile: Profile) -> None:
    blobs = profile.blobs
    first, second = os.urandom(CHUNK_SIZE), os.urandom(CHUNK_SIZE)  # the same size
    first_id, second_id = _sealed(blobs, first), _sealed(blobs, second)
    one, other = blobs.path_of(first_id), blobs.path_of(second_id)
    swap = one.with_name("swap")
    one.replace(swap)
    other.replace(one)
    swap.replace(other)
    for blob_id in (first_id, second_id):
        with pytest.raises(IntegrityError, match="integrity check"):
            blobs.get(blob_id)
        assert blobs.damage(blob_id) is not None


def test_chunks_reordered_within_an_object_are_refused(profile: Profile) -> None:
    blobs = profile.blobs
    blob_id = _sealed(blobs, os.urandom(2 * CHUNK_SIZE))
    path = blobs.path_of(blob_id)
    sealed = path.read_bytes()
    header, span = len(sealed) - 2 * (CHUNK_SIZE + 28), CHUNK_SIZE + 28
    chunks = sealed[header : header + span], sealed[header + span :]
    path.write_bytes(sealed[:header] + chunks[1] + chunks[0])
    with pytest.raises(IntegrityError):
        blobs.verify(blob_id)


def test_an_object_sealed_under_a_random_id_cannot_pass_for_that_digest(
    profile: Profile,
) -> None:
    """The random id's hex digits used as a digest name another object: its file, copied to
    that object's place, fails to open (the associated data differs)."""
    blobs = profile.blobs
    blob_id = _sealed(blobs, b"a tile segment")
    as_digest = blob_id.removeprefix("r-")
    target = blobs.path_of(as_digest)
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(blobs.path_of(blob_id), target)
    with pytest.raises(IntegrityError):
        blobs.get(as_digest)


def test_discard_removes_random_id_objects_only(profile: Profile) -> None:
    blobs = profile.blobs
    blob_id = _sealed(blobs, b"segment")
    digest = blobs.put(b"shared content")
    with pytest.raises(ValueError):
        blobs.discard([digest])
    blobs.discard([blob_id])
    assert not blobs.path_of(blob_id).exists()
    assert {info.digest for info in blobs.digests()} == {digest}


def test_random_id_objects_survive_a_key_rotation(profile_dir: Path) -> None:
    opened = Profile.unlock(profile_dir, PASSPHRASE)
    try:
        data = os.urandom(CHUNK_SIZE + 5)
        blob_id = _sealed(opened.blobs, data)
        digest = opened.blobs.put(b"content-addressed")
        old_path = opened.blobs.path_of(blob_id)
        opened.rotate_key("another passphrase entirely")
        blobs = opened.blobs
        assert blobs.get(blob_id) == data and blobs.get(digest) == b"content-addressed"
        blobs.verify(blob_id)
        assert blobs.path_of(blob_id) != old_path and not old_path.exists()
    finally:
        opened.lock()
