"""The playhead, read off the audio clock rather than counted by a timer.

A sound device reports, for each block it asks for, when the block's first frame will reach
the speaker (PortAudio's ``outputBufferDacTime``, on the stream's clock). The player tells the
:class:`PlayheadClock` that time together with the block's place in the source
(:class:`~workspace.audio.render.RenderedBlock`); the playhead at any moment ``now`` on the
same clock is then the source frame being heard:
``source_start + (now − dac_time) × rate × step`` for the last block already started. Nothing
is summed over time, so it cannot drift: its error is the device's own timing report, whatever
the length of the recording. A timer that adds 1/30 s per tick drifts by every late tick.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class _Block:
    dac_time: float
    source_start: float
    step: float
    frames: int


class PlayheadClock:
    """Source position heard at a time on the audio clock (see the module docstring).

    :meth:`add_block` is called from the audio thread, :meth:`position` from the GUI thread.
    """

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._blocks: deque[_Block] = deque()
        self._lock = threading.Lock()

    def add_block(self, dac_time: float, source_start: float, step: float, frames: int) -> None:
        """The block whose first frame is heard at ``dac_time``: ``frames`` output frames of
        sound starting at source frame ``source_start``, each ``step`` source frames on."""
        with self._lock:
            self._blocks.append(_Block(dac_time, source_start, step, frames))

    def clear(self) -> None:
        """Forget every block (stop, seek)."""
        with self._lock:
            self._blocks.clear()

    def position(self, now: float) -> float | None:
        """Source frame (unwrapped) heard at ``now``; None before any block was added."""
        with self._lock:
            while len(self._blocks) > 1 and self._blocks[1].dac_time <= now:
                self._blocks.popleft()
            if not self._blocks:
                return None
            block = self._blocks[0]
        elapsed = min(max(0.0, (now - block.dac_time) * self.rate), float(block.frames))
        return block.source_start + elapsed * block.step
