"""Fixtures of the GUI tests: a real profile per test and a main-window factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from tests.app.profiles import PASSPHRASE, copy_profile, make_template
from tests.sync.conftest import nats_server, secured_nats, test_ca  # noqa: F401 - for the sync panel
from workspace.workspace import Workspace


@pytest.fixture(scope="session")
def app_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A profile with one note, made once per session (copy it, never open it directly)."""
    return make_template(tmp_path_factory.mktemp("app-template"))


@pytest.fixture
def app_profile_dir(app_template: Path, tmp_path: Path) -> Path:
    """A private, locked copy of the template profile."""
    return copy_profile(app_template, tmp_path / "profile")


@pytest.fixture
def app_workspace(app_profile_dir: Path) -> Iterator[Workspace]:
    """The private profile, unlocked; locked again after the test."""
    workspace = Workspace.unlock(app_profile_dir, PASSPHRASE)
    yield workspace
    if not workspace.profile.is_locked:
        workspace.lock()


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path) -> None:
    """Window geometry and theme go to a per-test INI file, not the user's."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))


@pytest.fixture
def make_window(
    qtbot, app_profile_dir: Path, app_workspace: Workspace
) -> Iterator[Callable[..., MainWindow]]:
    """Factory of shown main windows; fails the test if a window leaves dialogs open."""
    windows: list[MainWindow] = []

    def make(workspace: Workspace | None = app_workspace, **kwargs: object) -> MainWindow:
        window = MainWindow(app_profile_dir, workspace, **kwargs)  # type: ignore[arg-type]
        window.resize(780, 560)  # pytest-xvfb's screen is 800x600
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)  # shortcuts need an active window
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
    QApplication.processEvents()
    leaked = [
        w.windowTitle()
        for w in QApplication.topLevelWidgets()
        if w.isVisible() and any(w is x or x.isAncestorOf(w) for x in windows)
    ]
    assert not leaked, f"widgets left open: {leaked}"
