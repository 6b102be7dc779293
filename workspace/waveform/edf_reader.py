"""EDF, EDF+ and BDF files read with ``pyedflib``: each channel at its own rate.

Digital samples are kept (``int16`` for EDF, ``int32`` for BDF's 24 bits) with EDF's linear
scale, ``physical = pmin + (d - dmin) × (pmax - pmin) / (dmax - dmin)``. EDF+ annotations
(the "EDF Annotations" channel) are read as ``(onset_s, duration_s, text)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from workspace.waveform.record import (
    Channel,
    ChannelInfo,
    FileAnnotation,
    RecordHeader,
    SignalFileError,
    SignalRecord,
    smallest_int_dtype,
)

FILE_FORMATS = {0: "edf", 1: "edf+", 2: "bdf", 3: "bdf+"}
ANNOTATION_LABELS = frozenset({"EDF ANNOTATIONS", "BDF ANNOTATIONS"})


def _size_problem(path: Path) -> str | None:
    """Why the file's size is not what its header says, or None (None too when the header
    cannot be read: pyedflib then says what is wrong with it).

    pyedflib refuses such a file but first prints the sizes on the C library's standard
    output (where the command line writes its results), so they are checked here first, from
    the four header fields they depend on (EDF specification, section 2.1).
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(256)
            signals = int(head[252:256])
            handle.seek(256 + signals * 216)
            per_record = handle.read(signals * 8)
        header_bytes, records = int(head[184:192]), int(head[236:244])
        samples = sum(int(per_record[i : i + 8]) for i in range(0, signals * 8, 8))
    except (OSError, ValueError):
        return None
    if records < 0 or signals <= 0 or len(per_record) < signals * 8:
        return None
    expected = header_bytes + records * samples * (3 if head[:1] == b"\xff" else 2)
    if size < expected:
        return f"is truncated: its header needs {expected} bytes, the file holds {size}"
    if size > expected:
        return f"is longer than its header says ({size} bytes, not {expected})"
    return None


@contextmanager
def _open(path: Path) -> Iterator[Any]:
    """An open ``EdfReader`` (closed after), or :class:`SignalFileError` saying why not."""
    import pyedflib

    problem = _size_problem(path)
    if problem is not None:
        raise SignalFileError(f"{path}: {problem}")
    try:
        reader = pyedflib.EdfReader(str(path))
    except OSError as exc:
        reason = str(exc).split(": ", 1)[-1].strip() or "unreadable"
        raise SignalFileError(f"{path}: is not a readable EDF/BDF file ({reason})") from exc
    try:
        yield reader
    finally:
        reader.close()


def _channels(reader: Any) -> list[tuple[int, ChannelInfo]]:
    """``(index in the file, description)`` of every signal channel (not annotations)."""
    found: list[tuple[int, ChannelInfo]] = []
    durations = reader.getNSamples()
    for index in range(reader.signals_in_file):
        label = str(reader.getLabel(index)).strip()
        if label.upper() in ANNOTATION_LABELS:
            continue
        dmin, dmax = int(reader.getDigitalMinimum(index)), int(reader.getDigitalMaximum(index))
        pmin = float(reader.getPhysicalMinimum(index))
        pmax = float(reader.getPhysicalMaximum(index))
        rate = float(reader.getSampleFrequency(index))
        if dmax <= dmin or rate <= 0 or not np.isfinite([pmin, pmax, rate]).all():
            raise SignalFileError(
                f"signal {index + 1} ('{label}') has an invalid digital range or sampling rate"
            )
        gain = (pmax - pmin) / (dmax - dmin)
        info = ChannelInfo(
            name=label,
            unit=str(reader.getPhysicalDimension(index)).strip(),
            rate=rate,
            n_samples=int(durations[index]),
            gain=gain,
            offset=pmin - dmin * gain,
            dtype=smallest_int_dtype(dmin, dmax),
        )
        found.append((index, info))
    return found


def _header(path: Path, reader: Any) -> RecordHeader:
    try:
        channels = _channels(reader)
    except SignalFileError as exc:
        raise SignalFileError(f"{path}: {exc}") from exc
    if not channels:
        raise SignalFileError(f"{path}: holds no signals (only annotations)")
    return RecordHeader(
        file_format=FILE_FORMATS.get(int(reader.filetype), "edf"),
        channels=[info for _, info in channels],
        start_time=reader.getStartdatetime(),
        annotations=_annotations(reader),
        description=str(reader.getRecordingAdditional() or "").strip(),
    )


def _annotations(reader: Any) -> list[FileAnnotation]:
    onsets, durations, texts = reader.readAnnotations()
    return [
        (float(onset), max(float(duration), 0.0), str(text))
        for onset, duration, text in zip(onsets, durations, texts, strict=True)
    ]


def read_edf_header(path: Path) -> RecordHeader:
    """The channels, start time and annotations of an EDF/EDF+/BDF file (no samples read)."""
    with _open(path) as reader:
        return _header(path, reader)


def edf_annotations(path: Path) -> list[FileAnnotation]:
    """The EDF+/BDF+ annotations of ``path`` as ``(onset_s, duration_s, text)``, in file
    order (an instant has duration 0); an EDF file without any gives ``[]``."""
    with _open(path) as reader:
        return _annotations(reader)


def read_edf(path: Path) -> SignalRecord:
    """Every signal channel of an EDF/EDF+/BDF file, with its annotations."""
    with _open(path) as reader:
        header = _header(path, reader)
        channels: list[Channel] = []
        for (index, info), _ in zip(_channels(reader), header.channels, strict=True):
            buffer = np.empty(info.n_samples, dtype=np.int32)
            reader.read_digital_signal(index, 0, info.n_samples, buffer)
            channels.append(Channel(info, buffer.astype(info.dtype, copy=False)))
    return SignalRecord(header.file_format, channels, header.start_time, header.annotations)
