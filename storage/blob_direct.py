"""Whole objects sealed at once and written straight to disk, past the page cache.

An object held whole in memory (a slide's 16 MiB segment) is sealed into one reused, aligned
buffer (header and every chunk: the very file :meth:`storage.blobs.BlobStore.put` writes, see
:mod:`storage.blob_format`) and written with ``O_DIRECT``: the disk takes the ciphertext by DMA,
so no CPU time goes to copying it into the page cache, which on a busy machine costs several
times the encryption (768 MB measured here: 0.4 s direct, 0.7 to 3 s buffered, plus its
fsync). Each file is written as a temporary one in a staging folder, then synced and renamed
into place and its folder synced, as :func:`storage.fileio.atomic_file` does, but for many
objects at once (:meth:`DirectSealer.commit`); a killed write leaves only its staging folder
(swept whole, see :mod:`storage.blob_folder`). Where ``O_DIRECT`` is refused (not Linux,
tmpfs...) the same buffer is written the ordinary way.

Only ciphertext is ever in the aligned buffers.
"""

from __future__ import annotations

import errno
import mmap
import os
import queue
import secrets
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, TypeVar

from storage.blob_folder import STAGING_LOCK, hold_while_writing
from storage.blob_format import (
    _HEADER,
    _MAGIC,
    _NONCE,
    _OVERHEAD,
    CHUNK_SIZE,
    _aad,
    id_bytes,
    is_random_id,
)
from storage.fileio import DIR_MODE, FILE_MODE, disk_full_guard, fsync_directory

if TYPE_CHECKING:
    from storage.blobs import BlobStore

ALIGN = 4096  # O_DIRECT wants buffer, offset and length aligned to the device's block
_DIRECT = getattr(os, "O_DIRECT", 0)
_SYNC_THREADS = 16
_T = TypeVar("_T")


def sealed_length(size: int) -> int:
    """Bytes of the sealed file of a ``size``-byte object."""
    return _HEADER.size + size + max(1, -(-size // CHUNK_SIZE)) * _OVERHEAD


def _aligned(length: int) -> int:
    return -(-length // ALIGN) * ALIGN


class DirectSealer:
    """Seals whole objects of a :class:`~storage.blobs.BlobStore` and writes them past the
    page cache; :meth:`put` is safe to call from several threads at once.

    An object :meth:`put` writes stays a temporary file in the sealer's own staging folder
    (``.direct-<random>`` in the store's root, locked while the sealer lives, so no sweep
    removes it; :mod:`storage.blob_folder` removes one whose writer died) until :meth:`commit`
    syncs it, renames it into place and writes the index rows of everything put, in one
    transaction: one journal commit serves many files instead of one per file and per folder.
    At most :data:`MAX_PENDING` files are held open (the oldest are synced and closed early;
    they stay staged). :meth:`close` removes what was not committed and frees the buffers:
    nothing of an abandoned import stays, even of a killed one once swept. (A damaged copy
    sealed again is put in place even then: it is sound.)
    """

    MAX_PENDING = 64

    def __init__(self, store: BlobStore, size_hint: int) -> None:
        self._store = store
        self._capacity = _aligned(sealed_length(size_hint))
        self._free: queue.SimpleQueue[mmap.mmap] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._staging: _Staging | None = None
        self._pending: dict[Path, _Pending] = {}  # written, still open
        self._synced: dict[Path, _Staged] = {}  # synced and closed, not yet in place
        self._rows: dict[str, tuple[int, str]] = {}

    def put(
        self,
        data: memoryview,
        *,
        sha256: str | None = None,
        blob_id: str | None = None,
        repair: bool = False,
    ) -> str:
        """Store ``data`` under ``sha256`` (its SHA-256, which must be right, as for
        :meth:`BlobStore.put`) or under ``blob_id`` (a random id, see
        :func:`storage.blob_format.new_random_id`); with ``repair``, a stored copy that fails
        its check is replaced. Returns the id."""
        sha256 = blob_id or sha256
        if sha256 is None:
            raise ValueError("DirectSealer.put needs the object's sha256 or blob_id")
        store = self._store
        target = store.path_of(sha256)
        with self._lock:
            written = target in self._pending or target in self._synced
        new = not written and not target.exists()
        if new or (not written and repair and store._replace_if_damaged(sha256)):
            length = sealed_length(len(data))
            large = _aligned(length) > self._capacity
            image = mmap.mmap(-1, _aligned(length)) if large else self._take()
            try:
                self._seal_into(data, id_bytes(sha256), memoryview(image))
                handle, tmp = _write_unsynced(self._stage(), target, memoryview(image), length)
            finally:
                image.close() if large else self._free.put(image)
            with self._lock:
                self._pending[target] = _Pending(handle, _Staged(tmp, new))
                early = len(self._pending) > self.MAX_PENDING
            if early:
                self._sync(f"blob {sha256[:12]}")
        with self._lock:
            self._rows[sha256] = len(data), target.name
        return sha256

    def _stage(self) -> Path:
        """The staging folder, made (and locked) on first use."""
        with self._lock:
            if self._staging is None:
                self._staging = _Staging.make(self._store.root)
            return self._staging.folder

    def _take(self) -> mmap.mmap:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return mmap.mmap(-1, self._capacity)  # page-aligned, as O_DIRECT needs

    def _seal_into(self, data: memoryview, raw_digest: bytes, out: memoryview) -> None:
        """The sealed file of ``data``: header, then ``nonce | ciphertext | tag`` per chunk."""
        size = len(data)
        out[: _HEADER.size] = _HEADER.pack(_MAGIC, CHUNK_SIZE, size)
        place = _HEADER.size
        for index, start in enumerate(range(0, max(size, 1), CHUNK_SIZE)):
            chunk = data[start : start + CHUNK_SIZE]
            nonce = os.urandom(_NONCE)
            out[place : place + _NONCE] = nonce
            end = place + _OVERHEAD + len(chunk)
            aad = _aad(raw_digest, index, size)
            self._store._aead.encrypt_into(nonce, chunk, aad, out[place + _NONCE : end])
            place = end

    def _sync(self, what: str) -> None:
        """Sync the files still open and close them (they stay staged)."""
        with self._lock:
            pending, self._pending = self._pending, {}
        try:
            with disk_full_guard(what):  # all at once: they share a journal commit or two
                _all_at_once(os.fsync, [waiting.handle.fileno() for waiting in pending.values()])
            while pending:
                target, waiting = pending.popitem()
                waiting.handle.close()
                with self._lock:
                    self._synced[target] = waiting.staged
        finally:
            _discard(pending.values())

    def _place(self, staged: dict[Path, _Staged]) -> None:
        """Rename staged files into place and sync their folders."""
        with disk_full_guard("the stored blobs"):
            for target, file in staged.items():
                target.parent.mkdir(mode=DIR_MODE, exist_ok=True)
                file.tmp.replace(target)
            _all_at_once(fsync_directory, list({target.parent for target in staged}))

    def commit(self) -> None:
        """Make every object put durable and write their index rows (one transaction)."""
        self._sync("the stored blobs")
        with self._lock:
            staged, self._synced = self._synced, {}
            rows, self._rows = self._rows, {}
        self._place(staged)
        if rows:
            with self._store._database.write() as session:
                fresh = [d for d in rows if is_random_id(d)]  # never indexed: no lookup
                session.add_all(self._store._record(d, *rows.pop(d)) for d in fresh)
                for digest, (size, name) in rows.items():
                    self._store._index(digest, size, name, session)

    def close(self) -> None:
        """Remove the new files not committed and free the buffers."""
        with self._lock:
            repairs = {t: p for t, p in self._pending.items() if not p.staged.new}
            _discard(p for p in self._pending.values() if p.staged.new)
            self._pending = repairs
        try:
            self._sync("the stored blobs")
        finally:
            with self._lock:
                staged, self._synced = self._synced, {}
                staging, self._staging = self._staging, None
            try:  # a damaged copy sealed again stays: it is sound now
                self._place({t: f for t, f in staged.items() if not f.new})
            finally:
                if staging is not None:
                    staging.remove()
                while True:
                    try:
                        self._free.get_nowait().close()
                    except queue.Empty:
                        break


class _Staged(NamedTuple):
    """A file written to the staging folder: its path, and whether no copy of the object
    was stored before."""

    tmp: Path
    new: bool


class _Pending(NamedTuple):
    """A staged file written but not yet synced, and its open handle."""

    handle: BinaryIO
    staged: _Staged


class _Staging:
    """A sealer's staging folder, ``.direct-<random>`` in the store's root, locked (its
    ``.lock`` file held) while the sealer lives."""

    def __init__(self, folder: Path, lock: BinaryIO) -> None:
        self.folder = folder
        self._lock = lock

    @classmethod
    def make(cls, root: Path) -> _Staging:
        """A new staging folder under ``root``, locked."""
        folder = root / f".direct-{secrets.token_hex(6)}"
        folder.mkdir(mode=DIR_MODE)
        lock = os.fdopen(os.open(folder / STAGING_LOCK, os.O_WRONLY | os.O_CREAT, FILE_MODE), "wb")
        hold_while_writing(lock)
        return cls(folder, lock)

    def remove(self) -> None:
        """Remove the folder and what is left in it."""
        self._lock.close()  # first: an open file cannot be removed on Windows
        try:
            for path in self.folder.iterdir():
                path.unlink(missing_ok=True)
            self.folder.rmdir()
        except FileNotFoundError:
            pass  # a sweep took it once the lock was free


def _all_at_once(function: Callable[[_T], object], items: list[_T]) -> None:
    """``function(item)`` for every item, on as many threads (syncs waiting on the disk)."""
    if len(items) < 2:
        for item in items:
            function(item)
        return
    with ThreadPoolExecutor(min(len(items), _SYNC_THREADS), thread_name_prefix="blob-sync") as pool:
        for _ in pool.map(function, items):
            pass


def _discard(pending: Iterable[_Pending]) -> None:
    for waiting in pending:
        waiting.handle.close()
        waiting.staged.tmp.unlink(missing_ok=True)


def _write_unsynced(
    staging: Path, target: Path, image: memoryview, length: int
) -> tuple[BinaryIO, Path]:
    """The first ``length`` bytes of ``image`` written (past the page cache where allowed) to
    a new file in ``staging`` named after ``target``; its open handle and path."""
    tmp = staging / f"{target.name}.tmp"
    padded = _aligned(length)
    image[length:padded] = bytes(padded - length)  # the tail is cut off again below
    with disk_full_guard(f"blob {target.name[:12]}"):
        handle = os.fdopen(_open_direct(tmp), "wb", buffering=0)
        try:
            fd = handle.fileno()
            written = 0
            while written < padded:
                try:
                    written += os.write(fd, image[written:padded])
                except OSError as exc:  # the file system refused the aligned write
                    if exc.errno != errno.EINVAL or not _clear_direct(fd):
                        raise
            os.ftruncate(fd, length)
        except BaseException:
            handle.close()
            tmp.unlink(missing_ok=True)
            raise
    return handle, tmp


def _open_direct(path: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    if _DIRECT:
        try:
            return os.open(path, flags | _DIRECT, FILE_MODE)
        except OSError as exc:
            if exc.errno != errno.EINVAL:  # EINVAL: this file system has no O_DIRECT
                raise
            path.unlink(missing_ok=True)  # some create the file before they refuse
    return os.open(path, flags, FILE_MODE)


def _clear_direct(fd: int) -> bool:
    """Turn ``O_DIRECT`` off on ``fd``; False when it was not on (nothing left to try)."""
    if not _DIRECT:
        return False
    import fcntl

    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    if not flags & _DIRECT:
        return False
    fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~_DIRECT)
    return True
