"""The layout of a sealed blob file, and the low-level pieces its writers and reader share.

A file is a header (``magic+version | chunk size | object size``) followed by sealed chunks,
each ``nonce(12) | AES-256-GCM(chunk) | tag(16)``; the associated data of a chunk binds the
object's SHA-256, the chunk index and the object size (:func:`_aad`). The helpers here are
the plumbing that keeps large objects fast: reused buffers, early flushes to disk, and chunk
tasks run in order on a small thread pool.
"""

from __future__ import annotations

import itertools
import os
import queue
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
