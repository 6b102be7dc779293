"""The layout of a sealed blob file, and the low-level pieces its writers and reader share.

A file is a header (``magic+version | chunk size | object size``) followed by sealed chunks,
each ``nonce(12) | AES-256-GCM(chunk) | tag(16)``; the associated data of a chunk binds the
object's id, the chunk index and the object size (:func:`_aad`). The helpers here are
the plumbing that keeps large objects fast: reused buffers, early flushes to disk, and chunk
tasks run in order on a small thread pool.

An object's id is its SHA-256 (hex) — content addressing, the rule — or, for internal objects
that need no content address (a slide's tile segments: hashing them cost as much as sealing
them), a random 256-bit id :func:`new_random_id` gives, ``r-`` and 64 hex digits. Such an
object's integrity rests on AES-GCM alone: its id is bound into every chunk's associated data
(:func:`id_bytes`, under a prefix of its own so it can never pass for a digest), so a file
moved, swapped, reordered or altered fails to open, as a content-addressed one does.
"""

from __future__ import annotations

import itertools
import os
import queue
import secrets
import struct
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, TypeVar

CHUNK_SIZE = 1 << 20
_MAGIC = b"CLPB\x01"
_HEADER = struct.Struct(">5sIQ")  # magic+version, chunk size, object size
_NONCE = 12
_TAG = 16
_OVERHEAD = _NONCE + _TAG
_MAX_WORKERS = 4
_T = TypeVar("_T")
RANDOM_PREFIX = "r-"
_RANDOM_DOMAIN = b"caliper-random-blob-id-v1:"


def new_random_id() -> str:
    """A fresh random id for an object that needs no content address."""
    return RANDOM_PREFIX + secrets.token_hex(32)


def is_random_id(blob_id: str) -> bool:
    """True for an id :func:`new_random_id` gave (not a SHA-256 of the content)."""
    return blob_id.startswith(RANDOM_PREFIX)


def id_bytes(blob_id: str) -> bytes:
    """The bytes that name object ``blob_id`` in its chunks' associated data and its file name:
    the raw digest for a SHA-256 id, the random bytes under a prefix of their own for a random
    id (so the two kinds never meet). ``ValueError`` for an id of neither form."""
    if is_random_id(blob_id):
        raw = bytes.fromhex(blob_id[len(RANDOM_PREFIX) :])
        if len(raw) != 32:
            raise ValueError(f"malformed random blob id {blob_id[:14]!r}")
        return _RANDOM_DOMAIN + raw
    return bytes.fromhex(blob_id)


def _workers() -> int:
    """Threads for sealing and opening chunks."""
    return max(1, min(_MAX_WORKERS, os.cpu_count() or 1))


def _aad(digest: bytes, index: int, size: int) -> bytes:
    return digest + struct.pack(">QQ", index, size)


class _Buffers:
    """Buffers of one size, handed back and reused: a fresh large buffer costs a page fault
    per 4 KiB, more than the copy into it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()

    def take(self) -> bytearray:
        """A free buffer of ``size`` bytes."""
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return bytearray(self.size)

    def give(self, buffer: bytearray) -> None:
        """Hand ``buffer`` back for reuse."""
        self._free.put(buffer)


class _Writeback:
    """Flushes a large file to disk while it is still being written, so that the final fsync
    has little left to do: ``fdatasync`` on a background thread every ``STEP`` bytes."""

    STEP = 32 << 20

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._fd = handle.fileno()
        self._unsynced = 0
        self._running: Future[None] | None = None
        large = size > 2 * self.STEP and hasattr(os, "fdatasync")
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="blob-writeback") if large else None

    def __enter__(self) -> _Writeback:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)  # before the file is closed
            if kind is None and self._running is not None:
                self._running.result()  # an I/O error surfaces here

    def wrote(self, count: int) -> None:
        """``count`` more bytes were written."""
        self._unsynced += count
        if self._pool is None or self._unsynced < self.STEP:
            return
        if self._running is None or self._running.done():
            if self._running is not None:
                self._running.result()
            self._unsynced = 0
            self._running = self._pool.submit(os.fdatasync, self._fd)


def _in_order(tasks: Iterable[Callable[[], _T]], use: Callable[[_T], None]) -> None:
    """``use(task())`` for every task, in order; the tasks run on a small thread pool.

    At most one task more than there are workers is in flight, so memory stays bounded
    however large the object. A single task runs inline, without a pool.
    """
    iterator = iter(tasks)
    head = list(itertools.islice(iterator, 2))
    if len(head) < 2:
        for task in head:
            use(task())
        return
    workers = _workers()
    pending: deque[Future[_T]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix="blob-chunks") as pool:
        try:
            for task in itertools.chain(head, iterator):
                pending.append(pool.submit(task))
                if len(pending) > workers:
                    use(pending.popleft().result())
            while pending:
                use(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()
