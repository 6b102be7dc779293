"""Playing recordings through the sound device (``sounddevice`` / PortAudio).

The :class:`Player` renders blocks with :class:`~workspace.audio.render.PlaybackRenderer` inside
PortAudio's callback (range, loop, 0.5–2× speed with the pitch kept, backward) and reads its
playhead off the audio clock: each block is registered with the time PortAudio says its first
frame reaches the speaker (:class:`~workspace.audio.clock.PlayheadClock`), and a ~30 Hz timer
only *asks* the clock where the playhead is at ``stream.time`` — it counts nothing itself, so the
playhead cannot drift from the sound however long the recording.

With no sound device (none found, PortAudio missing, the device refusing the stream) the
player says so once through :attr:`Player.error` and stays stopped: never an exception.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from workspace.audio.clock import PlayheadClock
from workspace.audio.render import PlaybackRenderer
from workspace.audio.source import FrameSource
from workspace.audio.stretch import check_speed
from workspace.errors import WorkspaceError

#: Playhead updates per second while playing.
POSITION_HZ = 30
NO_DEVICE = (
    "No sound output device was found, so the recording cannot be played "
    "(it can still be viewed and annotated)."
)


class Player(QObject):
    """Transport of one recording: play a range, pause, stop, seek, loop, speed, direction.

    Positions are seconds from the start of the recording. Signals: ``position_changed``
    (~30 Hz while playing, and on seek/stop), ``state_changed`` (``"playing"``, ``"paused"``,
    ``"stopped"``), ``finished`` (a range played to its end), ``error`` (one sentence).
    """

    position_changed = Signal(float)
    state_changed = Signal(str)
    finished = Signal()
    error = Signal(str)

    def __init__(
        self,
        source: FrameSource,
        parent: QObject | None = None,
        *,
        device: int | str | None = None,
        blocksize: int = 1024,
        latency: float | str = "high",
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.device = device
        self.blocksize = blocksize
        self.latency = latency
        self._state = "stopped"
        self._position = 0.0  # seconds, while not playing
        self._range: tuple[int, int] = (0, source.frames)
        self._loop = False
        self._speed = 1.0
        self._direction = 1
        self._stream: Any = None
        self._renderer: PlaybackRenderer | None = None
        self._clock = PlayheadClock(source.rate)
        self._ended = threading.Event()  # set on the audio thread when the stream ends
        self._failure: str | None = None  # set on the audio thread
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000 / POSITION_HZ))
        self._timer.timeout.connect(self._tick)

    # ---------------------------------------------------------------- properties
    @property
    def state(self) -> str:
        """``"playing"``, ``"paused"`` or ``"stopped"``."""
        return self._state

    @property
    def speed(self) -> float:
        """Playback speed, 0.5–2 (1 = as recorded)."""
        return self._speed

    @property
    def direction(self) -> int:
        """1 forward, -1 backward."""
        return self._direction

    @property
    def loop(self) -> bool:
        """Whether the range repeats."""
        return self._loop

    @property
    def duration(self) -> float:
        """Length of the recording in seconds."""
        return self.source.frames / self.source.rate

    def position(self) -> float:
        """The playhead in seconds: while playing, the frame being heard (audio clock)."""
        if self._state == "playing" and self._stream is not None and self._renderer is not None:
            heard = self._clock.position(self._stream_time())
            if heard is not None:
                return self._renderer.wrap(heard) / self.source.rate
        return self._position

    # ---------------------------------------------------------------- transport
    def play(self, start: float | None = None, end: float | None = None) -> bool:
        """Play ``start .. end`` seconds (default: from the playhead to the end, or the range
        last played when resuming). Returns False (and emits ``error``) if nothing can play."""
        rate = self.source.rate
        if start is not None or end is not None:
            first = round((start if start is not None else 0.0) * rate)
            last = round((end if end is not None else self.duration) * rate)
            self._range = (max(0, min(first, last)), min(self.source.frames, max(first, last)))
            self._position = (self._range[0] if self._direction > 0 else self._range[1]) / rate
        # a playhead outside the range (a range played to its end) plays the range again
        return self._start()

    def pause(self) -> None:
        """Stop the sound and keep the playhead where it is."""
        if self._state == "playing":
            self._halt("paused")

    def toggle(self) -> None:
        """Pause when playing, else play on from the playhead."""
        if self._state == "playing":
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        """Stop the sound; the playhead goes back to the start of the range."""
        if self._state == "playing":
            self._halt("stopped")
        self._state = "stopped"
        first, last = self._range
        self._position = (first if self._direction > 0 else last) / self.source.rate
        self.position_changed.emit(self._position)
        self.state_changed.emit("stopped")

    def seek(self, seconds: float) -> None:
        """Move the playhead (playing on from there if playing)."""
        seconds = min(max(0.0, seconds), self.duration)
        if not self._inside_range(seconds):
            self._range = (0, self.source.frames)
        self._position = seconds
        if self._state == "playing":
            self._halt("paused", announce=False)
            self._position = seconds
            self._start()
        else:
            self.position_changed.emit(seconds)

    def set_loop(self, loop: bool) -> None:
        """Repeat the range (from the next play or seek)."""
        self._loop = loop
        if self._renderer is not None:
            self._restart_if_playing()

    def set_speed(self, speed: float) -> None:
        """Playback speed 0.5–2× with the pitch kept; a ValueError outside that range."""
        self._speed = check_speed(speed)
        self._restart_if_playing()

    def set_direction(self, direction: int) -> None:
        """1 to play forward, -1 backward."""
        if direction not in (1, -1):
            raise ValueError("direction is 1 (forward) or -1 (backward)")
        self._direction = direction
        self._restart_if_playing()

    # ---------------------------------------------------------------- internals
    def _inside_range(self, seconds: float) -> bool:
        frame = seconds * self.source.rate
        first, last = self._range
        return first <= frame <= last and (frame < last if self._direction > 0 else frame > first)

    def _restart_if_playing(self) -> None:
        if self._state == "playing":
            self._position = self.position()
            self._halt("paused", announce=False)
            self._start()

    def _stream_time(self) -> float:
        try:
            return float(self._stream.time)
        except Exception:  # noqa: BLE001 - a closed or failed stream has no time
            return 0.0

    def _start(self) -> bool:
        first, last = self._range
        frame = round(self._position * self.source.rate)
        if not self._inside_range(self._position):
            frame = first if self._direction > 0 else last
        try:
            renderer = PlaybackRenderer(
                self.source,
                first,
                last,
                speed=self._speed,
                direction=self._direction,
                loop=self._loop,
                position=frame,
            )
        except ValueError as exc:
            self.error.emit(f"Nothing to play: {exc}.")
            return False
        stream = self._open_stream()
        if stream is None:
            return False
        self._renderer = renderer
        self._clock.clear()
        self._ended.clear()
        self._failure = None
        self._stream = stream
        try:
            stream.start()
        except Exception as exc:  # noqa: BLE001 - PortAudio errors vary by host API
            self._close_stream()
            self.error.emit(f"The sound device could not start playing ({exc}).")
            return False
        self._state = "playing"
        self._timer.start()
        self.state_changed.emit("playing")
        return True

    def _open_stream(self) -> Any:
        """A PortAudio output stream for this recording, or None after emitting ``error``."""
        try:
            import sounddevice
        except OSError:
            self.error.emit(NO_DEVICE + " (The PortAudio library is not installed.)")
            return None
        try:
            if not any(d["max_output_channels"] > 0 for d in sounddevice.query_devices()):
                self.error.emit(NO_DEVICE)
                return None
            return sounddevice.OutputStream(
                samplerate=self.source.rate,
                channels=self.source.channels,
                dtype="float32",
                blocksize=self.blocksize,
                latency=self.latency,
                device=self.device,
                callback=self._callback,
                finished_callback=self._ended.set,
            )
        except (sounddevice.PortAudioError, ValueError) as exc:
            self.error.emit(f"The sound device cannot play this recording ({exc}).")
            return None

    def _callback(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
        """PortAudio's audio thread: render the next block and register it with the clock."""
        import sounddevice

        renderer = self._renderer
        if renderer is None:
            outdata.fill(0)
            raise sounddevice.CallbackStop
        try:
            block = renderer.next_block(frames)
        except Exception as exc:  # noqa: BLE001 - reported on the GUI thread by _tick
            outdata.fill(0)
            self._failure = str(exc) if isinstance(exc, WorkspaceError) else repr(exc)
            raise sounddevice.CallbackAbort from None
        outdata[:] = block.samples
        dac_time = time.outputBufferDacTime or time.currentTime
        self._clock.add_block(dac_time, block.source_start, block.step, block.played)
        if block.finished:
            raise sounddevice.CallbackStop

    def _tick(self) -> None:
        """GUI thread, ~30 Hz: publish the playhead; notice the end of the range or a failure."""
        if self._state != "playing":
            self._timer.stop()
            return
        if self._failure is not None:
            message = self._failure
            self._halt("stopped")
            self.error.emit(f"Playback stopped: {message}")
            return
        if self._ended.is_set():
            self._finish()
            return
        self.position_changed.emit(self.position())

    def _finish(self) -> None:
        """The range has been played to its end (the stream drained)."""
        end = self._range[1] if self._direction > 0 else self._range[0]
        self._close_stream()
        self._renderer = None
        self._timer.stop()
        self._state = "stopped"
        self._position = end / self.source.rate
        self.position_changed.emit(self._position)
        self.state_changed.emit("stopped")
        self.finished.emit()

    def _halt(self, state: str, *, announce: bool = True) -> None:
        """Stop the sound now, keeping the playhead where it is heard."""
        self._position = self.position()
        self._close_stream()
        self._renderer = None
        self._timer.stop()
        self._state = state
        if announce:
            self.position_changed.emit(self._position)
            self.state_changed.emit(state)

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception:  # noqa: BLE001, S110 - closing a failed stream may fail again
                pass

    def close(self) -> None:
        """Stop and release the sound device (call before dropping the player)."""
        if self._state == "playing":
            self._halt("stopped", announce=False)
        self._close_stream()
