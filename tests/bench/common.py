"""Helpers shared by the benchmarks: timing, a throwaway profile, a side-by-side table."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from storage.keys import Argon2Params
from storage.profile import Profile

PASSPHRASE = "benchmark passphrase"
FAST_KDF = Argon2Params(time_cost=1, memory_kib=8 * 1024, parallelism=1)


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeats`` wall-clock timings of ``run`` (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


@contextlib.contextmanager
def scratch_profile() -> Iterator[Profile]:
    """A new profile in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="caliper-bench-") as tmp:
        profile = Profile.create(Path(tmp) / "profile", PASSPHRASE, user="bench", kdf=FAST_KDF)
        try:
            yield profile
        finally:
            profile.lock()


def report(title: str, rows: list[tuple[str, str, str]], verdict: str) -> None:
    """Print one benchmark's figures side by side with its baseline."""
    print(f"\n== {title}")
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>14}  {note}")
    print(f"  -> {verdict}")
