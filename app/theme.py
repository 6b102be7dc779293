"""Fusion style with a dark (default) or light palette, plus a few style-sheet touches."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

DARK = "dark"
LIGHT = "light"
THEMES = (DARK, LIGHT)

_DARK_COLORS: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "#2b2d31",
    QPalette.ColorRole.WindowText: "#e3e5e8",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#26282c",
    QPalette.ColorRole.ToolTipBase: "#1e1f22",
    QPalette.ColorRole.ToolTipText: "#e3e5e8",
    QPalette.ColorRole.PlaceholderText: "#8a8f98",
    QPalette.ColorRole.Text: "#e3e5e8",
    QPalette.ColorRole.Button: "#34373c",
    QPalette.ColorRole.ButtonText: "#e3e5e8",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#43464c",
    QPalette.ColorRole.Midlight: "#3a3d42",
    QPalette.ColorRole.Mid: "#2f3136",
    QPalette.ColorRole.Dark: "#1a1b1e",
    QPalette.ColorRole.Shadow: "#111214",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6ea8fe",
    QPalette.ColorRole.LinkVisited: "#b392f0",
}
_DARK_DISABLED: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.WindowText: "#6d7178",
    QPalette.ColorRole.Text: "#6d7178",
    QPalette.ColorRole.ButtonText: "#6d7178",
    QPalette.ColorRole.Highlight: "#3a3d42",
    QPalette.ColorRole.HighlightedText: "#9a9ea6",
}


def dark_palette() -> QPalette:
    """The dark palette (WCAG AA contrast for text on window and base)."""
    palette = QPalette()
    for role, color in _DARK_COLORS.items():
        palette.setColor(role, QColor(color))
    for role, color in _DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return palette


def style_sheet(name: str) -> str:
    """The theme's style-sheet touches from ``resources/themes`` ("" if none)."""
    source = resources.files("resources").joinpath("themes", f"{name}.qss")
    return source.read_text(encoding="utf-8") if source.is_file() else ""


def apply_theme(app: QApplication, name: str = DARK) -> str:
    """Apply theme ``name`` (unknown names fall back to dark); return the name applied."""
    name = name if name in THEMES else DARK
    app.setStyle("Fusion")
    palette = dark_palette() if name == DARK else app.style().standardPalette()
    app.setPalette(palette)
    app.setStyleSheet(style_sheet(name))
    app.setProperty("caliper_theme", name)
    return name


def current_theme(app: QApplication) -> str:
    """The theme last applied with :func:`apply_theme`."""
    value = app.property("caliper_theme")
    return value if isinstance(value, str) and value in THEMES else DARK
