"""The option pages of the tools panel, one per tool (as Slicer's Segment Editor shows one
effect's options at a time).

Each page collects its tool's options (:meth:`OptionsPage.options` returns the tool's frozen
options dataclass, from :mod:`workspace.segmentation.tools`) and reports ``changed`` when the
user edits them and ``applied`` when the user asks for the edit. The pages compute nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from viewers.swatch import swatch
from viewers.volume.reslice import View
from workspace.segmentation.tools.fill_between import FillBetweenOptions
from workspace.segmentation.tools.islands import IslandsOptions
from workspace.segmentation.tools.logical import LogicalOptions
from workspace.segmentation.tools.region_grow import RegionGrowOptions
from workspace.segmentation.tools.smoothing import SmoothingOptions
from workspace.segmentation.tools.threshold import ThresholdOptions
from workspace.volume.model import Segment

INTENSITY_LIMIT = 100_000.0


def spin(low: float, high: float, value: float, step: float = 1.0, decimals: int = 0) -> Any:
    """A double spin box (decimals 0 still gives floats, as the options want)."""
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    box.setKeyboardTracking(False)  # typed numbers count once, when complete
    return box


def hint(text: str) -> QLabel:
    """A small wrapped explanation."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("toolHint")
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


def combo(items: Sequence[tuple[str, object]]) -> QComboBox:
    """A combo box of ``(text, data)`` items."""
    box = QComboBox()
    for text, data in items:
        box.addItem(text, data)
    shrinkable(box)
    return box


def shrinkable(box: QComboBox) -> QComboBox:
    """Let a combo box be narrower than its longest item (the panel is a narrow column)."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(8)
    return box


class OptionsPage(QWidget):
    """One tool's options; ``changed`` after an edit, ``applied`` when Apply is pressed."""

    changed = Signal()
    applied = Signal()
    tool_id: ClassVar[str] = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 4, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName(f"apply_{self.tool_id}")
        self.apply_button.clicked.connect(self.applied.emit)

    def options(self) -> Any:
        """The tool's options as the page shows them."""
        raise NotImplementedError

    @property
    def needs_click(self) -> bool:
        """Whether the tool acts where the user clicks in a slice view (not on Apply)."""
        return False

    def _watch(self, *widgets: QWidget) -> None:
        for widget in widgets:
            if isinstance(widget, (QDoubleSpinBox, QSpinBox)):
                widget.valueChanged.connect(lambda _value: self.changed.emit())
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(lambda _index: self.changed.emit())
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(lambda _on: self.changed.emit())


class BrushPage(OptionsPage):
    """Paint: the brush itself is set above (size, disc or sphere)."""

    tool_id = "paint"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(hint("Left-drag in a slice view paints the selected segment."))

    def options(self) -> None:
        return None


class ErasePage(OptionsPage):
    """Erase: the selected segment only, or every visible segment."""

    tool_id = "erase"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.all_segments = QCheckBox("Erase every visible segment")
        self.form.addRow(self.all_segments)
        self.form.addRow(hint("Left-drag erases (with any tool, Shift+drag erases)."))
        self._watch(self.all_segments)

    def options(self) -> bool:
        return self.all_segments.isChecked()


class ThresholdPage(OptionsPage):
    """Intensity range (spin boxes and sliders), replace or add, Apply / Cancel."""

    tool_id = "threshold"
    cancelled = Signal()

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
            box.valueChanged.connect(lambda v, s=slider: _set_quietly(s, round(v)))
        self.low.valueChanged.connect(self._low_changed)
        self.high.valueChanged.connect(self._high_changed)
        self.replace = QCheckBox("Replace the segment")
        self.replace.setToolTip("Also clear the segment's voxels outside the range")
        self.form.addRow("Minimum", _row(self.low_slider, self.low))
        self.form.addRow("Maximum", _row(self.high_slider, self.high))
        self.form.addRow(self.replace)
        self.form.addRow(hint("The voxels in range are previewed in the slice views."))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancelled.emit)
        self.form.addRow(_row(self.apply_button, self.cancel_button))
        self._watch(self.low, self.high, self.replace)
        self.set_limits(-1024.0, 3071.0)

    def set_limits(self, low: float, high: float) -> None:
        """The volume's intensity range: the sliders span it (the spin boxes go beyond)."""
        for slider in (self.low_slider, self.high_slider):
            slider.blockSignals(True)
            slider.setRange(int(low), int(high))
            slider.blockSignals(False)
        _set_quietly(self.low_slider, round(self.low.value()))
        _set_quietly(self.high_slider, round(self.high.value()))

    def _low_changed(self, value: float) -> None:
        if value > self.high.value():
            self.high.setValue(value)

    def _high_changed(self, value: float) -> None:
        if value < self.low.value():
            self.low.setValue(value)

    def options(self) -> ThresholdOptions:
        low, high = self.low.value(), self.high.value()
        return ThresholdOptions(min(low, high), max(low, high), self.replace.isChecked())


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

    @property
    def needs_click(self) -> bool:
        return True

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


ISLAND_OPERATIONS = (
    ("Keep the largest island", "keep_largest"),
    ("Remove islands smaller than the minimum", "remove_small"),
    ("Split islands into segments", "split"),
    ("Keep the clicked island", "keep_selected"),
    ("Remove the clicked island", "remove_selected"),
)


class IslandsPage(OptionsPage):
    """Keep the largest, remove the small ones, split them, keep or remove the clicked one."""

    tool_id = "islands"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = IslandsOptions()
        self.operation = combo(ISLAND_OPERATIONS)
        self.operation.setObjectName("islandsOperation")
        self.min_voxels = QSpinBox()
        self.min_voxels.setObjectName("islandsMinVoxels")
        self.min_voxels.setRange(1, 1_000_000_000)
        self.min_voxels.setValue(defaults.min_voxels)
        self.min_voxels.setSuffix(" voxels")
        self.min_voxels.setKeyboardTracking(False)
        self.fully_connected = QCheckBox("Diagonal neighbours connect")
        self.fully_connected.setToolTip("Voxels touching by a corner or an edge are one island")
        self.click_hint = hint("Click an island of the selected segment in a slice view.")
        self.form.addRow(self.operation)
        self.form.addRow("Minimum size", self.min_voxels)
        self.form.addRow(self.fully_connected)
        self.form.addRow(self.click_hint)
        self.form.addRow(self.apply_button)
        self.operation.currentIndexChanged.connect(self._operation_changed)
        self._watch(self.operation, self.min_voxels, self.fully_connected)
        self._operation_changed()

    @property
    def needs_click(self) -> bool:
        return str(self.operation.currentData()).endswith("_selected")

    def _operation_changed(self) -> None:
        self.apply_button.setEnabled(not self.needs_click)
        self.click_hint.setVisible(self.needs_click)
        self.min_voxels.setEnabled(self.operation.currentData() in ("remove_small", "split"))

    def options(self) -> IslandsOptions:
        return IslandsOptions(
            operation=self.operation.currentData(),
            min_voxels=self.min_voxels.value(),
            fully_connected=self.fully_connected.isChecked(),
        )


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


class LogicalPage(OptionsPage):
    """Union, intersect, subtract, copy with another segment, or clear the selected one."""

    tool_id = "logical"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.operation = combo(
            [
                ("Add (union)", "union"),
                ("Intersect", "intersect"),
                ("Subtract", "subtract"),
                ("Copy", "copy"),
                ("Clear", "clear"),
            ]
        )
        self.modifier = shrinkable(QComboBox())
        self.modifier.setObjectName("logicalModifier")
        self.form.addRow("Operation", self.operation)
        self.form.addRow("With segment", self.modifier)
        self.form.addRow(hint("Segments never overlap: add and copy move the other's voxels."))
        self.form.addRow(self.apply_button)
        self.operation.currentIndexChanged.connect(
            lambda: self.modifier.setEnabled(self.operation.currentData() != "clear")
        )
        self._watch(self.operation, self.modifier)

    def set_segments(self, segments: Sequence[Segment], target: int | None) -> None:
        """The segments that can modify ``target`` (all but it); keeps the current choice."""
        current = self.modifier.currentData()
        self.modifier.blockSignals(True)
        self.modifier.clear()
        for segment in segments:
            if segment.value != target:
                self.modifier.addItem(swatch(segment.color, 12), segment.name, segment.value)
        found = self.modifier.findData(current)
        self.modifier.setCurrentIndex(max(found, 0))
        self.modifier.blockSignals(False)

    def options(self) -> LogicalOptions:
        modifier = self.modifier.currentData()
        return LogicalOptions(
            operation=self.operation.currentData(),
            modifier=None if modifier is None else int(modifier),
        )


class FillBetweenPage(OptionsPage):
    """Interpolate the selected segment across the empty slices of one view."""

    tool_id = "fill_between"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = combo([(v.value.capitalize(), v) for v in View])
        self.view.setObjectName("fillBetweenView")
        self.form.addRow("Drawn in", self.view)
        self.form.addRow(
            hint("Draw the segment on a few slices of this view; Apply fills the slices between.")
        )
        self.form.addRow(self.apply_button)
        self._watch(self.view)

    def chosen_view(self) -> View:
        """The view whose slices were drawn."""
        view = self.view.currentData()
        assert isinstance(view, View)
        return view

    def options(self) -> FillBetweenOptions:
        """Axial by default; the panel's owner maps the view to its array axis."""
        return FillBetweenOptions()


def _row(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QSlider) else 0)
    return holder


def _set_quietly(slider: QSlider, value: int) -> None:
    slider.blockSignals(True)
    slider.setValue(value)
    slider.blockSignals(False)


PAGES: tuple[type[OptionsPage], ...] = (
    BrushPage,
    ErasePage,
    ThresholdPage,
    RegionGrowPage,
    FillBetweenPage,
    IslandsPage,
    SmoothingPage,
    LogicalPage,
)
