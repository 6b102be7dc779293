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


def _run_and_kill(profile_dir: Path, item_id: str, rng: random.Random) -> list[str]:
    env = {**os.environ, "CALIPER_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.workspace.save_loop", str(profile_dir), item_id],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    acked: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout

    def reader() -> None:
        for line in stdout:
            if line.startswith("ACK "):
                acked.append(line.split()[1])

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not acked and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.3))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    thread.join(timeout=5)
    assert proc.returncode == -signal.SIGKILL, "the save loop died on its own"
    return acked


@pytest.mark.slow
def test_no_acknowledged_edit_is_lost_across_kills(profile_dir: Path, tmp_path: Path) -> None:
    item_id = _make_item(profile_dir, tmp_path)
    rng = random.Random(20261122)
    all_acked: set[str] = set()
    for _ in range(KILLS):
        acked = _run_and_kill(profile_dir, item_id, rng)
        assert acked, "the save loop acknowledged nothing before the kill"
        all_acked.update(acked)
        profile = Profile.unlock(profile_dir, PASSPHRASE)
        try:
            assert profile.database.integrity_problems() == []
            stored = {a.id for a in Workspace(profile).annotations(item_id)}
        finally:
            profile.lock()
        missing = all_acked - stored
        assert not missing, f"{len(missing)} acknowledged annotations lost"
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    assert profile.audit.verify().ok
    profile.lock()
