"""Quitting prints nothing: ``caliper open`` on the demo profile, every viewer kind open, closed
with the window's close and with Ctrl+Q, exits 0 with no traceback, exception or error on stderr.

Each run is a process of its own (``tests.app.quit_probe``), because what goes wrong at quit
happens as the interpreter shuts down, after any in-process test would have looked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import REPO
from workspace.demo_profile import DEMO_PASSPHRASE

pytestmark = pytest.mark.slow

#: A line of stderr that would mean something failed on the way out.
TROUBLE = re.compile(r"Traceback|Exception|Error")
KINDS = {"audio", "text", "volume", "waveform"}  # what the demo profile holds


def _environment(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALIPER_")}
    environment["PYTHONPATH"] = str(REPO)
    environment["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # the window layout saved on quit
    return environment


def _run(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo profile, made by ``caliper demo --no-gui`` as a user would."""
    tmp = tmp_path_factory.mktemp("demo")
    profile = tmp / "profile"
    made = _run(["-m", "app.cli", "demo", "--no-gui", "--profile", str(profile)], _environment(tmp))
    assert made.returncode == 0, made.stderr
    return profile


@pytest.mark.parametrize("how", ["close", "ctrl+q"])
def test_quitting_with_every_viewer_open_prints_no_exception(
    demo_profile: Path, tmp_path: Path, how: str
) -> None:
    environment = _environment(tmp_path)
    environment["CALIPER_PASSPHRASE"] = DEMO_PASSPHRASE
    probe = ["-m", "tests.app.quit_probe", how, "open", "--profile", str(demo_profile)]
    result = _run(probe, environment)
    assert result.returncode == 0, result.stderr
    opened = [line.split() for line in result.stdout.splitlines() if line.startswith("opened:")]
    assert {kind for _, kind, _, _ in opened} == KINDS, result.stdout
    assert all(shown == "True" for *_, shown in opened), result.stdout  # each fully shown
    if how == "ctrl+q":
        assert "active: True" in result.stdout  # Ctrl+Q reached the window's Quit
    assert not [line for line in result.stderr.splitlines() if TROUBLE.search(line)], result.stderr


# A 3D view shut down, then the process ends at once (no event loop left to delete it): its
# VTK widget used to be closed again by Qt at exit and print a traceback from Finalize.
_SHUT_DOWN_THEN_EXIT = """
import numpy as np
from PySide6.QtWidgets import QApplication
from viewers.volume.surface_view import SurfaceView
from workspace.volume.geometry import VolumeGeometry

app = QApplication([])
view = SurfaceView(VolumeGeometry((8, 8, 8), (1.0, 1.0, 1.0)), np.zeros((8, 8, 8), np.uint8))
view.resize(200, 200)
view.show()
app.processEvents()
view.render_now()
view.shutdown()
print("shut down", flush=True)
"""


def test_a_3d_view_shut_down_just_before_exit_prints_nothing(tmp_path: Path) -> None:
    result = _run(["-c", _SHUT_DOWN_THEN_EXIT], _environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "shut down" in result.stdout
    assert not [line for line in result.stderr.splitlines() if TROUBLE.search(line)], result.stderr
