"""The volume viewer's tool row: window/level presets, W/L drag mode, view layout.

The presets and the drag mode show the viewer's :class:`~viewers.volume.state.VolumeViewState`
and write the user's choice into it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from viewers.volume.reslice import View
from viewers.volume.state import VolumeViewState

THREE_D = "3d"
LAYOUTS: tuple[tuple[str, View | str | None], ...] = (
    ("2×2", None),
    ("Axial", View.AXIAL),
    ("Coronal", View.CORONAL),
    ("Sagittal", View.SAGITTAL),
    ("3D", THREE_D),
)


class VolumeToolbar(QWidget):
    """Sets the preset and the W/L drag mode of the state; emits the layout asked for."""

    layout_chosen = Signal(object)  # View, THREE_D, or None for 2×2

    def __init__(self, state: VolumeViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Window/level"))
        self.presets = QComboBox()
        self.presets.setObjectName("windowPresets")
        self._presets_changed(tuple(state.presets))
        self.presets.textActivated.connect(state.apply_preset)
        bar.addWidget(self.presets)
        self.window_mode = QPushButton("W/L drag")
        self.window_mode.setCheckable(True)
        self.window_mode.setToolTip("Left-drag changes the window (sideways) and level (W)")
        self.window_mode.toggled.connect(self._window_mode_toggled)
        bar.addWidget(self.window_mode)
        bar.addStretch(1)
        for text, view in LAYOUTS:
            button = QPushButton(text)
            button.setFlat(True)
            button.setToolTip("Show this view alone (double-click a view, or M)")
            button.clicked.connect(lambda _checked=False, v=view: self.layout_chosen.emit(v))
            bar.addWidget(button)

        state.events.window.connect(self._window_changed)
        state.events.window_drag.connect(self._window_drag_changed)
        state.events.presets.connect(self._presets_changed)
        self.show_preset(state.preset)
        self._window_drag_changed(state.window_drag)

    def _window_changed(self, _window_level: object) -> None:
        self.show_preset(self.state.preset)

    def _presets_changed(self, names: tuple[str, ...]) -> None:
        self.presets.blockSignals(True)
        self.presets.clear()
        self.presets.addItems(list(names))
        self.presets.blockSignals(False)
        self.presets.setToolTip(f"Presets: Alt+1…Alt+{min(len(names), 9)}")
        self.show_preset(self.state.preset)

    def _window_drag_changed(self, on: bool) -> None:
        self.window_mode.blockSignals(True)
        self.window_mode.setChecked(on)
        self.window_mode.blockSignals(False)

    def _window_mode_toggled(self, on: bool) -> None:
        self.state.window_drag = on

    def show_preset(self, name: str | None) -> None:
        """Show ``name`` as the current preset (None: a custom window/level)."""
        self.presets.blockSignals(True)
        if name is None:
            self.presets.setCurrentIndex(-1)
        else:
            self.presets.setCurrentText(name)
        self.presets.blockSignals(False)
