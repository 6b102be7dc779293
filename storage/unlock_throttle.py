"""A persisted, growing delay between wrong passphrases.

The count lives in a small file of its own in the profile (the database cannot be opened
without the passphrase). After :data:`FREE_ATTEMPTS` failures each further attempt waits 1 s,
doubling up to 30 s; a correct passphrase resets it. This slows guessing through Caliper only:
someone who copies ``keys.json`` guesses offline against Argon2id, which is the real defence.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.fileio import atomic_write

FAILURES_FILE = "unlock-failures.json"
FREE_ATTEMPTS = 3
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0


def delay_after(failures: int) -> float:
    """Seconds to wait before the attempt that follows ``failures`` wrong ones."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - FREE_ATTEMPTS))


@dataclass
class UnlockThrottle:
    """Wrong-passphrase counter of one profile, with an injectable clock and sleep."""

    profile_dir: Path
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    @property
    def path(self) -> Path:
        """The counter file."""
        return self.profile_dir / FAILURES_FILE

    def failures(self) -> tuple[int, float]:
        """``(count, time of the last failure)``; a missing or unreadable file counts as none."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return max(0, int(raw["failures"])), float(raw["last_failure_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0

    def wait(self) -> float:
        """Sleep out what is left of the delay owed after earlier failures; the seconds slept."""
        count, last = self.failures()
        remaining = last + delay_after(count) - self.clock()
        # A clock set back must not stretch the wait beyond one full delay.
        remaining = min(remaining, delay_after(count))
        if remaining > 0:
            self.sleep(remaining)
            return remaining
        return 0.0

    def record_failure(self) -> int:
        """Count one more wrong passphrase; returns the new count."""
        count = self.failures()[0] + 1
        document = {"failures": count, "last_failure_at": self.clock()}
        try:
            atomic_write(self.path, json.dumps(document).encode("utf-8"), "the unlock counter")
        except OSError:
            pass  # a read-only profile still refuses the passphrase; it just cannot slow down
        return count

    def reset(self) -> int:
        """Forget the failures after a correct passphrase; returns how many there were."""
        count = self.failures()[0]
        if count or self.path.exists():
            self.path.unlink(missing_ok=True)
        return count
