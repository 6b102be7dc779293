"""Waveforms in PhysioNet's WFDB format: a ``.hea`` header plus its ``.dat`` signal files."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workspace.importers.base import ImportedItem, ReadContext, file_entry
from workspace.waveform.kinds import ECG_LEAD_NAMES, record_type
from workspace.waveform.readers import FORMAT_KEY, record_title

HEADER_SUFFIX = ".hea"
SIGNAL_SUFFIX = ".dat"
# Bytes per sample of the fixed-size WFDB formats; FLAC formats (508/516/524) vary.
BYTES_PER_SAMPLE: dict[str, float] = {
    "8": 1, "16": 2, "24": 3, "32": 4, "61": 2, "80": 1, "160": 2,
    "212": 1.5, "310": 4 / 3, "311": 4 / 3,
}  # fmt: skip
__all__ = ["ECG_LEAD_NAMES", "WfdbImporter"]


@dataclass
class _SignalFile:
    path: Path
    fmt: str
    byte_offset: int
    samples_per_frame: int = 0
    signals: list[str] = field(default_factory=list)


class WfdbImporter:
    """Reads WFDB records; one item per header whose signal files are all present and whole."""

    format_id = "wfdb"
    modality = "waveform"

    def claims(self, path: Path) -> bool:
        """Claim ``.hea`` headers and ``.dat`` signal files by extension."""
        return path.suffix.lower() in (HEADER_SUFFIX, SIGNAL_SUFFIX)

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Pair headers with their signal files, check sizes, report orphans."""
        ctx = context or ReadContext()
        inputs = {path.absolute(): path for path in paths}
        pending = set(inputs)
        headers = [p for p in inputs if p.suffix.lower() == HEADER_SUFFIX]
        for path in inputs:
            sibling = path.with_suffix(HEADER_SUFFIX)
            if path.suffix.lower() == SIGNAL_SUFFIX and sibling not in inputs and sibling.is_file():
                headers.append(sibling)  # the user picked only the .dat: use its header too
        items: list[ImportedItem] = []
        failed: set[Path] = set()
        for header in headers:
            ctx.check_cancelled()
            item, used = self._read_record(header, ctx)
            if item is None:
                failed.add(header)
            else:
                items.append(item)
            done = pending & ({header} | used)
            pending -= done
            ctx.step(len(done))
        for orphan in sorted(pending):
            ctx.check_cancelled()
            if orphan.with_suffix(HEADER_SUFFIX) not in failed:  # else already reported
                ctx.problem(orphan, "is not part of any WFDB record (no .hea header beside it)")
            ctx.step()
        return items

    def _read_record(self, header: Path, ctx: ReadContext) -> tuple[ImportedItem | None, set[Path]]:
        """Item for one header, and every signal file it names (so they are not orphans)."""
        try:
            record = _read_header(header)
        except Exception as exc:  # noqa: BLE001 - wfdb raises many types on malformed headers
            ctx.problem(header, f"is not a valid WFDB header ({_describe(exc)})")
            return None, set()
        if hasattr(record, "seg_name"):
            ctx.problem(header, "is a multi-segment WFDB record, which is not supported yet")
            return None, set()
        n_sig = int(record.n_sig or 0)
        names = list(record.file_name or [])
        if n_sig <= 0 or len(names) != n_sig:
            ctx.problem(header, f"declares {n_sig} signals but describes {len(names)}")
            return None, set()
        files = _signal_files(header, record)
        used = {signal_file.path for signal_file in files}
        sig_len = int(record.sig_len or 0)
        for signal_file in files:
            problem = _check_signal_file(signal_file, sig_len)
            if problem is not None:
                path, reason = problem
                ctx.problem(path, f"{reason} (WFDB record '{header.stem}')")
                return None, used
        if sig_len <= 0:
            sig_len = _frames_from_size(files)
        fs = float(record.fs or 0)
        if fs <= 0:
            ctx.problem(header, "has no valid sampling frequency")
            return None, used
        meta = _record_meta(record, sig_len, fs)
        item_files = [file_entry(header)] + [file_entry(f.path) for f in files]
        return ImportedItem("waveform", record_title(header.stem, meta), item_files, meta), used


def _read_header(header: Path) -> Any:
    import wfdb

    return wfdb.rdheader(str(header.with_suffix("")))


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _signal_files(header: Path, record: Any) -> list[_SignalFile]:
    """Signal files named by the header, in order, with their signals (``~`` means none)."""
    files: dict[str, _SignalFile] = {}
    samples_per_frame = record.samps_per_frame or [1] * record.n_sig
    byte_offsets = record.byte_offset or [0] * record.n_sig
    for index, name in enumerate(record.file_name):
        if name == "~":
            continue
        signal_file = files.setdefault(
            name,
            _SignalFile(
                path=header.parent / name,
                fmt=str(record.fmt[index]),
                byte_offset=int(byte_offsets[index] or 0),
            ),
        )
        signal_file.samples_per_frame += int(samples_per_frame[index] or 1)
        signal_file.signals.append(str(record.sig_name[index]))
    return list(files.values())


def _check_signal_file(signal_file: _SignalFile, sig_len: int) -> tuple[Path, str] | None:
    """``(path, reason)`` if the signal file is missing, lies outside the header's folder
    (through a symbolic link) or is shorter than the header says."""
    path = signal_file.path
    try:
        inside = path.resolve().is_relative_to(path.parent.resolve())
    except (OSError, RuntimeError):  # a symbolic link loop
        inside = False
    if not inside:
        return path, "leads outside the record's folder (a symbolic link); refused"
    try:
        size = path.stat().st_size
    except OSError:
        return path, f"is missing: the header names signal file {path.name}"
    bytes_per_sample = BYTES_PER_SAMPLE.get(signal_file.fmt)
    if bytes_per_sample is None or sig_len <= 0:
        return (path, "is empty") if size == 0 else None
    total = sig_len * signal_file.samples_per_frame
    expected = signal_file.byte_offset + math.floor(total * bytes_per_sample)
    if size < expected:
        return path, f"is truncated: expected at least {expected} bytes, found {size}"
    return None


def _frames_from_size(files: list[_SignalFile]) -> int:
    """Record length from the first fixed-size signal file, when the header leaves it out."""
    for signal_file in files:
        bytes_per_sample = BYTES_PER_SAMPLE.get(signal_file.fmt)
        if bytes_per_sample is None:
            continue
        try:
            payload = signal_file.path.stat().st_size - signal_file.byte_offset
        except OSError:
            continue
        frame_bytes = bytes_per_sample * signal_file.samples_per_frame
        return max(int(payload // frame_bytes), 0)
    return 0


def _record_meta(record: Any, sig_len: int, fs: float) -> dict[str, Any]:
    samples_per_frame = [int(n or 1) for n in (record.samps_per_frame or [1] * record.n_sig)]
    meta: dict[str, Any] = {
        FORMAT_KEY: "wfdb",
        "file_format": "wfdb",
        "record_type": record_type(str(name) for name in record.sig_name),
        "record_name": str(record.record_name),
        "leads": int(record.n_sig),
        "fs": fs,
        "samples": sig_len,
        "duration_s": round(sig_len / fs, 6),
        "signal_names": [str(name) for name in record.sig_name],
        "units": [str(unit) for unit in (record.units or [])],
        "formats": [str(fmt) for fmt in record.fmt],
        "comments": [str(comment) for comment in (record.comments or [])],
        "sampling_rates": [fs * n for n in samples_per_frame],
        "n_samples": [sig_len * n for n in samples_per_frame],
    }
    if record.base_date is not None:
        meta["base_date"] = record.base_date.isoformat()
    if record.base_time is not None:
        meta["base_time"] = record.base_time.isoformat()
        if record.base_date is not None:
            meta["start_time"] = f"{meta['base_date']}T{meta['base_time']}"
    return meta
