"""What lies in a blob folder besides its blobs: temporary files, and files it does not know.

A blob is written to a temporary file first and renamed into place once complete:
``.stream-<random>.tmp`` in the folder's root while it is sealed as it is produced
(:mod:`storage.blob_stream`), ``.<name>.<random>.tmp`` beside its final place otherwise
(:func:`storage.fileio.atomic_file`), or in a staging folder ``.direct-<random>`` in the root,
locked through its ``.lock`` file, for many objects written at once
(:mod:`storage.blob_direct`). A process killed meanwhile leaves its temporary file behind.
Each writer holds an exclusive lock on its temporary file (or staging folder's lock file) while
it writes (:func:`hold_while_writing`; the system drops it when the process dies), so a
temporary file that nobody holds is stale and safe to remove (a staging folder whole), and one
still held is left alone. (A sweep in
the instant between a writer creating its file and locking it would remove it: that write then
fails with an error, it never completes half-written.) Where files cannot be locked (Windows),
an open file cannot be deleted either, which serves the same end.

Any other file is unknown: reported, never deleted (it may be evidence).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

if sys.platform != "win32":
    import fcntl

STREAM_TEMP = re.compile(r"\.stream-[0-9a-f]{12}\.tmp")
PLACED_TEMP = re.compile(r"\.[0-9a-f]{64}\.[0-9a-f]{12}\.tmp")
SHARD = re.compile(r"[0-9a-f]{2}")
STAGING = re.compile(r"\.direct-[0-9a-f]{12}")
STAGING_LOCK = ".lock"


@dataclass
class BlobFolderReport:
    """Stale temporary files removed, temporary files still being written, unknown files."""

    removed: list[Path] = field(default_factory=list)
    busy: list[Path] = field(default_factory=list)
    unknown: list[Path] = field(default_factory=list)


def hold_while_writing(handle: BinaryIO) -> None:
    """Lock the temporary file behind ``handle`` until it is closed (or its process dies)."""
    if sys.platform != "win32":
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _is_temporary(relative: Path) -> bool:
    parts = relative.parts
    if len(parts) == 1:
        return STREAM_TEMP.fullmatch(parts[0]) is not None
    return (
        len(parts) == 2
        and SHARD.fullmatch(parts[0]) is not None
        and PLACED_TEMP.fullmatch(parts[1]) is not None
    )


def _remove_if_abandoned(path: Path) -> bool:
    """Remove ``path`` unless a writer holds it; True when it was removed (or is gone)."""
    try:
        with path.open("rb") as handle:
            if sys.platform != "win32":
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return False
                path.unlink()
                return True
    except FileNotFoundError:
        return True
    try:
        path.unlink()  # on Windows this fails while the writer has the file open
    except PermissionError:
        return False
    return True


def sweep(root: Path, blob_files: set[Path]) -> BlobFolderReport:
    """Remove stale temporary files under ``root``; report busy ones and unknown files.

    ``blob_files`` are the paths, relative to ``root``, of the blobs the index knows. Nothing
    is followed through a symbolic link; a link is an unknown file.
    """
    report = BlobFolderReport()
    for here, dirs, names in os.walk(root):
        dirs.sort()
        for name in [d for d in dirs if here == str(root) and STAGING.fullmatch(d)]:
            folder = Path(here) / name
            if not folder.is_symlink():
                dirs.remove(name)
                _sweep_staging(folder, report)
        for name in sorted(names) + [d for d in dirs if (Path(here) / d).is_symlink()]:
            path = Path(here) / name
            relative = path.relative_to(root)
            if relative in blob_files and not path.is_symlink():
                continue
            if _is_temporary(relative) and not path.is_symlink():
                (report.removed if _remove_if_abandoned(path) else report.busy).append(path)
            else:
                report.unknown.append(path)
    return report


def _sweep_staging(folder: Path, report: BlobFolderReport) -> None:
    """Remove a staging folder whose writer is gone (its lock free), with its files."""
    files = sorted(p for p in folder.iterdir() if p.name != STAGING_LOCK)
    lock = folder / STAGING_LOCK
    if lock.exists():
        if not _remove_if_abandoned(lock):
            report.busy.extend(files)
            return
        report.removed.append(lock)
    kept = False
    for path in files:
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            report.removed.append(path)
        else:
            report.unknown.append(path)
            kept = True
    if not kept:
        folder.rmdir()
