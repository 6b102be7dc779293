"""A record's channels seen through a montage, computed on the fly from the window shown.

:class:`MontageChannels` answers the questions the trace view asks of a pyramid (envelopes of
the window's columns, the samples of a channel) for the montage's derived channels, in
physical units: it reads the record's stored samples of the window, scales them and takes the
differences. Beyond :data:`PER_COLUMN` samples per pixel column (minutes on screen) it reads
every n-th sample, so the envelope of a long window is close but may miss the narrowest peaks.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from viewers.waveform.loader import LoadedRecord
from workspace.waveform.montage import Montage
from workspace.waveform.pyramid import LodPyramid, Samples

#: Most samples per channel and pixel column read to draw a window's envelopes.
PER_COLUMN = 64


class MontageChannels(LodPyramid):
    """The derived channels of ``montage`` over ``record`` (a pyramid without levels)."""

    def __init__(self, record: LoadedRecord, montage: Montage) -> None:
        super().__init__(record.pyramid.samples, [], record.pyramid.factor)
        self.record = record
        self.montage = montage

    @property
    def channel_count(self) -> int:
        """Number of derived channels."""
        return len(self.montage.derivations)

    @property
    def sample_count(self) -> int:
        """Samples per channel."""
        return int(self.samples.shape[1])

    def derived(
        self, start: int, stop: int, step: int = 1, channels: Sequence[int] | None = None
    ) -> npt.NDArray[np.float64]:
        """Derived ``channels`` (all by default) over ``[start, stop)``, every ``step``-th
        sample, in physical units."""
        rows = range(self.channel_count) if channels is None else channels
        span = slice(max(start, 0), min(stop, self.sample_count), step)
        count = len(range(*span.indices(self.sample_count)))
        out = np.empty((len(rows), count), dtype=np.float64)
        for row, channel in enumerate(rows):
            derivation = self.montage.derivations[channel]
            out[row] = self._physical(derivation.plus, span)
            if derivation.minus is not None:
                out[row] -= self._physical(derivation.minus, span)
        return out

    def _physical(self, channel: int, span: slice) -> npt.NDArray[np.float64]:
        values = self.samples[channel, span].astype(np.float64)
        values *= self.record.gains[channel] or 1.0
        values += self.record.offsets[channel]
        return values

    def envelopes_at(
        self, edges: npt.NDArray[np.int64], channels: Sequence[int] | None = None
    ) -> tuple[Samples, Samples]:
        """Min and max of the derived channels over each ``[edges[i], edges[i + 1])``."""
        edges = np.asarray(edges, dtype=np.int64)
        first, last = int(edges[0]), int(edges[-1])
        step = max(math.ceil((last - first) / (PER_COLUMN * (edges.size - 1))), 1)
        values = self.derived(first, last, step, channels)
        offsets = np.minimum((edges[:-1] - first) // step, max(values.shape[1] - 1, 0))
        return np.minimum.reduceat(values, offsets, axis=1), np.maximum.reduceat(
            values, offsets, axis=1
        )

    def samples_between(self, channel: int, start: int, stop: int) -> Samples:
        """The derived samples of one channel in ``[start, stop)`` (clipped to the record)."""
        return self.derived(start, max(start, stop), 1, [channel])[0]


def montage_record(record: LoadedRecord, montage: Montage) -> LoadedRecord:
    """``record`` as the montage's derived channels (physical values: gain 1, offset 0)."""
    channels = MontageChannels(record, montage)
    units = [record.units[d.plus] for d in montage.derivations]
    count = channels.channel_count
    return dataclasses.replace(
        record,
        pyramid=channels,
        names=[d.name for d in montage.derivations],
        units=units,
        gains=[1.0] * count,
        offsets=[0.0] * count,
    )
