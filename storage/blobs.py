"""Encrypted, content-addressed blob store for large payloads (volumes, slides, audio).

Each object is one file of sealed chunks: ``nonce(12) | AES-256-GCM(chunk) | tag(16)``. The
associated data binds the object's SHA-256, the chunk index and the object size, so a chunk
moved, swapped or truncated fails to open. File names are an HMAC of the digest: the digest of
a known document cannot be confirmed by looking at the directory. Internal objects may carry a
random id instead of a digest (:func:`storage.blob_format.new_random_id`): bound the same way,
checked by their GCM tags alone, never deduplicated.

Large objects are sealed chunk by chunk and opened a group of chunks at a time on a small
thread pool (AES-GCM releases the GIL), through a few reused buffers; sealed chunks are written
in order, and a large file is flushed to disk while it grows. The format depends on none of it.

An object whose digest is known only once all of it exists can be sealed while it is produced:
see :mod:`storage.blob_stream`. The file layout is in :mod:`storage.blob_format`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.blob_folder import BlobFolderReport, hold_while_writing, sweep
from storage.blob_format import (
    _HEADER,
    _MAGIC,
    _NONCE,
    _OVERHEAD,
    CHUNK_SIZE,
    _aad,
    _Buffers,
    _in_order,
    _Writeback,
    id_bytes,
    is_random_id,
)
from storage.blob_stream import StreamingBlob
from storage.database import Database
from storage.errors import BlobNotFoundError, IntegrityError
from storage.fileio import DIR_MODE, atomic_file
from storage.models import BlobRecord

logger = logging.getLogger(__name__)
_GROUP = 8  # chunks opened by one task of a large read (8 MiB)
STREAM_MIN_SIZE = 64 << 20  # smaller objects are sealed once complete (see BlobStore.stream)


def _read_into(handle: BinaryIO, view: memoryview) -> int:
    """Fill ``view`` from ``handle``; the bytes read (fewer only at the end of the file)."""
    done = 0
    while done < len(view):
        count = handle.readinto(view[done:])  # type: ignore[attr-defined]
        if not count:
            break
        done += count
    return done


def derive_subkey(data_key: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose, derived from the profile data key with HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        data_key
    )


@dataclass(frozen=True)
class BlobInfo:
    """What the index knows about a stored object."""

    digest: str
    size: int


class BlobReader:
    """Random-access reader of one stored object; every chunk read is authenticated."""

    def __init__(self, path: Path, digest: str, aead: AESGCM) -> None:
        self.path = path
        self.digest = digest
        self._raw_digest = id_bytes(digest)
        self._aead = aead
        self._file = path.open("rb")
        head = self._file.read(_HEADER.size)
        magic, self.chunk_size, self.size = (
            _HEADER.unpack(head) if len(head) == _HEADER.size else (b"", 0, 0)
        )
        if magic != _MAGIC or self.chunk_size <= 0:
            self._file.close()
            raise IntegrityError(f"Blob {digest[:12]} has a damaged header.")
        self.chunk_count = max(1, -(-self.size // self.chunk_size))

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying file."""
        self._file.close()

    def _chunk_span(self, index: int) -> tuple[int, int]:
        plain = min(self.chunk_size, self.size - index * self.chunk_size)
        start = _HEADER.size + index * (self.chunk_size + _OVERHEAD)
        return start, plain + _OVERHEAD

    def _open_chunk_into(self, index: int, sealed: memoryview, out: memoryview) -> None:
        """Authenticate and decrypt chunk ``index`` straight into ``out`` (no extra copy)."""
        if len(sealed) != self._chunk_span(index)[1]:
            raise IntegrityError(
                f"Blob {self.digest[:12]} is truncated at chunk {index} (damaged or altered)."
            )
        try:
            self._aead.decrypt_into(
                sealed[:_NONCE], sealed[_NONCE:], _aad(self._raw_digest, index, self.size), out
            )
        except InvalidTag:
            out[:] = bytes(len(out))  # never leave unauthenticated plaintext behind
            raise IntegrityError(
                f"Blob {self.digest[:12]} chunk {index} failed its integrity check "
                "(damaged or altered); no data was returned."
            ) from None

    def _plain_length(self, index: int) -> int:
        return min(self.chunk_size, self.size - index * self.chunk_size)

    def read_chunk(self, index: int) -> bytearray:
        """Decrypt and return chunk ``index``."""
        return self._read_chunks(index, index)

    def _read_chunks(self, first: int, last: int) -> bytearray:
        """Chunks ``first..last`` decrypted into one buffer.

        Each sealed chunk is read into a reused one-chunk buffer and opened straight into the
        result, so a read holds little more than the result; a large read opens groups of
        chunks on a small thread pool.
        """
        out = bytearray(sum(self._plain_length(i) for i in range(first, last + 1)))
        self._read_chunks_into(first, last, memoryview(out))
        return out

    def read_into(self, out: memoryview) -> None:
        """Decrypt the whole object into ``out`` (exactly its size, e.g. an uninitialised
        numpy array's memory: a large read then never zero-fills a buffer under the GIL)."""
        out = out.cast("B")
        if len(out) != self.size or out.readonly:
            raise ValueError(f"read_into needs a writable buffer of {self.size} bytes")
        if self.size:
            self._read_chunks_into(0, self.chunk_count - 1, out)

    def _read_chunks_into(self, first: int, last: int, view: memoryview) -> None:
        """Chunks ``first..last`` decrypted into ``view`` (their exact plain length)."""
        buffers = _Buffers(min(self.chunk_size, len(view)) + _OVERHEAD)
        groups = range(first, last + 1, _GROUP)
        if len(groups) == 1:
            self._open_group(self._file, first, last, view, buffers)
            return

        def task(start: int) -> Callable[[], None]:
            def run() -> None:
                end = min(last, start + _GROUP - 1)
                offset = (start - first) * self.chunk_size
                length = sum(self._plain_length(i) for i in range(start, end + 1))
                with self.path.open("rb", buffering=0) as handle:  # one per thread
                    self._open_group(handle, start, end, view[offset : offset + length], buffers)

            return run

        _in_order((task(start) for start in groups), lambda _: None)

    def _open_group(
        self, handle: BinaryIO, first: int, last: int, out: memoryview, buffers: _Buffers
    ) -> None:
        """Read chunks ``first..last`` one by one and decrypt each into its place in ``out``."""
        handle.seek(self._chunk_span(first)[0])
        buffer = buffers.take()
        try:
            position = 0
            for index in range(first, last + 1):
                plain = self._plain_length(index)
                sealed = memoryview(buffer)[: plain + _OVERHEAD]
                sealed = sealed[: _read_into(handle, sealed)]
                self._open_chunk_into(index, sealed, out[position : position + plain])
                position += plain
        finally:
            buffers.give(buffer)

    def read(self, offset: int = 0, length: int | None = None) -> bytearray:
        """Return ``length`` bytes from ``offset`` (to the end when ``length`` is None)."""
        end = self.size if length is None else min(self.size, offset + length)
        if offset < 0 or offset > end:
            raise ValueError(f"offset {offset} outside blob of {self.size} bytes")
        if offset == end:
            return bytearray()
        first, last = offset // self.chunk_size, (end - 1) // self.chunk_size
        data = self._read_chunks(first, last)
        skip = offset - first * self.chunk_size
        if skip == 0 and end - offset == len(data):
            return data
        return data[skip : skip + (end - offset)]


class BlobStore:
    """Objects addressed by SHA-256 (or named by a random id, see :meth:`put`), sealed in
    ~1 MiB AES-256-GCM chunks under ``root``."""

    def __init__(self, root: Path, data_key: bytes, database: Database) -> None:
        self.root = root
        self.root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        self._chunk_key = derive_subkey(data_key, "caliper-blob-chunks-v1")
        self._aead = AESGCM(self._chunk_key)
        self._name_key = derive_subkey(data_key, "caliper-blob-names-v1")
        self._database = database

    def _file_name(self, digest: str) -> str:
        return hmac.new(self._name_key, id_bytes(digest), hashlib.sha256).hexdigest()

    def path_of(self, digest: str) -> Path:
        """Where the object with ``digest`` lives (whether or not it exists)."""
        name = self._file_name(digest)
        return self.root / name[:2] / name

    def contains(self, digest: str) -> bool:
        """True when the object is stored."""
        return self.path_of(digest).exists()

    def put(
        self,
        data: bytes | bytearray | memoryview,
        session: Session | None = None,
        *,
        sha256: str | None = None,
        blob_id: str | None = None,
        repair: bool = False,
    ) -> str:
        """Store ``data``; return its SHA-256 hex digest (deduplicated).

        ``sha256`` is the data's digest when the caller has already computed it over these
        very bytes (it saves hashing them again); the object is stored under it, so it must be
        right: :meth:`verify` would find a wrong one. ``blob_id`` stores it under that id
        instead: a digest (as ``sha256``) or a random id (an object received under it). With
        ``repair``, a stored copy that fails :meth:`verify` is sealed again from ``data``
        (see :meth:`damage`).
        """
        digest = blob_id or sha256 or hashlib.sha256(data).hexdigest()
        view = memoryview(data)
        chunks = (view[i : i + CHUNK_SIZE] for i in range(0, max(len(data), 1), CHUNK_SIZE))
        self._store(digest, len(data), chunks, session, repair)
        return digest

    def stream(self, data: memoryview) -> StreamingBlob | None:
        """Start sealing ``data`` as its bytes become final (see :class:`StreamingBlob`); None
        when it is too small for that to pay off (encrypting twice costs more than the
        overlap saves below ``STREAM_MIN_SIZE``): :meth:`put` it once complete."""
        return StreamingBlob(self, data) if data.nbytes >= STREAM_MIN_SIZE else None

    def put_file(self, path: Path, session: Session | None = None, *, repair: bool = False) -> str:
        """Store the file at ``path`` (streamed: hashed, then sealed chunk by chunk).

        With ``repair``, a stored copy that fails :meth:`verify` is sealed again from the file.
        """
        hasher = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            while block := handle.read(CHUNK_SIZE):
                hasher.update(block)
                size += len(block)
        digest = hasher.hexdigest()

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as handle:
                first = handle.read(CHUNK_SIZE)
                yield first
                while block := handle.read(CHUNK_SIZE):
                    yield block

        self._store(digest, size, chunks(), session, repair)
        return digest

    def _store(
        self,
        digest: str,
        size: int,
        chunks: Iterable[bytes | memoryview],
        session: Session | None,
        repair: bool = False,
    ) -> None:
        target = self.path_of(digest)
        if not target.exists() or (repair and self._replace_if_damaged(digest)):
            raw_digest = id_bytes(digest)
            target.parent.mkdir(mode=DIR_MODE, exist_ok=True)
            buffers = _Buffers(min(CHUNK_SIZE, size) + _OVERHEAD)

            def write(sealed: memoryview) -> None:
                # One chunk per write: writes of several MiB were measured to cost several
                # times more kernel time (page-cache allocation) than the same bytes in 1 MiB.
                out.write(sealed)
                early.wrote(len(sealed))
                buffers.give(sealed.obj)  # type: ignore[arg-type]  # a bytearray, see _sealer
                sealed.release()

            with atomic_file(target, f"blob {digest[:12]}") as out, _Writeback(out, size) as early:
                hold_while_writing(out)
                out.write(_HEADER.pack(_MAGIC, CHUNK_SIZE, size))
                tasks = (
                    self._sealer(raw_digest, size, index, chunk, buffers)
                    for index, chunk in enumerate(chunks)
                )
                _in_order(tasks, write)
        self._index(digest, size, target.name, session)

    def _sealer(
        self, raw_digest: bytes, size: int, index: int, chunk: bytes | memoryview, buffers: _Buffers
    ) -> Callable[[], memoryview]:
        """A task sealing chunk ``index`` into a reused buffer: ``nonce | ciphertext | tag``."""

        def seal() -> memoryview:
            sealed = memoryview(buffers.take())[: len(chunk) + _OVERHEAD]
            nonce = os.urandom(_NONCE)
            sealed[:_NONCE] = nonce
            aad = _aad(raw_digest, index, size)
            self._aead.encrypt_into(nonce, chunk, aad, sealed[_NONCE:])
            return sealed

        return seal

    @staticmethod
    def _record(digest: str, size: int, file_name: str) -> BlobRecord:
        """The index row of an object."""
        return BlobRecord(
            digest=digest,
            size=size,
            chunk_size=CHUNK_SIZE,
            file_name=file_name,
            created_at=datetime.now(UTC).isoformat(),
        )

    def _index(self, digest: str, size: int, file_name: str, session: Session | None) -> None:
        record = self._record(digest, size, file_name)
        if session is not None:
            session.merge(record)
            return
        with self._database.write() as own:
            own.merge(record)

    def open(self, digest: str) -> BlobReader:
        """Open the object for random-access reads."""
        path = self.path_of(digest)
        if not path.exists():
            raise BlobNotFoundError(f"Blob {digest[:12]} is not in this profile's store.")
        return BlobReader(path, digest, self._aead)

    def get(self, digest: str) -> bytearray:
        """The whole object, authenticated chunk by chunk."""
        with self.open(digest) as reader:
            return reader.read()

    def verify(self, digest: str) -> None:
        """Decrypt every chunk and re-check the SHA-256 (a random id: the GCM tags alone, which
        bind the id); raise :class:`IntegrityError` if bad."""
        hasher = None if is_random_id(digest) else hashlib.sha256()
        with self.open(digest) as reader:
            for index in range(reader.chunk_count):
                chunk = reader.read_chunk(index)
                if hasher is not None:
                    hasher.update(chunk)
        if hasher is not None and hasher.hexdigest() != digest:
            raise IntegrityError(f"Blob {digest[:12]} does not match its digest.")

    def discard(self, blob_ids: Iterable[str]) -> None:
        """Remove objects with random ids (each belongs to one item; a content-addressed one
        may be shared and is never removed here): their index rows, then their files."""
        doomed = list(blob_ids)
        if any(not is_random_id(blob_id) for blob_id in doomed):
            raise ValueError("only objects with random ids can be discarded")
        with self._database.write() as session:
            for blob_id in doomed:
                record = session.get(BlobRecord, blob_id)
                if record is not None:
                    session.delete(record)
        for blob_id in doomed:
            self.path_of(blob_id).unlink(missing_ok=True)

    def damage(self, digest: str) -> str | None:
        """Why the stored object cannot be read back whole (missing, damaged), or None."""
        try:
            self.verify(digest)
        except (IntegrityError, BlobNotFoundError) as exc:
            return str(exc)
        return None

    def _replace_if_damaged(self, digest: str) -> bool:
        """True when the stored copy of ``digest`` is damaged and must be sealed again."""
        reason = self.damage(digest)
        if reason is not None:
            logger.info("sealing blob %s again from its source: %s", digest[:12], reason)
        return reason is not None

    def sweep(self) -> BlobFolderReport:
        """Remove temporary files left by killed writers; report files the index does not know
        (never deleted). See :mod:`storage.blob_folder`."""
        with self._database.read() as session:
            names = session.scalars(select(BlobRecord.file_name)).all()
        return sweep(self.root, {Path(name[:2]) / name for name in names})

    def digests(self) -> list[BlobInfo]:
        """Every object the index knows of."""
        with self._database.read() as session:
            rows = session.query(BlobRecord.digest, BlobRecord.size).all()
        return [BlobInfo(digest, size) for digest, size in rows]
