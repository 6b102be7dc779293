"""WFDB records (``.hea`` + ``.dat``) read with ``wfdb.rdrecord``, one rate per channel.

A channel with several samples per frame runs at ``fs × samples_per_frame`` (WFDB's way of
mixing rates); samples stay digital, with ``physical = (d - baseline) / adc_gain``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from workspace.waveform.record import Channel, ChannelInfo, SignalFileError, SignalRecord

#: Formats whose samples fit 16 bits (``rdrecord(return_res=16)`` keeps them exact).
SIXTEEN_BIT_FORMATS = frozenset({"8", "16", "61", "80", "160", "212", "310", "311"})
DEFAULT_ADC_GAIN = 200.0  # WFDB's default when a header gives none


def read_wfdb(header: Path) -> SignalRecord:
    """Every channel of the record whose header is ``header``."""
    import wfdb

    name = str(header.with_suffix(""))
    try:
        head = wfdb.rdheader(name)
        res = 16 if all(str(f) in SIXTEEN_BIT_FORMATS for f in head.fmt or []) else 32
        record = wfdb.rdrecord(name, physical=False, smooth_frames=False, return_res=res)
    except Exception as exc:
        raise SignalFileError(f"{header}: is not a readable WFDB record ({exc})") from exc
    fs = float(record.fs or 0)
    if fs <= 0:
        raise SignalFileError(f"{header}: has no valid sampling frequency")
    channels = [
        _channel(record, index, fs, samples) for index, samples in enumerate(record.e_d_signal)
    ]
    return SignalRecord("wfdb", channels, start_time(record))


def _channel(record: Any, index: int, fs: float, samples: Any) -> Channel:
    spf = int((record.samps_per_frame or [1] * record.n_sig)[index] or 1)
    gain = float((record.adc_gain or [])[index] or DEFAULT_ADC_GAIN)
    baseline = float((record.baseline or [0] * record.n_sig)[index] or 0)
    data = np.asarray(samples)
    dtype = "<i2" if data.dtype.itemsize <= 2 else "<i4"
    info = ChannelInfo(
        name=str(record.sig_name[index]),
        unit=str((record.units or [""] * record.n_sig)[index] or ""),
        rate=fs * spf,
        n_samples=int(data.shape[0]),
        gain=1.0 / gain,
        offset=-baseline / gain,
        dtype=dtype,
    )
    return Channel(info, data.astype(dtype, copy=False))


def start_time(record: Any) -> datetime | None:
    """The record's start in clock time, when its header gives a date and a time."""
    if record.base_time is None:
        return None
    if record.base_date is None:
        return None
    return datetime.combine(record.base_date, record.base_time)
