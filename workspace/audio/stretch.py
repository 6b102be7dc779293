"""Time-stretch for playback at 0.5–2× with the pitch kept, block by block.

WSOLA (waveform-similarity overlap-add, Verhelst & Roelands 1993) from ``audiotsm``: each
output frame is a window of the input taken ``speed`` times further on, shifted by up to a
tolerance to the place most similar to what was just written, so periods line up and the
pitch stays. It is streaming: push input blocks, take what is ready; :meth:`reset` after a
seek. About 20 ms of output per second of speech-rate audio on one core, so it keeps up live.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

MIN_SPEED = 0.5
MAX_SPEED = 2.0


def check_speed(speed: float) -> float:
    """``speed`` if it is within the playback range, else a ValueError that says the range."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"playback speed {speed:g}× is outside {MIN_SPEED:g}–{MAX_SPEED:g}×")
    return float(speed)


class _Collector:
    """An ``audiotsm`` writer that keeps what it is given (channels × frames blocks)."""

    def __init__(self, channels: int) -> None:
        self.channels = channels
        self.blocks: list[npt.NDArray[np.float32]] = []

    def write(self, buffer: npt.NDArray[Any]) -> int:
        self.blocks.append(np.array(buffer, dtype=np.float32))
        return int(buffer.shape[1])

    def take(self) -> npt.NDArray[np.float32]:
        """Everything written since the last take, as (frames, channels)."""
        if not self.blocks:
            return np.zeros((0, self.channels), dtype=np.float32)
        out = np.concatenate(self.blocks, axis=1).T
        self.blocks.clear()
        return np.ascontiguousarray(out)


class TimeStretcher:
    """Streaming WSOLA for ``channels`` channels at ``speed`` (output = input / speed long)."""

    def __init__(self, channels: int, speed: float = 1.0) -> None:
        from audiotsm import wsola

        self.channels = channels
        self.speed = check_speed(speed)
        self._tsm = wsola(channels, speed=self.speed)
        self._out = _Collector(channels)

    def set_speed(self, speed: float) -> None:
        """Change the speed from the next input on."""
        self.speed = check_speed(speed)
        self._tsm.set_speed(self.speed)

    def reset(self) -> None:
        """Forget buffered input and output (after a seek)."""
        self._tsm.clear()
        self._out.blocks.clear()

    def process(self, block: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Push ``block`` (frames, channels); return the output ready so far (frames, channels)."""
        from audiotsm.io.array import ArrayReader

        reader = ArrayReader(np.ascontiguousarray(block.T, dtype=np.float32))
        finished = False
        while not (finished and reader.empty):
            self._tsm.read_from(reader)
            _, finished = self._tsm.write_to(self._out)
        return self._out.take()

    def flush(self) -> npt.NDArray[np.float32]:
        """The output still buffered once the input has ended; the stretcher is then reset."""
        finished = False
        while not finished:
            _, finished = self._tsm.flush_to(self._out)
        out = self._out.take()
        self.reset()
        return out
