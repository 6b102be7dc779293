"""The volume viewer's tool row: window/level presets, W/L drag mode, view layout."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from viewers.volume.reslice import View
from viewers.volume.window_level import DEFAULT_PRESET, PRESETS

THREE_D = "3d"
LAYOUTS: tuple[tuple[str, View | str | None], ...] = (
    ("2×2", None),
    ("Axial", View.AXIAL),
    ("Coronal", View.CORONAL),
    ("Sagittal", View.SAGITTAL),
    ("3D", THREE_D),
)


class VolumeToolbar(QWidget):
    """Emits the preset chosen, the W/L drag mode and the layout asked for."""

    preset_chosen = Signal(str)
    window_mode_toggled = Signal(bool)
    layout_chosen = Signal(object)  # View, THREE_D, or None for 2×2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Window/level"))
        self.presets = QComboBox()
        self.presets.setObjectName("windowPresets")
        self.presets.addItems(list(PRESETS))
        self.presets.setCurrentText(DEFAULT_PRESET)
        self.presets.setToolTip("Presets: Alt+1…Alt+5")
        self.presets.textActivated.connect(self.preset_chosen.emit)
        bar.addWidget(self.presets)
        self.window_mode = QPushButton("W/L drag")
        self.window_mode.setCheckable(True)
        self.window_mode.setToolTip("Left-drag changes the window (sideways) and level (W)")
        self.window_mode.toggled.connect(self.window_mode_toggled.emit)
        bar.addWidget(self.window_mode)
        bar.addStretch(1)
        for text, view in LAYOUTS:
            button = QPushButton(text)
            button.setFlat(True)
            button.setToolTip("Show this view alone (double-click a view, or M)")
            button.clicked.connect(lambda _checked=False, v=view: self.layout_chosen.emit(v))
            bar.addWidget(button)

    def show_preset(self, name: str | None) -> None:
        """Show ``name`` as the current preset (None: a custom window/level)."""
        self.presets.blockSignals(True)
        if name is None:
            self.presets.setCurrentIndex(-1)
        else:
            self.presets.setCurrentText(name)
        self.presets.blockSignals(False)
