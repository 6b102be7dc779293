"""The playhead read off the audio clock: exact within blocks, and no drift over an hour."""

from __future__ import annotations

import pytest

from tests.audio.simulated_device import simulate_hour
from workspace.audio.clock import PlayheadClock


def test_position_moves_with_the_audio_clock_within_and_across_blocks():
    clock = PlayheadClock(rate=1000)
    assert clock.position(0.0) is None
    clock.add_block(dac_time=10.0, source_start=500, step=1.0, frames=100)
    clock.add_block(dac_time=10.1, source_start=600, step=1.0, frames=100)
    assert clock.position(9.0) == 500  # not yet heard: the start
    assert clock.position(10.05) == pytest.approx(550)
    assert clock.position(10.15) == pytest.approx(650)
    assert clock.position(11.0) == 700  # the last block has been heard: its end


def test_speed_and_direction_scale_the_movement():
    clock = PlayheadClock(rate=1000)
    clock.add_block(dac_time=0.0, source_start=5000, step=-1.5, frames=1000)
    assert clock.position(0.2) == pytest.approx(5000 - 300)


def test_no_drift_over_an_hour_of_jittery_callbacks():
    result = simulate_hour(seconds=3600.0)
    assert result.clock_max_error_s < 0.020
    # the figure beside it: a playhead that adds 1/30 s per (late) timer tick
    assert result.timer_final_error_s > 1.0
