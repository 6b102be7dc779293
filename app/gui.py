"""Entry points of the desktop application."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog

from app.gc_tuning import HeapSettler
from app.main_window import MainWindow
from app.theme import apply_theme
from app.unlock_dialog import UnlockDialog
from app.window_state import app_settings, saved_theme
from workspace.workspace import Workspace

DEFAULT_SIZE = (1400, 900)


def ensure_application(argv: list[str] | None = None) -> QApplication:
    """The running QApplication, created (with its names) if there is none yet."""
    existing = QCoreApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("Caliper")
    app.setOrganizationName("Caliper")
    app.setApplicationDisplayName("Caliper")
    app.setWindowIcon(app_icon())
    return app


def app_icon() -> QIcon:
    """The Caliper icon from ``resources/icons``."""
    return QIcon(str(resources.files("resources").joinpath("icons", "caliper.svg")))


def build_main_window(profile_dir: Path, workspace: Workspace | None) -> MainWindow:
    """The main window for an unlocked ``workspace`` (tests and :func:`launch`)."""
    window = MainWindow(profile_dir, workspace)
    if not window.state_restored:
        width, height = DEFAULT_SIZE
        screen = window.screen()
        if screen is not None:
            available = screen.availableGeometry()
            width, height = min(width, available.width()), min(height, available.height())
        window.resize(width, height)
    return window


def launch(
    profile_dir: Path, workspace: Workspace | None = None, argv: list[str] | None = None
) -> int:
    """Run the desktop application; returns its exit code (1 when unlocking is cancelled)."""
    app = ensure_application(argv)
    apply_theme(app, saved_theme(app_settings()))
    if workspace is None:
        dialog = UnlockDialog(profile_dir)
        if dialog.exec() != QDialog.DialogCode.Accepted.value or dialog.workspace is None:
            return 1
        workspace = dialog.workspace
    window = build_main_window(profile_dir, workspace)
    settler = HeapSettler(window)  # no 100 ms full collections while scrolling (gc_tuning)
    window.area.viewer_opened.connect(settler.after_open)
    window.show()
    settler.after_start_up()
    try:
        return int(app.exec())
    finally:
        settler.restore()
