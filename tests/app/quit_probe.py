"""Child process of ``test_quit``: ``caliper open``, open every item, then quit.

Run as ``python -m tests.app.quit_probe close|ctrl+q open --profile DIR`` (the passphrase from
``CALIPER_PASSPHRASE``). Once the main window shows, each item is opened in its viewer and
waited for until it is shown (a volume's 3D view included); then the window is closed with its
close button's ``close()``, or with Ctrl+Q typed into it. Prints what it opened; the exit code
is ``caliper open``'s.
"""

from __future__ import annotations

import faulthandler
import sys

from PySide6.QtCore import QDeadlineTimer, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.cli import main
from app.gui import ensure_application
from app.main_window import MainWindow


def _main_window(app: QApplication) -> MainWindow | None:
    shown = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    return shown[0] if shown else None


def _quit_with_ctrl_q(window: MainWindow) -> None:
    window.activateWindow()
    window.raise_()
    deadline = QDeadlineTimer(10_000)
    while not window.isActiveWindow() and not deadline.hasExpired():
        QTest.qWait(20)
    print("active:", window.isActiveWindow(), flush=True)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


def _open_all_then_quit(app: QApplication, how: str) -> None:
    window = _main_window(app)
    if window is None:  # not shown yet
        QTimer.singleShot(20, lambda: _open_all_then_quit(app, how))
        return
    assert window.workspace is not None
    for item in window.workspace.items():
        viewer = window.open_item(item.id)
        wait = getattr(viewer, "wait_loaded", None)
        shown = wait(60_000) if wait is not None else viewer is not None
        print("opened:", item.modality, type(viewer).__name__, shown, flush=True)
    if how == "ctrl+q":
        _quit_with_ctrl_q(window)
    else:
        window.close()
    if window.isVisible():
        print("still open after", how, flush=True)
        app.exit(3)


def run(how: str, arguments: list[str]) -> int:
    """Start ``caliper`` with ``arguments`` and quit it as ``how`` says."""
    faulthandler.dump_traceback_later(240, exit=True)  # a hang shows where, then ends
    app = ensure_application([])
    QTimer.singleShot(0, lambda: _open_all_then_quit(app, how))
    return main(arguments)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2:]))
