"""Kill -9 a real process while it saves annotations: nothing acknowledged is ever lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from storage.profile import Profile
from tests.conftest import PASSPHRASE
from workspace.workspace import Workspace

KILLS = 24
REPO = Path(__file__).resolve().parents[2]


def _make_item(profile_dir: Path, tmp_path: Path) -> str:
    note = tmp_path / "note.txt"
    note.write_text("Patient note for durability testing.\n")
    workspace = Workspace(Profile.unlock(profile_dir, PASSPHRASE))
    (item,) = workspace.import_paths([note])
    workspace.lock()
    return item.id


def _run_and_kill(profile_dir: Path, item_id: str, rng: random.Random) -> list[list[str]]:
    env = {**os.environ, "CALIPER_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.workspace.save_loop", str(profile_dir), item_id],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    lines: list[list[str]] = []
    assert proc.stdout is not None
    stdout = proc.stdout

    def reader() -> None:
        for line in stdout:
            if line.startswith(("BEGIN ", "ACK ")):
                lines.append(line.split())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not lines and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.3))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    thread.join(timeout=5)
    assert proc.returncode == -signal.SIGKILL, "the save loop died on its own"
    return lines


@pytest.mark.slow
def test_no_acknowledged_edit_is_lost_across_kills(profile_dir: Path, tmp_path: Path) -> None:
    item_id = _make_item(profile_dir, tmp_path)
    rng = random.Random(20261122)
    expected: set[str] = set()  # what every acknowledged step left stored
    total_acks = 0
    for _ in range(KILLS):
        in_flight: str | None = None
        for kind, effect, annotation_id in _run_and_kill(profile_dir, item_id, rng):
            if kind == "BEGIN":
                in_flight = annotation_id
                continue
            total_acks += 1
            in_flight = None
            (expected.add if effect == "+" else expected.discard)(annotation_id)
        profile = Profile.unlock(profile_dir, PASSPHRASE)
        try:
            assert profile.database.integrity_problems() == []
            stored = {a.id for a in Workspace(profile).annotations(item_id)}
        finally:
            profile.lock()
        # The one step under way at the kill may or may not have landed; nothing else differs.
        lost = expected - stored - {in_flight}
        extra = stored - expected - {in_flight}
        assert not lost, f"{len(lost)} acknowledged annotations lost"
        assert not extra, f"{len(extra)} annotations present that no step left there"
        if in_flight is not None:  # settle the in-flight step as the store decided it
            (expected.add if in_flight in stored else expected.discard)(in_flight)
    assert total_acks > KILLS * 3
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    assert profile.audit.verify().ok
    profile.lock()
