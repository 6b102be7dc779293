"""Settings dialog and theme."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.settings_dialog import IDLE_SETTING
from app.theme import DARK, LIGHT, apply_theme, current_theme
from app.window_state import THEME


def test_settings_dialog_stores_idle_minutes_and_theme(qtbot, make_window, app_workspace):
    window = make_window()
    dialog = window.show_settings()
    assert dialog is not None
    assert dialog.idle_minutes == 15
    dialog.idle.setValue(7)
    dialog.theme_box.setCurrentIndex(dialog.theme_box.findData(LIGHT))
    dialog.accept()
    assert app_workspace.setting(IDLE_SETTING) == 7
    assert window.idle.interval_ms == 7 * 60_000
    assert current_theme(QApplication.instance()) == LIGHT
    assert window.settings.value(THEME) == LIGHT
    apply_theme(QApplication.instance(), DARK)


def test_dark_theme_is_dark_and_legible(qapp):
    apply_theme(qapp, DARK)
    palette = qapp.palette()
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    assert window.lightness() < 80
    assert text.lightness() - window.lightness() > 120
    assert current_theme(qapp) == DARK
