"""Smoothing: median, opening or closing of the segment with a ball kernel in millimetres."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from viewers.volume.tool_options import OptionsPage, combo, spin
from viewers.volume.tool_ui import ToolUI, register_tool_ui
from workspace.segmentation.tools.smoothing import SmoothingOptions


class SmoothingPage(OptionsPage):
    """Median, opening or closing with a ball kernel in millimetres."""

    tool_id = "smoothing"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = SmoothingOptions()
        self.method = combo(
            [
                ("Median (remove bumps and holes)", "median"),
                ("Opening (remove extrusions)", "opening"),
                ("Closing (fill holes and gaps)", "closing"),
            ]
        )
        self.radius = spin(0.1, 50.0, defaults.radius_mm, 0.5, 1)
        self.radius.setSuffix(" mm")
        self.form.addRow("Method", self.method)
        self.form.addRow("Kernel radius", self.radius)
        self.form.addRow(self.apply_button)
        self._watch(self.method, self.radius)

    def options(self) -> SmoothingOptions:
        return SmoothingOptions(method=self.method.currentData(), radius_mm=self.radius.value())


register_tool_ui(
    ToolUI(
        "smoothing",
        "Smooth",
        "S",
        "Median, opening or closing of the segment",
        SmoothingPage,
        order=70,
    )
)
