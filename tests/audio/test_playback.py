"""Playback through a real PortAudio stream into an ALSA file sink (../shared/ENVIRONMENT.md):
what lands in the file is what was asked to play."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.audio.signals import dominant_hz, noise, tone, write
from viewers.audio.playback import NO_DEVICE

ROOT = Path(__file__).resolve().parents[2]
RATE = 16000


def _play(home: Path, sound: Path, start: float, end: float, speed: float = 1.0, device=None):
    """Play in a fresh process whose HOME is ``home``; the player's report."""
    out = home / "report.json"
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "tests.audio.playback_child", str(sound), str(start), str(end)]
    args += [str(speed), str(out)] + ([device] if device else [])
    subprocess.run(args, env=env, cwd=ROOT, check=True, timeout=60)
    return json.loads(out.read_text())


@pytest.fixture
def sink(tmp_path: Path) -> Path:
    """A HOME whose default ALSA device writes raw float32 frames to ``alsa_out.raw``."""
    home = tmp_path / "home"
    home.mkdir()
    raw = home / "alsa_out.raw"
    (home / ".asoundrc").write_text(
        'pcm.!default { type plug; slave.pcm "capfile" }\n'
        f'pcm.capfile {{ type file; slave.pcm "null"; file "{raw}"; format "raw" }}\n'
    )
    return home


def _written(home: Path, channels: int) -> np.ndarray:
    data = np.fromfile(home / "alsa_out.raw", dtype=np.float32)
    return data.reshape(-1, channels)


def _sound_span(written: np.ndarray) -> np.ndarray:
    """From the first to the last non-silent frame (the device primes and pads with silence)."""
    loud = np.flatnonzero(np.abs(written).max(axis=1) > 0)
    return written[loud[0] : loud[-1] + 1]


@pytest.mark.slow
def test_a_selection_played_at_normal_speed_lands_in_the_sink_sample_for_sample(tmp_path, sink):
    samples = noise(3 * RATE, channels=2)
    sound = write(tmp_path / "talk.wav", samples, RATE)
    report = _play(sink, sound, 0.5, 2.0)
    assert report["errors"] == []
    assert report["finished"] == [True]
    played = _sound_span(_written(sink, 2))
    np.testing.assert_array_equal(played, samples[RATE // 2 : 2 * RATE])
    positions = report["positions"]
    assert positions[-1] == pytest.approx(2.0)
    assert all(0.5 <= p <= 2.0 for p in positions)
    assert positions == sorted(positions)
    assert report["states"] == ["playing", "stopped"]


@pytest.mark.slow
def test_at_one_and_a_half_speed_two_thirds_as_long_and_the_pitch_kept(tmp_path, sink):
    samples = tone(4.0, RATE, hz=440.0)
    sound = write(tmp_path / "tone.wav", samples, RATE)
    report = _play(sink, sound, 0.5, 3.5, speed=1.5)
    assert report["errors"] == []
    played = _sound_span(_written(sink, 1))
    assert len(played) == pytest.approx(3.0 * RATE / 1.5, rel=0.01)
    assert dominant_hz(played, RATE) == pytest.approx(440.0, rel=0.02)


@pytest.mark.slow
def test_no_sound_device_is_one_clear_message_not_a_crash(tmp_path):
    home = tmp_path / "empty-home"  # no .asoundrc: on a machine with no sound card, no device
    home.mkdir()
    sound = write(tmp_path / "talk.wav", noise(RATE), RATE)
    report = _play(home, sound, 0.0, 1.0, device="no-such-device")
    (message,) = report["errors"]
    assert report["states"] == []
    assert report["finished"] == []
    if report["devices"] == [0]:
        assert message == NO_DEVICE
    else:  # a machine with a sound card: the device asked for does not exist
        assert "sound device" in message
