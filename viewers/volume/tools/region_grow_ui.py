"""Region grow: a click in a slice view seeds the region painted into the segment."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QSpinBox, QStackedWidget, QWidget

from viewers.volume.tool_options import INTENSITY_LIMIT, OptionsPage, combo, hint, spin
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui
from workspace.segmentation.tools.region_grow import RegionGrowOptions


class RegionGrowPage(OptionsPage):
    """Connected threshold (a range) or confidence connected (statistics of the seed)."""

    tool_id = "region_grow"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = RegionGrowOptions()
        self.method = combo(
            [("Connected threshold", "connected"), ("Confidence connected", "confidence")]
        )
        self.method.setObjectName("growMethod")
        self.low = spin(-INTENSITY_LIMIT, INTENSITY_LIMIT, defaults.low)
        self.high = spin(-INTENSITY_LIMIT, INTENSITY_LIMIT, defaults.high)
        self.multiplier = spin(0.1, 20.0, defaults.multiplier, 0.1, 1)
        self.iterations = QSpinBox()
        self.iterations.setRange(0, 50)
        self.iterations.setValue(defaults.iterations)
        self.radius = QSpinBox()
        self.radius.setRange(0, 10)
        self.radius.setValue(defaults.neighbourhood_radius)
        self.radius.setSuffix(" vx")
        self.in_slice = QCheckBox("Grow in the clicked slice only")
        connected, confidence = QWidget(), QWidget()
        form = QFormLayout(connected)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Minimum", self.low)
        form.addRow("Maximum", self.high)
        form = QFormLayout(confidence)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Multiplier (σ)", self.multiplier)
        form.addRow("Iterations", self.iterations)
        form.addRow("Neighbourhood", self.radius)
        self.parameters = QStackedWidget()
        self.parameters.addWidget(connected)
        self.parameters.addWidget(confidence)
        self.method.currentIndexChanged.connect(self.parameters.setCurrentIndex)
        self.form.addRow("Method", self.method)
        self.form.addRow(self.parameters)
        self.form.addRow(self.in_slice)
        self.form.addRow(hint("Click a seed in a slice view: the grown region is painted."))
        self._watch(self.method, self.low, self.high, self.multiplier, self.iterations)
        self._watch(self.radius, self.in_slice)

    def options(self) -> RegionGrowOptions:
        low, high = self.low.value(), self.high.value()
        return RegionGrowOptions(
            method=self.method.currentData(),
            low=min(low, high),
            high=max(low, high),
            multiplier=self.multiplier.value(),
            iterations=self.iterations.value(),
            neighbourhood_radius=self.radius.value(),
            in_slice=self.in_slice.isChecked(),
        )


register_tool_ui(
    ToolUI(
        "region_grow",
        "Grow",
        "G",
        "Grow a region from a clicked seed",
        RegionGrowPage,
        Interaction.CLICK,
        order=40,
    )
)
