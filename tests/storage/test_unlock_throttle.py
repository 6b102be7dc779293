"""Wrong passphrases: a persisted, growing delay, and the count in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.errors import WrongPassphraseError
from storage.profile import Profile
from storage.unlock_throttle import FAILURES_FILE, UnlockThrottle, delay_after
from tests.conftest import PASSPHRASE


class FakeClock:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _throttle(profile_dir: Path, clock: FakeClock) -> UnlockThrottle:
    """A fresh throttle each time, as a new process would make: only the file persists."""
    return UnlockThrottle(profile_dir, clock=clock.time, sleep=clock.sleep)


def _fail(profile_dir: Path, clock: FakeClock) -> None:
    with pytest.raises(WrongPassphraseError):
        Profile.unlock(profile_dir, "not the passphrase", throttle=_throttle(profile_dir, clock))


def test_delay_schedule() -> None:
    assert [delay_after(n) for n in range(3)] == [0, 0, 0]
    assert [delay_after(n) for n in range(3, 9)] == [1, 2, 4, 8, 16, 30]
    assert delay_after(100) == 30


def test_delay_grows_after_three_failures_and_persists(profile_dir: Path) -> None:
    clock = FakeClock()
    for _ in range(3):
        _fail(profile_dir, clock)
    assert clock.slept == []
    for _ in range(4):
        _fail(profile_dir, clock)
    assert clock.slept == [1, 2, 4, 8]
    # Time that already passed counts: 10 of the owed 16 s are over.
    clock.now += 10
    _fail(profile_dir, clock)
    assert clock.slept[-1] == pytest.approx(6)


def test_correct_passphrase_resets_and_is_audited_with_the_count(profile_dir: Path) -> None:
    clock = FakeClock()
    for _ in range(4):
        _fail(profile_dir, clock)
    profile = Profile.unlock(profile_dir, PASSPHRASE, throttle=_throttle(profile_dir, clock))
    assert clock.slept == [1, 2]  # the 4th wrong try and the correct one each waited
    events = profile.audit.entries(2)
    assert [e["event"] for e in events] == ["profile.unlock", "profile.unlock_failures"]
    assert events[1]["detail"] == {"count": 4}
    assert profile.audit.verify().ok
    profile.lock()
    assert not (profile_dir / FAILURES_FILE).exists()
    clock.slept.clear()
    _fail(profile_dir, clock)
    assert clock.slept == []


def test_wrong_recovery_keys_count_too(profile_dir: Path) -> None:
    clock = FakeClock()
    for _ in range(4):
        with pytest.raises(WrongPassphraseError):
            Profile.unlock_with_recovery_key(
                profile_dir, "ABCD" * 13, throttle=_throttle(profile_dir, clock)
            )
    assert clock.slept == [1]


def test_a_damaged_counter_file_counts_as_none(profile_dir: Path) -> None:
    (profile_dir / FAILURES_FILE).write_text("{ garbage")
    clock = FakeClock()
    _fail(profile_dir, clock)
    assert _throttle(profile_dir, clock).failures()[0] == 1
