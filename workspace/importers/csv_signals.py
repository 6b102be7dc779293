"""Signals in CSV files with a header row (see :mod:`workspace.waveform.csv_reader`)."""

from __future__ import annotations

from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext
from workspace.importers.signal_file import read_signal_files

CSV_SUFFIXES = frozenset({".csv"})


class CsvSignalImporter:
    """One waveform item per ``.csv`` file of numeric columns under a header row."""

    format_id = "csv-signals"
    modality = "waveform"

    def claims(self, path: Path) -> bool:
        """Claim ``.csv`` files."""
        return path.suffix.lower() in CSV_SUFFIXES

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Each file parsed in full (every row checked)."""
        return read_signal_files(self.format_id, paths, context)
