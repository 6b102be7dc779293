"""Small file helpers: atomic writes and a clear error when the disk is full."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from storage.errors import DiskFullError


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
def atomic_file(path: Path, what: str) -> Iterator[BinaryIO]:
    """A file handle whose content replaces ``path`` atomically, synced, once the block ends.

    A crash or an error leaves the old file (or none), never half of the new one.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    with disk_full_guard(what):
        try:
            with tmp.open("wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_directory(path.parent)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a synced temporary file and an atomic rename."""
    with atomic_file(path, str(path)) as handle:
        handle.write(data)
