"""Small file helpers: atomic, owner-only writes and a clear error when the disk is full.

Every file Caliper writes is readable by its owner only (``0600``, or stricter when the user's
umask is), and every folder it makes ``0700``: profile files, exports, collected results and
batch files alike.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from storage.errors import DiskFullError

FILE_MODE = 0o600
DIR_MODE = 0o700
_OWNER_ONLY_UMASK = 0o077
_umask_lock = threading.Lock()
_umask_depth = 0
_umask_saved = 0


@contextlib.contextmanager
def disk_full_guard(what: str) -> Iterator[None]:
    """Turn ENOSPC/EDQUOT into :class:`DiskFullError` naming ``what`` was being written."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(
                f"The disk is full while writing {what}; nothing already saved was harmed."
            ) from exc
        raise


def fsync_directory(path: Path) -> None:
    """Make a rename inside ``path`` durable (no-op where directories cannot be opened)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def owner_only_files() -> Iterator[None]:
    """Within the block, files and folders this process creates are its owner's only.

    Adds ``077`` to the process umask (a stricter user umask stays in force), so writers that
    open files themselves (image libraries, ``Path.write_text``) make ``0600`` files and
    ``0700`` folders. Nested and concurrent blocks share one saved umask.
    """
    global _umask_depth, _umask_saved
    with _umask_lock:
        if _umask_depth == 0:
            _umask_saved = os.umask(_OWNER_ONLY_UMASK)
            os.umask(_umask_saved | _OWNER_ONLY_UMASK)
        _umask_depth += 1
    try:
        yield
    finally:
        with _umask_lock:
            _umask_depth -= 1
            if _umask_depth == 0:
                os.umask(_umask_saved)


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) a folder only its owner can open; returns it."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


@contextlib.contextmanager
def atomic_file(path: Path, what: str) -> Iterator[BinaryIO]:
    """An owner-only file handle whose content replaces ``path`` atomically once the block ends.

    The data goes to a temporary file in the same folder (mode ``0600``, or stricter under the
    user's umask), is synced, then renamed over ``path``. A crash or an error leaves the old
    file (or none), never half of the new one.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    with disk_full_guard(what):
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_directory(path.parent)


def atomic_write(path: Path, data: bytes, what: str | None = None) -> None:
    """Write ``data`` to ``path`` through a synced owner-only temporary file and a rename."""
    with atomic_file(path, what or str(path)) as handle:
        handle.write(data)
