"""Window geometry, dock layout and theme in QSettings (never anything naming patients)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from app.theme import DARK, THEMES

GEOMETRY = "window/geometry"
STATE = "window/state"
THEME = "ui/theme"
STATE_VERSION = 1


def app_settings() -> QSettings:
    """The per-user settings file (INI on every platform, so tests can redirect it)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Caliper", "caliper")


def save_window_state(window: QMainWindow, settings: QSettings) -> None:
    """Remember where the window and its docks are."""
    settings.setValue(GEOMETRY, window.saveGeometry())
    settings.setValue(STATE, window.saveState(STATE_VERSION))
    settings.sync()


def restore_window_state(window: QMainWindow, settings: QSettings) -> bool:
    """Put the window and docks back; False when nothing was saved."""
    geometry = settings.value(GEOMETRY)
    state = settings.value(STATE)
    restored = False
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        restored = window.restoreGeometry(geometry)
    if isinstance(state, QByteArray) and not state.isEmpty():
        restored = window.restoreState(state, STATE_VERSION) and restored
    return restored


def saved_theme(settings: QSettings) -> str:
    """The theme chosen in Settings (dark by default)."""
    value = settings.value(THEME, DARK)
    return value if isinstance(value, str) and value in THEMES else DARK


def save_theme(settings: QSettings, theme: str) -> None:
    """Remember the theme."""
    settings.setValue(THEME, theme)
    settings.sync()
