"""Signals in a CSV file with a header row: one column per channel, a time column optional.

The layout read::

    # sampling_rate: 500          optional comment lines before the header: the rate in Hz
    # start_time: 2024-05-01T08:30:00   (``fs``/``rate`` also name the rate)
    time,II (mV),V1 (mV)          names; a unit in parentheses or brackets
    0.000,0.012,-0.031
    0.002,0.015,-0.029

The rate comes from the comment, else from a time column (``time``, ``t``, ``seconds``,
``time_s`` or ``time_ms``, evenly spaced). Decimals are kept as ``float32``; columns of
integers that fit 16 bits as ``int16``. The numbers are parsed by numpy.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from workspace.waveform.record import (
    Channel,
    ChannelInfo,
    RecordHeader,
    SignalFileError,
    SignalRecord,
)

MAX_CSV_BYTES = 2 << 30
RATE_KEYS = frozenset({"fs", "rate", "sampling_rate", "sample_rate", "sampling_frequency"})
TIME_NAMES = {"time": 1.0, "t": 1.0, "seconds": 1.0, "time_s": 1.0, "sec": 1.0, "time_ms": 1e-3}
_UNIT = re.compile(r"^(?P<name>.*?)\s*[\(\[](?P<unit>[^\)\]]*)[\)\]]\s*$")
_COMMENT = re.compile(r"^#\s*(?P<key>[A-Za-z_ ]+?)\s*[:=]\s*(?P<value>.+?)\s*$")


def _split_name(column: str) -> tuple[str, str]:
    match = _UNIT.match(column.strip())
    if match is None:
        return column.strip(), ""
    return match["name"].strip(), match["unit"].strip()


def _time_scale(name: str, unit: str) -> float | None:
    """Seconds per unit of a time column, or None when ``name`` is not one."""
    key = name.lower().replace(" ", "_")
    if key not in TIME_NAMES:
        return None
    if unit.lower() == "ms":
        return 1e-3
    return TIME_NAMES[key]


def _text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise SignalFileError(f"{path}: is too large for a CSV signal file (over 2 GiB)")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SignalFileError(f"{path}: is not a UTF-8 text file") from exc
    except OSError as exc:
        raise SignalFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


class _Parsed:
    """The comments, header and numbers of one CSV file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        lines = _text(path).splitlines()
        self.settings: dict[str, str] = {}
        first = 0
        while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
            match = _COMMENT.match(lines[first].strip())
            if match is not None:
                self.settings[match["key"].strip().lower().replace(" ", "_")] = match["value"]
            first += 1
        if first >= len(lines):
            raise SignalFileError(f"{path}: has no header row")
        try:
            dialect = csv.Sniffer().sniff(lines[first], delimiters=",;\t")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
        self.columns = next(csv.reader([lines[first]], delimiter=delimiter))
        if len(self.columns) < 1 or any(not c.strip() for c in self.columns):
            raise SignalFileError(f"{path}: the header row has an empty column name")
        body = "\n".join(line for line in lines[first + 1 :] if line.strip())
        if not body:
            raise SignalFileError(f"{path}: has a header but no rows of samples")
        try:
            values = np.loadtxt(io.StringIO(body), delimiter=delimiter, ndmin=2, dtype=np.float64)
        except ValueError as exc:
            raise SignalFileError(f"{path}: holds a value that is not a number ({exc})") from exc
        if values.shape[0] == 0:
            raise SignalFileError(f"{path}: has a header but no rows of samples")
        if values.shape[1] != len(self.columns):
            raise SignalFileError(
                f"{path}: rows have {values.shape[1]} values but the header names "
                f"{len(self.columns)} columns"
            )
        if not np.isfinite(values).all():
            raise SignalFileError(f"{path}: holds a value that is not a finite number")
        self.values = values


def _rate(parsed: _Parsed, times: npt.NDArray[np.float64] | None) -> float:
    path = parsed.path
    given = next((v for k, v in parsed.settings.items() if k in RATE_KEYS), None)
    if given is not None:
        try:
            rate = float(given.split()[0])
        except (ValueError, IndexError):
            rate = 0.0
        if not np.isfinite(rate) or rate <= 0:
            raise SignalFileError(f"{path}: sampling rate {given!r} is not a positive number")
        return rate
    if times is None or times.size < 2:
        raise SignalFileError(
            f"{path}: has no time column and no sampling rate (add a '# sampling_rate: 500' "
            "line before the header, or a 'time' column in seconds)"
        )
    steps = np.diff(times)
    step = float(np.median(steps))
    if step <= 0 or not np.allclose(steps, step, rtol=1e-3, atol=1e-9):
        raise SignalFileError(f"{path}: the time column is not evenly spaced and increasing")
    return 1.0 / step


def _start_time(parsed: _Parsed) -> datetime | None:
    text = parsed.settings.get("start_time") or parsed.settings.get("start")
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise SignalFileError(f"{parsed.path}: start time {text!r} is not ISO 8601") from exc


def _read(path: Path) -> SignalRecord:
    parsed = _Parsed(path)
    names = [_split_name(column) for column in parsed.columns]
    time_index = next(
        (i for i, (name, unit) in enumerate(names) if _time_scale(name, unit) is not None), None
    )
    times = None
    if time_index is not None:
        scale = _time_scale(*names[time_index])
        assert scale is not None
        times = parsed.values[:, time_index] * scale
    rate = _rate(parsed, times)
    channels: list[Channel] = []
    for index, (name, unit) in enumerate(names):
        if index == time_index:
            continue
        column = parsed.values[:, index]
        integral = np.array_equal(column, np.round(column))
        fits = integral and column.min() >= -(1 << 15) and column.max() < (1 << 15)
        dtype = "<i2" if fits else "<f4"
        info = ChannelInfo(name, unit, rate, int(column.size), dtype=dtype)
        channels.append(Channel(info, column.astype(dtype)))
    if not channels:
        raise SignalFileError(f"{path}: has a time column but no signal columns")
    return SignalRecord("csv", channels, _start_time(parsed))


def read_csv_signals(path: Path) -> SignalRecord:
    """Every signal column of a CSV file (see the module docstring for the layout)."""
    return _read(path)


def read_csv_header(path: Path) -> RecordHeader:
    """The channels of a CSV signal file (the whole file is parsed, to check every row)."""
    return _read(path).header()
