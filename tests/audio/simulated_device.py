"""A simulated sound device for playhead timing over long spans (no sound card needed).

A real device plays frame ``n`` at ``t0 + n / (rate × (1 + ppm))`` on the system clock — its
crystal is a little fast or slow — and asks for each block some time before it is due, at a
jittery moment, reporting when the block's first frame will be heard (with a small error of
its own). The GUI reads the playhead from a 30 Hz timer that fires a little late. This replays
that for an hour in a fraction of a second and measures the error of:

- the :class:`~workspace.audio.clock.PlayheadClock` (audio clock), the playhead Caliper uses;
- a playhead counted by timer ticks (1/30 s per tick), the baseline it replaces;
- a playhead from the system clock (elapsed wall time × rate), which ignores the device's drift.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from workspace.audio.clock import PlayheadClock


@dataclass(frozen=True)
class DriftResult:
    """Errors, in seconds of the recording, of each playhead against the frame being heard:
    the clock's largest over the run, the baselines' at its end."""

    seconds: float
    queries: int
    clock_max_error_s: float
    timer_final_error_s: float
    wall_final_error_s: float


def simulate_hour(
    seconds: float = 3600.0,
    rate: int = 48_000,
    block: int = 1024,
    speed: float = 1.0,
    ppm: float = 80.0,
    latency_s: float = 0.05,
    report_error_s: float = 0.002,
    seed: int = 11,
) -> DriftResult:
    """Play ``seconds`` of output through the simulated device; see the module docstring."""
    rng = random.Random(seed)
    device_rate = rate * (1 + ppm * 1e-6)  # output frames per second of system time
    clock = PlayheadClock(rate)
    blocks = int(seconds * rate / block)
    tick = 1 / 30
    next_query = 0.0
    ticks = 0
    timer_error = wall_error = 0.0
    max_error = 0.0
    queries = 0
    for k in range(blocks + 1):
        due = k * block / device_rate
        asked = due - latency_s * rng.uniform(0.5, 1.0)
        # the GUI timer's ticks until the device asks for the next block
        while next_query < asked:
            truth = min(next_query * device_rate, k * block) * speed
            heard = clock.position(next_query)
            if heard is not None:
                max_error = max(max_error, abs(heard - truth) / rate)
                queries += 1
            ticks += 1  # the baselines, at this tick: counted ticks, and wall time
            timer_error = abs(ticks * tick * rate * speed - truth) / rate
            wall_error = abs(next_query * rate * speed - truth) / rate
            next_query += tick + rng.uniform(0.0, 0.004)  # timers fire late, never early
        if k < blocks:
            reported = due + rng.uniform(-report_error_s, report_error_s)
            clock.add_block(reported, k * block * speed, speed, block)
    return DriftResult(
        seconds=seconds,
        queries=queries,
        clock_max_error_s=max_error,
        timer_final_error_s=timer_error,
        wall_final_error_s=wall_error,
    )
