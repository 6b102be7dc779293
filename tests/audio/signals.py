"""Generated test audio: tones and noise written with soundfile, and their frequency."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt


def tone(
    seconds: float, rate: int, hz: float = 440.0, channels: int = 1
) -> npt.NDArray[np.float32]:
    """A sine at ``hz`` (one column per channel, the second a fifth above), amplitude 0.5."""
    t = np.arange(round(seconds * rate)) / rate
    columns = [0.5 * np.sin(2 * np.pi * hz * (1.5**c) * t + 0.3) for c in range(channels)]
    return np.stack(columns, axis=1).astype(np.float32)


def noise(frames: int, channels: int = 1, seed: int = 7) -> npt.NDArray[np.float32]:
    """Uniform noise in ±0.5, never exactly zero (so a played stretch can be found)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.01, 0.5, (frames, channels)) * rng.choice(
        [-1.0, 1.0], (frames, channels)
    )
    return values.astype(np.float32)


def write(
    path: Path, samples: npt.NDArray[np.float32], rate: int, subtype: str | None = None
) -> Path:
    """Write ``samples`` in the format named by ``path``'s suffix."""
    import soundfile

    formats = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".opus": "OGG"}
    if subtype is None:
        subtype = {".wav": "FLOAT", ".flac": "PCM_24", ".ogg": "VORBIS", ".opus": "OPUS"}[
            path.suffix
        ]
    soundfile.write(str(path), samples, rate, format=formats[path.suffix], subtype=subtype)
    return path


def dominant_hz(samples: npt.NDArray[np.float32], rate: int) -> float:
    """The frequency of the strongest spectral peak of the first channel."""
    signal = samples[:, 0] if samples.ndim == 2 else samples
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.argmax(spectrum) * rate / len(signal))
