"""Opening a waveform item off the GUI thread: its channels on one clock and their pyramid.

The pyramid wants one array of channels × samples, so channels recorded at a lower rate than
the fastest one are brought onto its clock by repeating each sample (nearest preceding
sample: exact values, no invented detail) and shorter channels are padded with their last
value. Samples stay in their stored type (``int16`` mostly); :class:`LoadedRecord` keeps each
channel's scale to physical units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from viewers.jobs import JobCancelledError, JobContext
from workspace.waveform.kinds import record_type
from workspace.waveform.pyramid import BuildCancelledError, LodPyramid
from workspace.waveform.record import SignalRecord
from workspace.workspace import Workspace

#: Pyramid progress is reported in this many steps.
STEPS = 1000


@dataclass(frozen=True)
class LoadedRecord:
    """A record ready to draw: the pyramid of its channels on one clock, and what they mean."""

    pyramid: LodPyramid
    rate: float
    names: list[str]
    units: list[str]
    gains: list[float]
    offsets: list[float]
    start_time: datetime | None
    record_type: str

    @property
    def sample_count(self) -> int:
        """Samples per channel on the common clock."""
        return self.pyramid.sample_count

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.sample_count / self.rate if self.rate > 0 else 0.0

    def to_raw(self, channel: int, value: float) -> float:
        """A physical value of ``channel`` in its stored units."""
        gain = self.gains[channel] or 1.0
        return (value - self.offsets[channel]) / gain

    def to_physical(self, channel: int, raw: float) -> float:
        """A stored value of ``channel`` in its physical unit."""
        return raw * self.gains[channel] + self.offsets[channel]


def common_clock(record: SignalRecord) -> tuple[np.ndarray, float]:
    """The record's channels as one (channels, samples) array at the fastest channel's rate."""
    rate = max((c.rate for c in record.channels), default=0.0)
    if rate <= 0:
        return np.zeros((len(record.channels), 0), dtype=np.int16), 1.0
    count = max(round(c.samples.size * rate / c.rate) for c in record.channels)
    dtype = np.result_type(*(c.samples.dtype for c in record.channels))
    stacked = np.empty((len(record.channels), count), dtype=dtype)
    for row, channel in enumerate(record.channels):
        samples = channel.samples
        if channel.rate == rate and samples.size == count:
            stacked[row] = samples
            continue
        index = (np.arange(count) * (channel.rate / rate)).astype(np.int64)
        np.minimum(index, max(samples.size - 1, 0), out=index)
        stacked[row] = samples[index] if samples.size else 0
    return stacked, rate


def load_record(
    workspace: Workspace, item_id: str, progress: Callable[[float], bool] | None = None
) -> LoadedRecord:
    """Read the item's stored channels and build their pyramid (raises BuildCancelledError)."""
    record = workspace.load_signals(item_id)
    samples, rate = common_clock(record)
    pyramid = LodPyramid.build(samples, progress=progress)
    names = record.names
    return LoadedRecord(
        pyramid=pyramid,
        rate=rate,
        names=names,
        units=[c.unit for c in record.channels],
        gains=[c.info.gain for c in record.channels],
        offsets=[c.info.offset for c in record.channels],
        start_time=record.start_time,
        record_type=record_type(names),
    )


def load_job(workspace: Workspace, item_id: str) -> Callable[[JobContext], LoadedRecord]:
    """A job function opening the item (cancellable while the pyramid is built)."""

    def run(context: JobContext) -> LoadedRecord:
        context.stage("Reading the signals…")
        context.progress(0, 0)
        samples_read = False

        def report(fraction: float) -> bool:
            nonlocal samples_read
            if not samples_read:
                context.stage("Building the overview…")
                samples_read = True
            context.progress(round(fraction * STEPS), STEPS)
            return not context.cancelled()

        try:
            return load_record(workspace, item_id, report)
        except BuildCancelledError:
            raise JobCancelledError from None

    return run
