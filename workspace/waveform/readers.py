"""The signal readers by file format, and the item meta an importer derives from a header.

Importers (scan time) call :func:`read_header`; storing an item calls :func:`read_record`
on the same files. ``meta["signal_format"]`` names the reader.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workspace.waveform.csv_reader import read_csv_header, read_csv_signals
from workspace.waveform.dicom_reader import read_dicom_waveform, read_dicom_waveform_header
from workspace.waveform.edf_reader import read_edf, read_edf_header
from workspace.waveform.kinds import record_type
from workspace.waveform.record import RecordHeader, SignalFileError, SignalRecord
from workspace.waveform.wfdb_reader import read_wfdb

FORMAT_KEY = "signal_format"
#: The first of an item's source files is the one these read.
READERS: dict[str, Callable[[Path], SignalRecord]] = {
    "wfdb": read_wfdb,
    "edf": read_edf,
    "dicom-waveform": read_dicom_waveform,
    "csv-signals": read_csv_signals,
}
HEADER_READERS: dict[str, Callable[[Path], RecordHeader]] = {
    "edf": read_edf_header,
    "dicom-waveform": read_dicom_waveform_header,
    "csv-signals": read_csv_header,
}


def read_header(signal_format: str, path: Path) -> RecordHeader:
    """What ``path`` says of its record (SignalFileError for a file that is not readable)."""
    reader = HEADER_READERS.get(signal_format)
    if reader is None:
        return read_record(signal_format, path).header()
    return reader(path)


def read_record(signal_format: str, path: Path) -> SignalRecord:
    """Every channel of ``path``, read by the reader of ``signal_format``."""
    reader = READERS.get(signal_format)
    if reader is None:
        raise SignalFileError(f"{path}: no reader for signal format {signal_format!r}")
    return reader(path)


def record_meta(signal_format: str, header: RecordHeader) -> dict[str, Any]:
    """An item's meta from a record header (JSON values only).

    The keys of the WFDB importer (``leads``, ``fs``, ``samples``, ``duration_s``,
    ``signal_names``, ``units``), plus one rate and length per channel, the clock start, the
    record type (``ecg``, ``eeg`` or ``generic``, which picks the schema) and the file's
    annotations as ``[onset_s, duration_s, text]``.
    """
    channels = header.channels
    names = [c.name for c in channels]
    rates = [c.rate for c in channels]
    meta: dict[str, Any] = {
        FORMAT_KEY: signal_format,
        "file_format": header.file_format,
        "record_type": record_type(names),
        "leads": len(channels),
        "fs": max(rates, default=0.0),
        "samples": max((c.n_samples for c in channels), default=0),
        "duration_s": round(header.duration_s, 6),
        "signal_names": names,
        "units": [c.unit for c in channels],
        "sampling_rates": rates,
        "n_samples": [c.n_samples for c in channels],
    }
    if header.start_time is not None:
        meta["start_time"] = header.start_time.isoformat()
    if header.description:
        meta["description"] = header.description
    if header.annotations:
        meta["file_annotations"] = [[on, dur, text] for on, dur, text in header.annotations]
    return meta


def record_title(stem: str, meta: dict[str, Any]) -> str:
    """``ECG — name (12 leads, 10 s)``, ``EEG — …`` or ``Waveform — …``."""
    kind = meta.get("record_type", "generic")
    count = int(meta["leads"])
    unit = ("lead" if kind == "ecg" else "signal") + ("" if count == 1 else "s")
    seconds = float(meta["duration_s"])
    length = f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:.1f} min"
    label = {"ecg": "ECG", "eeg": "EEG"}.get(kind, "Waveform")
    return f"{label} — {stem} ({count} {unit}, {length})"
