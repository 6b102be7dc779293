"""DICOM waveforms (12-lead and other ECGs, EEG, respiration...) read with pydicom.

The first multiplex group that is not a median beat is the record (a 12-lead ECG file
also holds a 1.2 s representative beat, which has no place on the time axis). Samples stay
as stored, with pydicom's scale ``physical = raw × sensitivity × correction + baseline`` in the
channel's sensitivity unit.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from workspace.waveform.record import (
    Channel,
    ChannelInfo,
    RecordHeader,
    SignalFileError,
    SignalRecord,
)

#: Every waveform storage SOP class starts with this (ECG, hemodynamic, EEG, audio...).
WAVEFORM_SOP_PREFIX = "1.2.840.10008.5.1.4.1.1.9."
_SAMPLE_TYPES = {("SS", 16): "<i2", ("US", 16): "<u2", ("SB", 8): "i1", ("UB", 8): "u1"}
_LEAD_PREFIX = re.compile(r"^(lead|ecg lead)\s+", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\s*\(.*\)\s*$")


def _dataset(path: Path, *, pixels: bool) -> Any:
    import pydicom

    try:
        dataset = pydicom.dcmread(str(path), stop_before_pixels=not pixels)
    except Exception as exc:
        raise SignalFileError(f"{path}: is not a readable DICOM file ({exc})") from exc
    if not str(dataset.get("SOPClassUID", "")).startswith(WAVEFORM_SOP_PREFIX):
        raise SignalFileError(f"{path}: is not a DICOM waveform")
    return dataset


def _group(path: Path, dataset: Any) -> tuple[int, Any]:
    """The index and item of the multiplex group to read."""
    groups = list(dataset.get("WaveformSequence") or [])
    for index, group in enumerate(groups):
        if "MEDIAN" not in str(group.get("MultiplexGroupLabel", "")).upper():
            return index, group
    raise SignalFileError(f"{path}: DICOM waveform holds no waveform sequence to read")


def channel_name(definition: Any, number: int) -> str:
    """A channel's label: its ChannelLabel, else its source's meaning as a short lead name
    (``Lead I (Einthoven)`` → ``I``), else ``channel N``."""
    label = str(definition.get("ChannelLabel", "") or "").strip()
    if label:
        return label
    sources = definition.get("ChannelSourceSequence") or []
    meaning = str(sources[0].get("CodeMeaning", "") or "").strip() if sources else ""
    meaning = _PARENTHESIS.sub("", _LEAD_PREFIX.sub("", meaning)).strip()
    return meaning or f"channel {number}"


def _unit(definition: Any) -> str:
    units = definition.get("ChannelSensitivityUnitsSequence") or []
    return str(units[0].get("CodeValue", "") or "").strip() if units else ""


def _float(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if np.isfinite(number) else default


def _channels(path: Path, group: Any) -> list[ChannelInfo]:
    count = int(group.get("NumberOfWaveformChannels") or 0)
    samples = int(group.get("NumberOfWaveformSamples") or 0)
    rate = _float(group.get("SamplingFrequency"), 0.0)
    kind = (str(group.get("WaveformSampleInterpretation", "")), group.get("WaveformBitsAllocated"))
    definitions = list(group.get("ChannelDefinitionSequence") or [])
    if count <= 0 or samples <= 0 or rate <= 0 or len(definitions) != count:
        raise SignalFileError(
            f"{path}: DICOM waveform header is incomplete ({count} channels, {len(definitions)} "
            f"described, {samples} samples, {rate:g} Hz)"
        )
    dtype = _SAMPLE_TYPES.get(kind)
    if dtype is None:
        raise SignalFileError(f"{path}: DICOM waveform sample format {kind} is not supported")
    infos = []
    for number, definition in enumerate(definitions, start=1):
        sensitivity = _float(definition.get("ChannelSensitivity"), 1.0)
        correction = _float(definition.get("ChannelSensitivityCorrectionFactor"), 1.0)
        infos.append(
            ChannelInfo(
                name=channel_name(definition, number),
                unit=_unit(definition),
                rate=rate,
                n_samples=samples,
                gain=sensitivity * correction,
                offset=_float(definition.get("ChannelBaseline"), 0.0),
                dtype=dtype,
            )
        )
    return infos


def start_time(dataset: Any) -> datetime | None:
    """AcquisitionDateTime, else ContentDate + ContentTime, as a clock time (None if absent)."""
    from pydicom.valuerep import DT

    text = str(dataset.get("AcquisitionDateTime", "") or "").strip()
    if not text and dataset.get("ContentDate"):
        text = f"{dataset.ContentDate}{dataset.get('ContentTime', '') or ''}".strip()
    try:
        return datetime.fromisoformat(DT(text).isoformat()) if text else None
    except (ValueError, TypeError):
        return None


def read_dicom_waveform_header(path: Path) -> RecordHeader:
    """The channels and start of a DICOM waveform file (samples are checked, not kept)."""
    dataset = _dataset(path, pixels=True)
    _, group = _group(path, dataset)
    channels = _channels(path, group)
    _samples(path, group, channels)
    sop_class = dataset.SOPClassUID
    return RecordHeader("dicom", channels, start_time(dataset), description=str(sop_class.name))


def _samples(path: Path, group: Any, channels: list[ChannelInfo]) -> np.ndarray:
    dtype = np.dtype(channels[0].dtype)
    count = len(channels) * channels[0].n_samples
    data = group.get("WaveformData")
    found = len(data) if data is not None else 0
    if found < count * dtype.itemsize:
        raise SignalFileError(
            f"{path}: truncated: the waveform data holds {found} bytes, its header needs "
            f"{count * dtype.itemsize}"
        )
    return np.frombuffer(data, dtype=dtype, count=count).reshape(-1, len(channels))


def read_dicom_waveform(path: Path) -> SignalRecord:
    """The channels of a DICOM waveform file's first (non median-beat) multiplex group."""
    dataset = _dataset(path, pixels=True)
    _, group = _group(path, dataset)
    infos = _channels(path, group)
    frames = _samples(path, group, infos)
    channels = [
        Channel(info, np.ascontiguousarray(frames[:, index])) for index, info in enumerate(infos)
    ]
    return SignalRecord("dicom", channels, start_time(dataset))
