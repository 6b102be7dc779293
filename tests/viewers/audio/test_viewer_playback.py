"""Space in the viewer plays the selection through a real PortAudio stream into an ALSA file
sink: the samples written are the selection's. No device: the
message bar says so and nothing crashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.audio.signals import noise, write
from tests.audio.test_playback import _sound_span, _written, sink  # noqa: F401 - fixture
from viewers.audio.playback import NO_DEVICE

ROOT = Path(__file__).resolve().parents[3]
RATE = 16000


def _run(home: Path, wav: Path, start: float, end: float, work: Path) -> dict:
    out = work / "report.json"
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    args = [sys.executable, "-m", "tests.viewers.audio.viewer_playback_child"]
    args += [str(wav), str(start), str(end), str(work / "p"), str(out)]
    subprocess.run(args, env=env, cwd=ROOT, check=True, timeout=120)
    return json.loads(out.read_text())


@pytest.mark.slow
def test_space_plays_the_selection_into_the_sink_sample_for_sample(tmp_path, sink) -> None:  # noqa: F811
    samples = noise(3 * RATE, channels=1)
    wav = write(tmp_path / "visit.wav", samples, RATE)
    report = _run(sink, wav, 1.0, 2.25, tmp_path)
    assert report["messages"] == []
    assert report["states"] == ["playing", "stopped"]
    played = _sound_span(_written(sink, 1))
    np.testing.assert_array_equal(played, samples[RATE : RATE * 9 // 4])
    # The file sink drains faster than real time, so the 30 Hz playhead sees few steps here
    # (the playhead's motion is checked in-process, test_playhead_follows_the_player).
    assert all(0.0 <= p <= 2.25 for p in report["playheads"])
    assert report["playheads"][-1] == pytest.approx(2.25)


@pytest.mark.slow
def test_no_sound_device_is_a_message_bar_not_a_crash(tmp_path) -> None:
    home = tmp_path / "empty-home"  # no .asoundrc: no device on a machine without a sound card
    home.mkdir()
    wav = write(tmp_path / "visit.wav", noise(RATE), RATE)
    report = _run(home, wav, 0.0, 0.5, tmp_path)
    if report["states"]:
        pytest.skip("this machine has a sound device")
    (message,) = report["messages"]
    assert message.startswith(NO_DEVICE)
    assert report["bar"] == [message]
