"""Blobs sealed while they are produced, their digest known only once they are complete.

An object whose digest is known only once all of it exists (a volume hashed while its files
are read) can be sealed as it is produced (:class:`StreamingBlob`): AES-GCM's ciphertext is
AES-CTR from the counter block after J0 (``nonce || 00000002``) and does not depend on the
associated data; only the tags bind the digest. So each chunk is encrypted and written as soon
as its bytes are final, and once the digest is known AESGCM itself seals every chunk again to
give its tag. The ciphertext it gives is compared with what was written (at each chunk's start
and end), and the object is sealed the ordinary way if it differs. The file is the same as
:meth:`storage.blobs.BlobStore.put` writes (see :mod:`storage.blob_format`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy.orm import Session

from storage.blob_folder import hold_while_writing
from storage.blob_format import (
    _HEADER,
    _MAGIC,
    _NONCE,
    _OVERHEAD,
    _TAG,
    CHUNK_SIZE,
    _aad,
    _Buffers,
    _in_order,
    _Writeback,
)
from storage.fileio import DIR_MODE, FILE_MODE, disk_full_guard, fsync_directory

if TYPE_CHECKING:
    from storage.blobs import BlobStore

_CTR_AFTER_J0 = b"\x00\x00\x00\x02"  # GCM encrypts from inc32(J0), J0 = nonce || 00000001
_SAMPLE = 16  # ciphertext bytes kept from each chunk's start and end, to check the tag pass


class _StreamMismatchError(Exception):
    """The ciphertext written ahead differs from AESGCM's: seal the ordinary way."""


class StreamingBlob:
    """An object sealed while it is produced, its SHA-256 known only when it is complete.

    ``data`` is the whole object's buffer; :meth:`advance` says how many of its first bytes
    are final (they must not change afterwards), and every chunk they complete is encrypted
    and written on a background thread. :meth:`finish` takes the digest, writes the tags and
    stores the object as :meth:`BlobStore.put` would; :meth:`abort` throws the work away. One
    of the two must be called. Until then the file is a temporary one in the store's root.
    """

    def __init__(self, store: BlobStore, data: memoryview) -> None:
        if CHUNK_SIZE // 16 + 2 >= 1 << 32:  # the CTR counter must not carry out of 32 bits
            raise ValueError("chunk size too large to stream")
        self._store = store
        self._data = data.cast("B") if data.format != "B" or data.ndim != 1 else data
        self.size = len(self._data)
        self._count = max(1, -(-self.size // CHUNK_SIZE))
        self._nonces: list[bytes] = []
        self._samples: list[tuple[bytes, bytes]] = []
        self._queued = 0
        self._tmp = store.root / f".stream-{secrets.token_hex(6)}.tmp"
        self._file: BinaryIO | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._written: list[Future[None]] = []
        try:
            with disk_full_guard("a new blob"):
                self._file = os.fdopen(
                    os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "wb", 0
                )
                hold_while_writing(self._file)
                self._file.write(_HEADER.pack(_MAGIC, CHUNK_SIZE, self.size))
                if hasattr(os, "posix_fallocate"):  # blocks allocated now, not while writing
                    total = _HEADER.size + self.size + self._count * _OVERHEAD
                    os.posix_fallocate(self._file.fileno(), 0, total)
        except BaseException:
            self.abort()
            raise
        self._writeback = _Writeback(self._file, self.size)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="blob-stream")
        self._buffer = memoryview(bytearray(CHUNK_SIZE + _OVERHEAD + 16))

    def advance(self, final: int) -> None:
        """The first ``final`` bytes of the data are final: seal the chunks they complete."""
        if self._writer is None:
            return
        ready = self._count if final >= self.size else final // CHUNK_SIZE
        while self._queued < ready:
            self._written.append(self._writer.submit(self._seal_ahead, self._queued))
            self._queued += 1

    def _seal_ahead(self, index: int) -> None:
        """Encrypt chunk ``index`` (AES-CTR, as GCM would) and write it; its tag left zero."""
        assert self._file is not None
        chunk = self._data[index * CHUNK_SIZE : (index + 1) * CHUNK_SIZE]
        nonce = os.urandom(_NONCE)
        out = self._buffer
        out[:_NONCE] = nonce
        counter = modes.CTR(nonce + _CTR_AFTER_J0)
        encryptor = Cipher(algorithms.AES(self._store._chunk_key), counter).encryptor()
        end = _NONCE + len(chunk)
        encryptor.update_into(chunk, out[_NONCE : end + 15])
        encryptor.finalize()
        out[end : end + _TAG] = bytes(_TAG)
        ciphertext = out[_NONCE:end]
        self._nonces.append(nonce)
        self._samples.append((bytes(ciphertext[:_SAMPLE]), bytes(ciphertext[-_SAMPLE:])))
        with disk_full_guard("a new blob"):
            written = 0
            while written < end + _TAG:
                written += self._file.write(out[written : end + _TAG]) or 0
        self._writeback.wrote(end + _TAG)

    def finish(self, digest: str, session: Session | None = None, *, repair: bool = False) -> str:
        """Seal the rest with ``digest`` (the data's SHA-256, which must be right, as for
        :meth:`BlobStore.put`) and store the object; returns the digest. With ``repair``, a
        stored copy that fails its check is replaced."""
        if self._writer is None:
            raise RuntimeError("this blob was already finished or aborted")
        target = self._store.path_of(digest)
        try:
            self.advance(self.size)
            self._close_writer()
            if not target.exists() or (repair and self._store._replace_if_damaged(digest)):
                self._write_tags(bytes.fromhex(digest))
                self._commit(target)
        except _StreamMismatchError:
            self.abort()
            return self._store.put(self._data, session, sha256=digest, repair=repair)
        except BaseException:
            self.abort()
            raise
        self.abort()  # removes the temporary file when the object was already stored
        self._store._index(digest, self.size, target.name, session)
        return digest

    def _close_writer(self) -> None:
        """Wait for the chunks written ahead (a write error surfaces here)."""
        assert self._writer is not None
        writer, self._writer = self._writer, None
        try:
            writer.shutdown(wait=True)
            for future in self._written:
                future.result()
        finally:
            self._writeback.__exit__(None)

    def _write_tags(self, raw_digest: bytes) -> None:
        """Seal every chunk with AESGCM into scratch buffers and write its tag in place."""
        assert self._file is not None
        fd = self._file.fileno()
        buffers = _Buffers(min(CHUNK_SIZE, self.size) + _TAG)

        def tagger(index: int) -> Callable[[], tuple[int, bytes]]:
            def tag() -> tuple[int, bytes]:
                chunk = self._data[index * CHUNK_SIZE : (index + 1) * CHUNK_SIZE]
                scratch = buffers.take()
                try:
                    out = memoryview(scratch)[: len(chunk) + _TAG]
                    aad = _aad(raw_digest, index, self.size)
                    self._store._aead.encrypt_into(self._nonces[index], chunk, aad, out)
                    ciphertext = out[: len(chunk)]
                    first, last = self._samples[index]
                    if ciphertext[:_SAMPLE] != first or ciphertext[-_SAMPLE:] != last:
                        raise _StreamMismatchError
                    return index, bytes(out[len(chunk) :])
                finally:
                    buffers.give(scratch)

            return tag

        def place(result: tuple[int, bytes]) -> None:
            index, tag = result
            end = min(CHUNK_SIZE, self.size - index * CHUNK_SIZE) + _NONCE
            with disk_full_guard("a new blob"):
                os.pwrite(fd, tag, _HEADER.size + index * (CHUNK_SIZE + _OVERHEAD) + end)

        _in_order((tagger(index) for index in range(self._count)), place)

    def _commit(self, target: Path) -> None:
        assert self._file is not None
        with disk_full_guard(f"blob {target.name[:12]}"):
            os.fsync(self._file.fileno())
            self._file.close()
            target.parent.mkdir(mode=DIR_MODE, exist_ok=True)
            self._tmp.replace(target)
            fsync_directory(target.parent)

    def abort(self) -> None:
        """Stop, and remove the temporary file (nothing is stored)."""
        if self._writer is not None:
            for future in self._written:
                future.cancel()
            self._writer.shutdown(wait=True)
            self._writer = None
            self._writeback.__exit__(BaseException)
        if self._file is not None:
            self._file.close()
            self._file = None
        self._tmp.unlink(missing_ok=True)
