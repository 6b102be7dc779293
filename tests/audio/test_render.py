"""Playback rendering: exact samples at 1×, reversed, looped, stretched with the pitch kept."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio.signals import dominant_hz, noise, tone
from workspace.audio.clip import AudioClip
from workspace.audio.render import PlaybackRenderer


def _play_all(renderer: PlaybackRenderer, block: int = 1000, limit: int = 10_000):
    blocks = []
    for _ in range(limit):
        rendered = renderer.next_block(block)
        blocks.append(rendered)
        if rendered.finished:
            return blocks
    raise AssertionError("playback never finished")


def _sound(blocks) -> np.ndarray:
    return np.concatenate([b.samples[: b.played] for b in blocks])


def test_at_normal_speed_the_selection_is_played_sample_for_sample():
    clip = AudioClip(noise(50_000, channels=2), 8000)
    blocks = _play_all(PlaybackRenderer(clip, 12_345, 31_000), block=1024)
    np.testing.assert_array_equal(_sound(blocks), clip.samples[12_345:31_000])
    assert [b.source_start for b in blocks[:3]] == [12_345, 13_369, 14_393]
    assert blocks[-1].finished
    assert not blocks[-1].samples[blocks[-1].played :].any()  # silence after the end


def test_backward_plays_the_selection_reversed():
    clip = AudioClip(noise(20_000), 8000)
    blocks = _play_all(PlaybackRenderer(clip, 1000, 9000, direction=-1))
    np.testing.assert_array_equal(_sound(blocks), clip.samples[1000:9000][::-1])
    assert blocks[0].source_start == 9000
    assert blocks[0].step == -1.0


def test_loop_wraps_to_the_start_without_a_gap():
    clip = AudioClip(noise(10_000), 8000)
    renderer = PlaybackRenderer(clip, 2000, 5000, loop=True)
    sound = np.concatenate([renderer.next_block(700).samples for _ in range(20)])
    selection = clip.samples[2000:5000]
    np.testing.assert_array_equal(sound, np.concatenate([selection] * 5)[: len(sound)])
    assert renderer.wrap(renderer.position) == 2000 + (20 * 700) % 3000


@pytest.mark.parametrize("speed", [0.5, 1.5, 2.0])
def test_stretched_playback_keeps_the_length_ratio_and_the_pitch(speed):
    rate = 16000
    clip = AudioClip(tone(4.0, rate, hz=440.0), rate)
    blocks = _play_all(PlaybackRenderer(clip, 8000, 56_000, speed=speed), block=2048)
    sound = _sound(blocks)
    assert len(sound) == round(48_000 / speed)
    assert dominant_hz(sound, rate) == pytest.approx(440.0, rel=0.02)
    assert blocks[1].source_start == pytest.approx(8000 + 2048 * speed)


def test_speed_change_continues_from_the_frame_reached():
    rate = 16000
    clip = AudioClip(tone(4.0, rate), rate)
    renderer = PlaybackRenderer(clip, 0, clip.frames)
    renderer.next_block(4000)
    renderer.set_speed(2.0)
    block = renderer.next_block(1000)
    assert block.source_start == 4000
    assert block.step == 2.0
    assert renderer.position == 6000


def test_out_of_range_speed_and_empty_range_are_refused():
    clip = AudioClip(noise(1000), 8000)
    with pytest.raises(ValueError, match=r"outside 0\.5–2×"):
        PlaybackRenderer(clip, 0, 1000, speed=3.0)
    with pytest.raises(ValueError, match="range is empty"):
        PlaybackRenderer(clip, 500, 500)
