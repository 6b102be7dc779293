"""A signal record in memory: channels of stored samples with their scale, rate and unit.

Samples are kept as the file stored them (``int16`` for EDF, WFDB format 16 and DICOM,
``int32`` for BDF's 24 bits, ``float32`` for a CSV of decimals) with a linear scale to
physical values, ``physical = samples * gain + offset``. A 24 h × 12 lead × 500 Hz ECG is
then ~1 GB in memory instead of the 4 GB of ``float64``; :meth:`Channel.physical` converts
only the span asked for, to ``float32``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.errors import WorkspaceError

#: ``(onset_s, duration_s, text)``: an annotation read from the file (EDF+), 0 duration for
#: an instant.
FileAnnotation = tuple[float, float, str]


class SignalFileError(WorkspaceError):
    """A signal file that cannot be read as the format it claims (the message says why)."""


@dataclass(frozen=True)
class ChannelInfo:
    """One channel as a file header describes it, before any sample is read."""

    name: str
    unit: str
    rate: float
    n_samples: int
    gain: float = 1.0
    offset: float = 0.0
    dtype: str = "<i2"

    @property
    def duration_s(self) -> float:
        """Length of the channel in seconds."""
        return self.n_samples / self.rate if self.rate > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """The channel description as JSON-ready values."""
        return {
            "name": self.name,
            "unit": self.unit,
            "rate": self.rate,
            "n_samples": self.n_samples,
            "gain": self.gain,
            "offset": self.offset,
            "dtype": self.dtype,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChannelInfo:
        """The channel :meth:`to_json` described."""
        return cls(
            name=str(data["name"]),
            unit=str(data["unit"]),
            rate=float(data["rate"]),
            n_samples=int(data["n_samples"]),
            gain=float(data["gain"]),
            offset=float(data["offset"]),
            dtype=str(data["dtype"]),
        )


@dataclass
class RecordHeader:
    """What a file says about its record without reading the samples (the importer's view)."""

    file_format: str
    channels: list[ChannelInfo]
    start_time: datetime | None = None
    annotations: list[FileAnnotation] = field(default_factory=list)
    #: A SOP class name, a recording description... shown beside the title (may be "").
    description: str = ""

    @property
    def duration_s(self) -> float:
        """Length of the longest channel in seconds."""
        return max((c.duration_s for c in self.channels), default=0.0)


@dataclass
class Channel:
    """One channel's samples (in their stored type) and what they mean."""

    info: ChannelInfo
    samples: npt.NDArray[Any]

    @property
    def name(self) -> str:
        """Signal name, e.g. ``II`` or ``EEG Fpz-Cz``."""
        return self.info.name

    @property
    def unit(self) -> str:
        """Physical unit, e.g. ``mV`` (may be empty)."""
        return self.info.unit

    @property
    def rate(self) -> float:
        """Samples per second."""
        return self.info.rate

    def physical(self, start: int = 0, stop: int | None = None) -> npt.NDArray[np.float32]:
        """Samples ``start:stop`` in the channel's unit, as ``float32``."""
        part = self.samples[start:stop].astype(np.float32)
        if self.info.gain != 1.0:
            part *= np.float32(self.info.gain)
        if self.info.offset != 0.0:
            part += np.float32(self.info.offset)
        return part


@dataclass
class SignalRecord:
    """A record's channels (each with its own rate) and where it sits in clock time."""

    file_format: str
    channels: list[Channel]
    start_time: datetime | None = None
    annotations: list[FileAnnotation] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The channel names, in order."""
        return [c.name for c in self.channels]

    @property
    def duration_s(self) -> float:
        """Length of the longest channel in seconds."""
        return max((c.info.duration_s for c in self.channels), default=0.0)

    @property
    def nbytes(self) -> int:
        """Memory held by the samples."""
        return sum(c.samples.nbytes for c in self.channels)

    def channel(self, name: str) -> Channel:
        """The channel called ``name`` (KeyError if there is none)."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(name)

    def header(self) -> RecordHeader:
        """The record's description without its samples."""
        return RecordHeader(
            self.file_format,
            [c.info for c in self.channels],
            self.start_time,
            list(self.annotations),
        )


def smallest_int_dtype(low: int, high: int) -> str:
    """``<i2`` when ``low..high`` fits 16 bits, else ``<i4`` (little-endian, as stored)."""
    return "<i2" if low >= -(1 << 15) and high < (1 << 15) else "<i4"
