"""The base of the tools' option pages and the small widgets they are built from.

Each tool's page lives in its UI module (:mod:`viewers.volume.tools`), as Slicer's Segment
Editor shows one effect's options at a time. A page collects its tool's options
(:meth:`OptionsPage.tool_options` returns the tool's frozen options dataclass, from
:mod:`workspace.segmentation.tools`) and reports ``changed`` when the user edits them,
``applied`` when the user asks for the edit and ``cancelled`` when the user puts a previewed
tool down. The pages compute nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Signal
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
    QWidget,
)

from viewers.volume.reslice import View
from viewers.volume.state import VolumeViewState
from workspace.segmentation.document import SegmentationDocument

if TYPE_CHECKING:
    from viewers.volume.tool_ui import Interaction

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


@dataclass(frozen=True)
class ToolEnvironment:
    """What a page may read to build its tool's options: the view state (brush...), the
    segmentation, each slice view's array axis, and the segment the tools edit."""

    state: VolumeViewState
    document: SegmentationDocument
    axes: Mapping[View, int]
    target: Callable[[], int | None]


class OptionsPage(QWidget):
    """One tool's options; ``changed`` after an edit, ``applied`` when Apply is pressed,
    ``cancelled`` when a previewed tool is put down."""

    changed = Signal()
    applied = Signal()
    cancelled = Signal()
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
        """The tool's options as the page shows them (None: the tool's defaults)."""
        return None

    def tool_options(self, env: ToolEnvironment) -> Any:
        """The options to run the tool with (None: its defaults); by default :meth:`options`,
        pages that need the view state (the brush, a view's axis) override it."""
        del env
        return self.options()

    def interaction(self, default: Interaction) -> Interaction:
        """How the tool acts with the options shown (its :class:`ToolUI`'s by default; a page
        whose options switch between Apply and a click overrides it)."""
        return default

    def refresh(self, env: ToolEnvironment) -> None:
        """The segments or the edited segment changed (a page listing segments follows)."""
        del env

    def preview_caption(self) -> str:
        """The caption over a previewed tool's slice views."""
        return "Preview"

    def _watch(self, *widgets: QWidget) -> None:
        for widget in widgets:
            if isinstance(widget, (QDoubleSpinBox, QSpinBox)):
                widget.valueChanged.connect(lambda _value: self.changed.emit())
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(lambda _index: self.changed.emit())
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(lambda _on: self.changed.emit())


def row(*widgets: QWidget) -> QWidget:
    """The widgets side by side (a slider takes the spare width)."""
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QSlider) else 0)
    return holder


def set_quietly(slider: QSlider, value: int) -> None:
    """Move ``slider`` without reporting it."""
    slider.blockSignals(True)
    slider.setValue(value)
    slider.blockSignals(False)
