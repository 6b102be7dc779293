"""Threshold: an intensity range previewed in the slice views, applied to the whole volume."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QPushButton, QSlider, QWidget

from viewers.volume.tool_options import (
    INTENSITY_LIMIT,
    OptionsPage,
    ToolEnvironment,
    hint,
    row,
    set_quietly,
    spin,
)
from viewers.volume.tool_ui import ToolUI, register_tool_ui
from workspace.segmentation.tools.threshold import ThresholdOptions


class ThresholdPage(OptionsPage):
    """Intensity range (spin boxes and sliders), replace or add, Apply / Cancel."""

    tool_id = "threshold"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = ThresholdOptions()
        self.low = spin(-INTENSITY_LIMIT, INTENSITY_LIMIT, defaults.low)
        self.high = spin(-INTENSITY_LIMIT, INTENSITY_LIMIT, defaults.high)
        self.low.setObjectName("thresholdLow")
        self.high.setObjectName("thresholdHigh")
        self.low_slider = QSlider(Qt.Orientation.Horizontal)
        self.high_slider = QSlider(Qt.Orientation.Horizontal)
        for box, slider in ((self.low, self.low_slider), (self.high, self.high_slider)):
            slider.valueChanged.connect(lambda v, b=box: b.setValue(float(v)))
            box.valueChanged.connect(lambda v, s=slider: set_quietly(s, round(v)))
        self.low.valueChanged.connect(self._low_changed)
        self.high.valueChanged.connect(self._high_changed)
        self.replace = QCheckBox("Replace the segment")
        self.replace.setToolTip("Also clear the segment's voxels outside the range")
        self.form.addRow("Minimum", row(self.low_slider, self.low))
        self.form.addRow("Maximum", row(self.high_slider, self.high))
        self.form.addRow(self.replace)
        self.form.addRow(hint("The voxels in range are previewed in the slice views."))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancelled.emit)
        self.form.addRow(row(self.apply_button, self.cancel_button))
        self._watch(self.low, self.high, self.replace)
        self.limits: tuple[float, float] | None = None
        self.set_limits(-1024.0, 3071.0)

    def set_limits(self, low: float, high: float) -> None:
        """The volume's intensity range: the sliders span it (the spin boxes go beyond), and a
        range lying outside it is moved inside (an MR's range is not a CT's)."""
        if self.limits == (low, high):
            return
        self.limits = (low, high)
        for slider in (self.low_slider, self.high_slider):
            slider.blockSignals(True)
            slider.setRange(math.floor(low), math.ceil(high))
            slider.blockSignals(False)
        if not low <= self.low.value() <= high or not low <= self.high.value() <= high:
            self.high.setValue(high)  # the high end first, so the low end is never above it
            self.low.setValue(low + (high - low) / 2.0)
        set_quietly(self.low_slider, round(self.low.value()))
        set_quietly(self.high_slider, round(self.high.value()))

    def refresh(self, env: ToolEnvironment) -> None:
        self.set_limits(*env.state.intensity_range)

    def _low_changed(self, value: float) -> None:
        if value > self.high.value():
            self.high.setValue(value)

    def _high_changed(self, value: float) -> None:
        if value < self.low.value():
            self.low.setValue(value)

    def options(self) -> ThresholdOptions:
        low, high = self.low.value(), self.high.value()
        return ThresholdOptions(min(low, high), max(low, high), self.replace.isChecked())

    def preview_caption(self) -> str:
        options = self.options()
        return f"Threshold preview {options.low:g} to {options.high:g}"


register_tool_ui(
    ToolUI(
        "threshold",
        "Threshold",
        "T",
        "Fill an intensity range, previewed first",
        ThresholdPage,
        order=30,
        preview=True,
    )
)
