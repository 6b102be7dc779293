"""``caliper open`` takes the passphrase as every other command does, or asks in a dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from app.cli import main
from app.unlock_dialog import UnlockDialog
from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE


def test_a_wrong_passphrase_is_refused_in_one_line_before_any_window(profile_dir: Path) -> None:
    result = caliper("open", "--profile", str(profile_dir), passphrase="not the passphrase")
    assert_one_line_error(result, "passphrase")


def test_the_passphrase_file_opens_the_main_window_without_the_dialog(
    qapp: QApplication, profile_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("CALIPER_PASSPHRASE", raising=False)
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    shown: list[str] = []

    def look_then_quit() -> None:
        visible = [w for w in qapp.topLevelWidgets() if w.isVisible()]
        shown.extend(type(w).__name__ for w in visible)
        if not any(isinstance(w, QMainWindow | UnlockDialog) for w in visible):
            QTimer.singleShot(20, look_then_quit)  # not shown yet
            return
        for widget in visible:
            widget.close()
        qapp.quit()

    QTimer.singleShot(0, look_then_quit)
    code = main(["open", "--profile", str(profile_dir), "--passphrase-file", str(secret)])
    assert code == 0
    assert "UnlockDialog" not in shown and any("Window" in name for name in shown)
