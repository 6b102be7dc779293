"""A decoded recording in memory: float32 frames × channels and its sampling rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class AudioClip:
    """Decoded audio: ``samples`` is float32, shape (frames, channels), values in [-1, 1]."""

    samples: npt.NDArray[np.float32]
    rate: int

    @property
    def channels(self) -> int:
        """Number of channels."""
        return int(self.samples.shape[1])

    @property
    def frames(self) -> int:
        """Number of frames (samples per channel)."""
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.rate

    def read(self, start: int, count: int) -> npt.NDArray[np.float32]:
        """Frames ``start .. start + count`` (fewer at the end), shape (n, channels)."""
        start = max(0, min(start, self.frames))
        return self.samples[start : start + max(0, count)]
