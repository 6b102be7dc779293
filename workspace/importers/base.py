"""Shared types of the file importers: what an importer finds and how it reports trouble."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

ProblemSink = Callable[[Path, str], None]


@dataclass
class ImportedFile:
    """One file on disk that belongs to an imported item."""

    name: str
    path: Path


@dataclass
class ImportedItem:
    """One thing to annotate (a series, a record, a note...) and the files it is made of.

    ``meta`` holds JSON-serialisable values only (numbers, strings, booleans, lists).
    """

    modality: str
    title: str
    files: list[ImportedFile]
    meta: dict[str, Any] = field(default_factory=dict)


class ImportProblem(Exception):  # noqa: N818 - the name is part of the import API
    """A file that cannot be imported; the message names the file and says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ScanCancelledError(Exception):
    """Raised inside an importer when the user cancelled the scan."""


@dataclass
class ReadContext:
    """What an importer may use while reading: a problem sink, a cancel flag, a progress tick.

    With no ``on_problem`` sink, :meth:`problem` raises :class:`ImportProblem` instead, so
    ``read(paths)`` on its own is strict and ``scan`` is lenient.
    """

    on_problem: ProblemSink | None = None
    cancelled: Callable[[], bool] | None = None
    advance: Callable[[int], None] | None = None

    def problem(self, path: Path, reason: str) -> None:
        """Report that ``path`` cannot be imported (or raise if nobody listens)."""
        if self.on_problem is None:
            raise ImportProblem(path, reason)
        self.on_problem(path, str(ImportProblem(path, reason)))

    def check_cancelled(self) -> None:
        """Raise :class:`ScanCancelledError` if the user asked to stop."""
        if self.cancelled is not None and self.cancelled():
            raise ScanCancelledError

    def step(self, files: int = 1) -> None:
        """Count ``files`` more files as handled (imported or reported)."""
        if self.advance is not None and files:
            self.advance(files)


@runtime_checkable
class Importer(Protocol):
    """Recognises and reads one file format."""

    format_id: str
    modality: str

    def claims(self, path: Path) -> bool:
        """Cheap sniff (extension, magic bytes): is ``path`` in this format?"""
        ...

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Group and validate ``paths`` (all claimed by this importer) into items.

        Bad files go to ``context.problem`` and the rest is still returned; with no context
        the first bad file raises :class:`ImportProblem`.
        """
        ...


def read_head(path: Path, size: int) -> bytes:
    """First ``size`` bytes of ``path`` (fewer if the file is shorter); ``b""`` if unreadable."""
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def file_entry(path: Path) -> ImportedFile:
    """An :class:`ImportedFile` named after the file itself."""
    return ImportedFile(name=path.name, path=path)


def file_entries(paths: list[Path]) -> list[ImportedFile]:
    """Entries named after their files; clashing names get their position as a prefix."""
    counts: dict[str, int] = {}
    for path in paths:
        counts[path.name] = counts.get(path.name, 0) + 1
    return [
        ImportedFile(name=p.name if counts[p.name] == 1 else f"{i:05d}-{p.name}", path=p)
        for i, p in enumerate(paths)
    ]
