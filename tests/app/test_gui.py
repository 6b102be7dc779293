"""The application entry points."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.gui import DEFAULT_SIZE, build_main_window, launch
from app.main_window import MainWindow
from app.unlock_dialog import UnlockDialog
from tests.app.profiles import PASSPHRASE


def _top_level(kind):
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind)), None)


def test_build_main_window_default_size(qtbot, app_profile_dir, app_workspace):
    window = build_main_window(app_profile_dir, app_workspace)
    qtbot.addWidget(window)
    screen = window.screen().availableGeometry()
    assert window.width() == min(DEFAULT_SIZE[0], screen.width())
    assert window.height() == min(DEFAULT_SIZE[1], screen.height())
    window.close()


def test_launch_unlocks_shows_the_window_and_returns_the_exit_code(qtbot, app_profile_dir):
    seen: list[MainWindow] = []

    def unlock() -> None:
        dialog = _top_level(UnlockDialog)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(50, unlock)
            return
        dialog.secret.setText(PASSPHRASE)
        dialog.unlock_button.click()
        QTimer.singleShot(50, close_window)

    def close_window() -> None:
        window = _top_level(MainWindow)
        if window is None or not window.isVisible():
            QTimer.singleShot(50, close_window)
            return
        seen.append(window)
        assert window.workspace is not None
        window.close()

    QTimer.singleShot(0, unlock)
    assert launch(app_profile_dir) == 0
    assert seen and seen[0].workspace is None  # closed and locked
    seen[0].deleteLater()


def test_launch_returns_1_when_unlock_is_cancelled(qtbot, app_profile_dir):
    def cancel() -> None:
        dialog = _top_level(UnlockDialog)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(50, cancel)
            return
        dialog.reject()

    QTimer.singleShot(0, cancel)
    assert launch(app_profile_dir) == 1
