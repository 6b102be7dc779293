"""Spectrograms of a stretch of a recording: one short-time spectrum per pixel column (no Qt).

As Praat draws one: a Gaussian-like (here Hann) window around each column's time, its power
spectrum in dB, the strongest value in view black and anything :data:`DYNAMIC_RANGE` dB below it
white (Praat's "autoscaling" with a 70 dB range). Only the columns shown are computed, whatever
the length of the window: a 10-minute view costs the same as a 1-second one (each column then
analyses the ~20 ms around its own time, as a zoomed-out Praat or Audacity view does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Analysis window length in seconds (a "narrow-band"-leaning compromise for speech).
WINDOW_S = 0.016
DYNAMIC_RANGE = 70.0
#: Frequencies above this are not shown (speech lives below it).
MAX_HZ = 8000.0


@dataclass(frozen=True)
class Spectrogram:
    """Grey levels, (bins, columns) uint8, highest frequency first; 0 = loudest (black)."""

    start_s: float
    stop_s: float
    max_hz: float
    levels: npt.NDArray[np.uint8]


def fft_size(rate: int) -> int:
    """A power of two near :data:`WINDOW_S` at ``rate`` (at least 64)."""
    return max(64, 1 << round(math.log2(max(rate * WINDOW_S, 1))))


def spectrogram(
    mono: npt.NDArray[np.float32], rate: int, start_s: float, stop_s: float, columns: int
) -> Spectrogram:
    """The spectrogram of ``mono`` (one channel) from ``start_s`` to ``stop_s`` in ``columns``."""
    size = fft_size(rate)
    columns = max(columns, 1)
    centres = start_s + (np.arange(columns) + 0.5) * ((stop_s - start_s) / columns)
    first = np.round(centres * rate).astype(np.int64) - size // 2
    index = first[:, None] + np.arange(size)[None, :]
    inside = (index >= 0) & (index < len(mono))
    frames = np.where(inside, mono[np.clip(index, 0, max(len(mono) - 1, 0))], 0.0)
    frames = frames.astype(np.float32) * np.hanning(size).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    top_hz = min(MAX_HZ, rate / 2)
    bins = int(top_hz / (rate / size)) + 1
    decibels = 10 * np.log10(power[:, :bins] + 1e-20)
    loudest = float(decibels.max())
    scaled = np.clip((loudest - decibels) / DYNAMIC_RANGE, 0.0, 1.0) * 255
    levels = np.ascontiguousarray(scaled.T[::-1].round().astype(np.uint8))
    return Spectrogram(float(start_s), float(stop_s), (bins - 1) * rate / size, levels)
