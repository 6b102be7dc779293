"""Playback rendering: the output blocks a sound device asks for, from a range of a recording.

A :class:`PlaybackRenderer` plays ``start .. end`` (frames) of a :class:`FrameSource` forward or
backward, once or looping, at 0.5–2× speed with the pitch kept (:class:`TimeStretcher`; at 1×
the samples pass through untouched, so what is played is exactly the selection). Each
:class:`RenderedBlock` says which source frame its first frame is and how far each output frame
moves in the source, which is what the playhead clock needs.

Positions are counted from the *anchor* (where playing last started, or the speed changed):
``anchor + direction × frames read`` is "unwrapped" — past ``end`` while looping — and
:meth:`PlaybackRenderer.wrap` folds it back into the range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workspace.audio.source import FrameSource
from workspace.audio.stretch import TimeStretcher, check_speed

#: Source frames read at a time while rendering.
READ_BLOCK = 4096
#: Silence fed after the end of a range so the stretcher gives out its last window.
STRETCH_TAIL = 4096


@dataclass(frozen=True)
class RenderedBlock:
    """``samples`` (frames, channels), zero after the range ended; ``played`` frames are sound.

    Output frame ``k < played`` is heard as source frame ``source_start + k × step``
    (unwrapped; see :meth:`PlaybackRenderer.wrap`). ``finished``: nothing follows this block.
    """

    samples: npt.NDArray[np.float32]
    source_start: float
    step: float
    played: int
    finished: bool


class PlaybackRenderer:
    """Renders ``start .. end`` of ``source`` (see the module docstring)."""

    def __init__(
        self,
        source: FrameSource,
        start: int,
        end: int,
        *,
        speed: float = 1.0,
        direction: int = 1,
        loop: bool = False,
        position: int | None = None,
    ) -> None:
        if direction not in (1, -1):
            raise ValueError("direction is 1 (forward) or -1 (backward)")
        self.source = source
        self.start = max(0, min(int(start), source.frames))
        self.end = max(self.start, min(int(end), source.frames))
        if self.end == self.start:
            raise ValueError("nothing to play: the range is empty")
        self.direction = direction
        self.loop = loop
        self.speed = check_speed(speed)
        self._stretcher: TimeStretcher | None = None
        first = position if position is not None else (self.start if direction > 0 else self.end)
        self._restart(float(first))

    # ---------------------------------------------------------------- state
    def _restart(self, position: float) -> None:
        """Start reading afresh at ``position`` (a seek or a speed change)."""
        self._anchor = float(min(max(position, self.start), self.end))
        self._read = 0  # source frames read since the anchor
        self._emitted = 0  # output frames given out since the anchor
        self._pending = np.zeros((0, self.source.channels), dtype=np.float32)
        self._input_done = False
        if self.speed == 1.0:
            self._stretcher = None
        elif self._stretcher is None:
            self._stretcher = TimeStretcher(self.source.channels, self.speed)
        else:
            self._stretcher.reset()
            self._stretcher.set_speed(self.speed)

    @property
    def position(self) -> float:
        """Source frame (unwrapped) of the next output frame."""
        return self._anchor + self.direction * self._emitted * self.speed

    def set_speed(self, speed: float) -> None:
        """Play on at ``speed`` from the next block (the stretcher restarts there)."""
        speed = check_speed(speed)
        if speed != self.speed:
            position = self.wrap(self.position)
            self.speed = speed
            self._restart(position)

    def seek(self, position: float) -> None:
        """Play on from ``position`` (clamped into the range)."""
        self._restart(position)

    def wrap(self, position: float) -> float:
        """An unwrapped position folded into ``start .. end`` (looping), or clamped to it."""
        if self.loop:
            length = self.end - self.start
            return self.start + (position - self.start) % length
        return min(max(position, self.start), self.end)

    # ---------------------------------------------------------------- rendering
    def _remaining_input(self) -> int | None:
        """Source frames left before the range ends (None while looping)."""
        if self.loop:
            return None
        if self.direction > 0:
            return round(self.end - self._anchor) - self._read
        return round(self._anchor - self.start) - self._read

    def _remaining_output(self) -> int | None:
        if self.loop:
            return None
        total = round(self.end - self._anchor if self.direction > 0 else self._anchor - self.start)
        return max(0, round(total / self.speed) - self._emitted)

    def _read_next(self) -> npt.NDArray[np.float32]:
        """The next source frames in playing order (reversed when playing backward)."""
        count = READ_BLOCK
        remaining = self._remaining_input()
        if remaining is not None:
            count = min(count, remaining)
        here = self.wrap(self._anchor + self.direction * self._read)
        if self.direction > 0:
            if self.loop and here >= self.end:
                here = self.start
            first = round(here)
            count = min(count, self.end - first)
            block = self.source.read(first, count)
        else:
            if self.loop and here <= self.start:
                here = self.end
            last = round(here)
            count = min(count, last - self.start)
            block = self.source.read(last - count, count)[::-1]
        self._read += len(block)
        return np.asarray(block, dtype=np.float32)

    def _fill(self, wanted: int) -> None:
        parts = [self._pending]
        have = len(self._pending)
        while have < wanted and not self._input_done:
            remaining = self._remaining_input()
            if remaining is not None and remaining <= 0:
                self._input_done = True
                if self._stretcher is not None:
                    silence = np.zeros((STRETCH_TAIL, self.source.channels), dtype=np.float32)
                    parts.append(self._stretcher.process(silence))
                    parts.append(self._stretcher.flush())
                break
            block = self._read_next()
            if len(block) == 0:
                self._input_done = True
                break
            out = block if self._stretcher is None else self._stretcher.process(block)
            parts.append(out)
            have += len(out)
        self._pending = np.concatenate(parts) if len(parts) > 1 else self._pending
        limit = self._remaining_output()
        if limit is not None and len(self._pending) > limit:
            self._pending = self._pending[:limit]

    def next_block(self, frames: int) -> RenderedBlock:
        """The next ``frames`` output frames (zero-padded once the range has ended)."""
        source_start = self.position
        self._fill(frames)
        played = min(frames, len(self._pending))
        samples = np.zeros((frames, self.source.channels), dtype=np.float32)
        samples[:played] = self._pending[:played]
        self._pending = self._pending[played:]
        self._emitted += played
        finished = self._input_done and len(self._pending) == 0
        if self._remaining_output() == 0:
            finished = True
        return RenderedBlock(samples, source_start, self.direction * self.speed, played, finished)
