"""``caliper open`` takes the passphrase as every other command does, or asks in a dialog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli.test_cli import REPO, assert_one_line_error, caliper
from tests.conftest import PASSPHRASE

# Runs `caliper open` in its own process, reports the top-level windows once one shows, quits.
_PROBE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.cli import main
from app.gui import ensure_application

app = ensure_application([])

def look():
    shown = [type(w).__name__ for w in app.topLevelWidgets() if w.isVisible()]
    if not any(name in ("MainWindow", "UnlockDialog") for name in shown):
        QTimer.singleShot(20, look)
        return
    print("shown:", " ".join(shown), flush=True)
    for widget in app.topLevelWidgets():
        widget.close()
    app.quit()

QTimer.singleShot(0, look)
sys.exit(main(sys.argv[1:]))
"""


def test_a_wrong_passphrase_is_refused_in_one_line_before_any_window(profile_dir: Path) -> None:
    result = caliper("open", "--profile", str(profile_dir), passphrase="not the passphrase")
    assert_one_line_error(result, "passphrase")


def test_the_passphrase_file_opens_the_main_window_without_the_dialog(
    profile_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALIPER_")}
    environment["PYTHONPATH"] = str(REPO)
    arguments = ["open", "--profile", str(profile_dir), "--passphrase-file", str(secret)]
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("shown:")]
    assert "MainWindow" in line and "UnlockDialog" not in line
