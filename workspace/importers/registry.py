"""The importers Caliper knows, and the scan that hands a folder's files to them."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from workspace.importers.annotation_files import annotates_a_neighbour
from workspace.importers.audio import AudioImporter
from workspace.importers.base import (
    ImportedItem,
    Importer,
    ImportProblem,
    ProblemSink,
    ReadContext,
    ScanCancelledError,
)
from workspace.importers.csv_signals import CsvSignalImporter
from workspace.importers.dicom import DicomImporter
from workspace.importers.dicom_waveform import DicomWaveformImporter
from workspace.importers.edf import EdfImporter
from workspace.importers.sitk_image import SimpleItkImageImporter
from workspace.importers.slides import DicomSlideImporter, OpenSlideImporter, TiffSlideImporter
from workspace.importers.text import TextImporter
from workspace.importers.wfdb_record import WfdbImporter

logger = logging.getLogger(__name__)

# Built-ins, in the order they are offered each file: magic-byte sniffers before extensions.
BUILTIN_IMPORTERS: tuple[Callable[[], Importer], ...] = (
    DicomSlideImporter,
    DicomWaveformImporter,
    DicomImporter,
    WfdbImporter,
    EdfImporter,
    CsvSignalImporter,
    AudioImporter,
    SimpleItkImageImporter,
    TiffSlideImporter,
    OpenSlideImporter,
    TextImporter,
)
# Operating-system clutter skipped silently inside folders (names compared in lower case).
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", "dicomdir.bak"})
UNKNOWN_FORMAT = (
    "unrecognised file type (not DICOM, NIfTI/NRRD, WFDB, EDF/BDF, CSV signals, WAV/FLAC/Ogg "
    "audio, a whole-slide image or a text note)"
)

OUTSIDE_LINK = "is a symbolic link to a place outside the folder being imported,"


class ImporterRegistry:
    """Importers by ``format_id``, offered each file in registration order."""

    def __init__(self, importers: Iterable[Importer] = ()) -> None:
        self._importers: dict[str, Importer] = {}
        for importer in importers:
            self.register(importer)

    def register(self, importer: Importer) -> Importer:
        """Add ``importer``; a second importer with the same ``format_id`` is a ValueError."""
        if importer.format_id in self._importers:
            raise ValueError(f"an importer with format_id {importer.format_id!r} is registered")
        self._importers[importer.format_id] = importer
        return importer

    def unregister(self, format_id: str) -> None:
        """Remove the importer registered as ``format_id`` (KeyError if there is none)."""
        del self._importers[format_id]

    def get(self, format_id: str) -> Importer:
        """The importer registered as ``format_id``."""
        return self._importers[format_id]

    def __iter__(self) -> Iterator[Importer]:
        return iter(list(self._importers.values()))

    def __len__(self) -> int:
        return len(self._importers)

    def importer_for(self, path: Path) -> Importer | None:
        """The first importer that claims ``path``, or None."""
        for importer in self:
            try:
                if importer.claims(path):
                    return importer
            except Exception:
                logger.exception("importer %r failed to sniff %s", importer.format_id, path)
        return None

    def scan(
        self,
        paths: list[Path],
        on_problem: ProblemSink | None = None,
        cancelled: Callable[[], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[ImportedItem]:
        """See :func:`scan`."""
        return _Scan(self, on_problem, cancelled, progress).run(paths)


class _Scan:
    """One run of :func:`scan`: its callbacks, progress count and the files reported."""

    def __init__(
        self,
        registry: ImporterRegistry,
        on_problem: ProblemSink | None,
        cancelled: Callable[[], bool] | None,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.registry = registry
        self.on_problem = on_problem
        self.cancelled = cancelled
        self.progress = progress
        self.reported: set[Path] = set()
        self.done = 0
        self.total = 0

    def run(self, paths: list[Path]) -> list[ImportedItem]:
        try:
            files = self._expand(paths)
            self.total = len(files)
            self._advance(0)
            groups = self._claim(files)
            items: list[ImportedItem] = []
            for importer in self.registry:
                group = groups.get(importer.format_id)
                if group:
                    items.extend(self._read(importer, group))
        except ScanCancelledError:
            return []
        return items

    def report(self, path: Path, message: str) -> None:
        self.reported.add(path)
        if self.on_problem is None:
            logger.warning("not imported: %s", message)
        else:
            self.on_problem(path, message)

    def _check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ScanCancelledError

    def _advance(self, files: int) -> None:
        self.done = min(self.done + files, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _expand(self, paths: list[Path]) -> list[Path]:
        """Every file named or found under a named folder, once each, in a stable order."""
        seen: set[Path] = set()
        files: list[Path] = []
        for given in paths:
            self._check_cancelled()
            path = Path(given).absolute()
            if path.is_dir():
                found = self._walk(path)
            elif path.is_file():
                found = [path]
            else:
                self.report(path, f"{path}: does not exist or is not a regular file")
                continue
            for file in found:
                key = file.resolve()
                if key not in seen:
                    seen.add(key)
                    files.append(file)
        return files

    def _walk(self, folder: Path) -> list[Path]:
        """Files under ``folder``, skipping hidden entries and OS clutter.

        Symbolic links are never followed out of ``folder``: one that leads outside it is
        reported and skipped; symlinked folders are not entered (what they hold inside
        ``folder`` is found where it lies).
        """
        root = folder.resolve()
        found: list[Path] = []
        for here, dirs, names in os.walk(folder):
            self._check_cancelled()
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in dirs:
                self._leads_outside(Path(here) / name, root, folder)
            for name in sorted(names):
                if name.startswith(".") or name.lower() in IGNORED_NAMES:
                    continue
                path = Path(here) / name
                if not self._leads_outside(path, root, folder) and path.is_file():
                    found.append(path)
        return found

    def _leads_outside(self, path: Path, root: Path, folder: Path) -> bool:
        """True (and reported) when ``path`` is a symbolic link leading out of ``root``."""
        if not path.is_symlink():
            return False
        try:
            if path.resolve().is_relative_to(root):
                return False
        except (OSError, RuntimeError):  # a symbolic link loop
            self.report(path, f"{path}: is a symbolic link that leads nowhere (a loop); skipped")
            return True
        self.report(path, f"{path}: {OUTSIDE_LINK} {folder}; skipped")
        return True

    def _claim(self, files: list[Path]) -> dict[str, list[Path]]:
        groups: dict[str, list[Path]] = {}
        for path in files:
            self._check_cancelled()
            importer = self.registry.importer_for(path)
            if importer is None:
                if not annotates_a_neighbour(path):  # else it comes in with its item
                    self.report(path, f"{path}: {UNKNOWN_FORMAT}")
                self._advance(1)
            else:
                groups.setdefault(importer.format_id, []).append(path)
        return groups

    def _read(self, importer: Importer, group: list[Path]) -> list[ImportedItem]:
        """Let ``importer`` read its files; if it fails, name every file it left unreported."""
        start = self.done
        context = ReadContext(
            on_problem=self.report, cancelled=self.cancelled, advance=self._advance
        )
        items: list[ImportedItem] = []
        try:
            items = importer.read(group, context)
        except ScanCancelledError:
            raise
        except ImportProblem as exc:
            self._fail(group, exc.path, str(exc))
        except Exception as exc:
            logger.exception("importer %r failed", importer.format_id)
            reason = f"internal error in the {importer.format_id} importer ({exc!r})"
            self._fail(group, None, reason)
        self._advance(max(start + len(group) - self.done, 0))
        return items

    def _fail(self, group: list[Path], culprit: Path | None, reason: str) -> None:
        if culprit is not None:
            self.report(culprit, reason)
        for path in group:
            if path not in self.reported:
                self.report(path, f"{path}: not imported: {reason}")


@functools.cache
def default_registry() -> ImporterRegistry:
    """The process-wide registry, holding the built-in importers (built on first use)."""
    return ImporterRegistry(factory() for factory in BUILTIN_IMPORTERS)


def register(importer: Importer) -> Importer:
    """Add ``importer`` to the default registry (ValueError for a duplicate ``format_id``)."""
    return default_registry().register(importer)


def scan(
    paths: list[Path],
    on_problem: ProblemSink | None = None,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    registry: ImporterRegistry | None = None,
) -> list[ImportedItem]:
    """Find everything importable in ``paths`` (files and folders, searched recursively).

    Each file goes to the first importer that claims it; importers group files into items
    (a DICOM series, a WFDB record...). Unknown, corrupt or incomplete files are reported
    through ``on_problem(path, message)`` (a message naming the file) and the rest is still
    returned. ``progress(done, total)`` counts files; when ``cancelled()`` turns true the
    scan stops promptly and returns an empty list.
    """
    return (registry or default_registry()).scan(paths, on_problem, cancelled, progress)
