"""Filters applied to the samples drawn, never to the samples stored.

High-pass, low-pass (Butterworth) and a 50 or 60 Hz notch, designed as second-order sections
and run forwards and backwards (``sosfiltfilt``: no phase shift) over the window shown plus a
margin each side, so the edges of the window are not distorted by the filter's start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

#: Butterworth order of the high-pass and low-pass filters.
ORDER = 2
#: Quality factor of the notch (bandwidth = frequency / Q).
NOTCH_Q = 30.0
#: Seconds of context read either side of the window (at least; more for slow high-passes).
MARGIN_S = 1.0


@dataclass(frozen=True)
class DisplayFilter:
    """Which filters are on (None: off); frequencies in Hz."""

    highpass: float | None = None
    lowpass: float | None = None
    notch: float | None = None

    @property
    def active(self) -> bool:
        """True when at least one filter is on."""
        return any(f is not None for f in (self.highpass, self.lowpass, self.notch))

    def margin(self, rate: float) -> int:
        """Samples of context to read either side of the window at ``rate`` Hz."""
        seconds = MARGIN_S
        if self.highpass:
            seconds = max(seconds, 3.0 / self.highpass)
        return int(seconds * rate)

    def sections(self, rate: float) -> npt.NDArray[np.float64]:
        """The second-order sections of every active filter that the rate allows, cascaded."""
        from scipy import signal  # a second to import: not at start-up

        nyquist = rate / 2
        parts: list[npt.NDArray[np.float64]] = []
        if self.highpass and 0 < self.highpass < nyquist:
            parts.append(signal.butter(ORDER, self.highpass, "highpass", fs=rate, output="sos"))
        if self.lowpass and 0 < self.lowpass < nyquist:
            parts.append(signal.butter(ORDER, self.lowpass, "lowpass", fs=rate, output="sos"))
        if self.notch and 0 < self.notch < nyquist:
            b, a = signal.iirnotch(self.notch, NOTCH_Q, fs=rate)
            parts.append(signal.tf2sos(b, a))
        return np.concatenate(parts) if parts else np.zeros((0, 6))

    def apply(self, values: npt.NDArray[Any], rate: float) -> npt.NDArray[np.float64]:
        """``values`` filtered (a high-pass keeps the segment's mean, so the trace stays put)."""
        data = np.asarray(values, dtype=np.float64)
        sos = self.sections(rate)
        padding = 3 * (2 * len(sos) + 1)
        if len(sos) == 0 or data.size <= padding:
            return data
        from scipy import signal

        filtered = np.asarray(signal.sosfiltfilt(sos, data), dtype=np.float64)
        if self.highpass:
            filtered += float(np.mean(data))
        return filtered
