"""EDF, EDF+ and BDF(+) recordings (EEG, polysomnography, ECG), read with ``pyedflib``."""

from __future__ import annotations

from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext, read_head
from workspace.importers.signal_file import read_signal_files
from workspace.waveform.edf_reader import edf_annotations

EDF_SUFFIXES = frozenset({".edf", ".bdf"})
_EDF_MAGIC = b"0       "
_BDF_MAGIC = b"\xffBIOSEMI"

__all__ = ["EdfImporter", "edf_annotations"]


class EdfImporter:
    """One waveform item per EDF/EDF+/BDF file; its EDF+ annotations in ``file_annotations``."""

    format_id = "edf"
    modality = "waveform"

    def claims(self, path: Path) -> bool:
        """Claim ``.edf``/``.bdf`` files, or an EDF/BDF version field at the start."""
        if path.suffix.lower() in EDF_SUFFIXES:
            return True
        return read_head(path, 8) in (_EDF_MAGIC, _BDF_MAGIC) and path.suffix == ""

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Each file's header, checked by pyedflib (sizes included)."""
        return read_signal_files(self.format_id, paths, context)
