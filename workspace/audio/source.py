"""Stored recordings opened for reading: the header at once, frames on demand.

An item's audio file is kept as it was imported (WAV, FLAC, OGG Vorbis/Opus), sealed in the
blob store. :func:`open_stored_audio` reads it through :class:`~workspace.audio.blob_file.BlobFile`
with libsndfile, so opening costs the header only, whatever the length (an hour opens in
milliseconds); :meth:`AudioSource.read` decodes any stretch on demand (seeking in FLAC and Ogg
as libsndfile does), and :meth:`AudioSource.decode` decodes the whole recording block by block,
reporting progress and stopping when cancelled — the job a viewer runs off the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from storage.blobs import BlobStore
from workspace.audio.blob_file import BlobFile
from workspace.audio.clip import AudioClip
from workspace.audio.errors import AudioReadError

if TYPE_CHECKING:
    import soundfile

#: Frames decoded per step of :meth:`AudioSource.decode` (about 1.5 s at 44.1 kHz).
DECODE_BLOCK = 65536


class FrameSource(Protocol):
    """What playback reads from: an :class:`AudioSource` or a decoded :class:`AudioClip`."""

    @property
    def rate(self) -> int:
        """Frames per second."""
        ...

    @property
    def channels(self) -> int:
        """Number of channels."""
        ...

    @property
    def frames(self) -> int:
        """Number of frames."""
        ...

    def read(self, start: int, count: int) -> npt.NDArray[np.float32]:
        """Frames ``start .. start + count`` (fewer at the end), shape (n, channels)."""
        ...


class AudioSource:
    """A stored recording open for reading; use as a context manager or :meth:`close` it.

    Reads are serialised by a lock, so a player and a decoding job may share one source.
    """

    def __init__(self, handle: BlobFile, sound: soundfile.SoundFile, name: str) -> None:
        self._handle = handle
        self._sound = sound
        self._name = name
        self._lock = threading.Lock()
        self.rate = int(sound.samplerate)
        self.channels = int(sound.channels)
        self.frames = int(sound.frames)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.rate

    def __enter__(self) -> AudioSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the decoder and the blob reader."""
        with self._lock:
            self._sound.close()
            self._handle.close()

    def read(self, start: int, count: int) -> npt.NDArray[np.float32]:
        """Frames ``start .. start + count`` (fewer at the end), float32 (n, channels)."""
        start = max(0, min(start, self.frames))
        count = max(0, min(count, self.frames - start))
        with self._lock:
            try:
                if self._sound.tell() != start:
                    self._sound.seek(start)
                data = self._sound.read(count, dtype="float32", always_2d=True)
            except (RuntimeError, ValueError) as exc:
                self._raise_stored_error()
                raise AudioReadError(
                    f"{self._name}: the stored recording cannot be decoded at "
                    f"{start / self.rate:.3f} s ({_reason(exc)})."
                ) from None
            self._raise_stored_error()
        if len(data) < count:
            raise AudioReadError(
                f"{self._name}: the stored recording ends at {(start + len(data)) / self.rate:.3f}"
                f" s, before the {self.duration:.3f} s its header announces (damaged)."
            )
        return np.asarray(data, dtype=np.float32)

    def decode(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        block: int = DECODE_BLOCK,
    ) -> AudioClip | None:
        """The whole recording in memory, or None if ``cancelled`` turned true part way.

        ``progress(done, total)`` is called with frame counts after each block.
        """
        samples = np.empty((self.frames, self.channels), dtype=np.float32)
        for start in range(0, self.frames, block):
            if cancelled is not None and cancelled():
                return None
            chunk = self.read(start, block)
            samples[start : start + len(chunk)] = chunk
            if progress is not None:
                progress(start + len(chunk), self.frames)
        return AudioClip(samples, self.rate)

    def _raise_stored_error(self) -> None:
        if self._handle.error is not None:
            raise self._handle.error


def _reason(exc: Exception) -> str:
    text = getattr(exc, "error_string", None) or str(exc)
    return text.split(": ")[-1].rstrip(".")


def open_stored_audio(blobs: BlobStore, digest: str, name: str = "recording") -> AudioSource:
    """Open the stored audio file ``digest`` (an audio item's file) for reading.

    Raises :class:`AudioReadError` if libsndfile cannot read it, and the store's own error if
    the blob is missing or fails its integrity check. ``name`` names it in messages.
    """
    import soundfile

    handle = BlobFile(blobs.open(digest))
    try:
        sound = soundfile.SoundFile(handle, mode="r")
    except (RuntimeError, ValueError) as exc:
        handle.close()
        if handle.error is not None:
            raise handle.error from None
        raise AudioReadError(
            f"{name}: the stored recording is not readable audio ({_reason(exc)})."
        ) from None
    if sound.frames <= 0 or sound.samplerate <= 0:
        sound.close()
        handle.close()
        raise AudioReadError(f"{name}: the stored recording contains no audio.")
    return AudioSource(handle, sound, name)
