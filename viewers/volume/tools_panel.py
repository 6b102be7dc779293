"""The Tools panel: the segmentation tools, the brush, the editable area and one tool's options.

After 3D Slicer's Segment Editor and ITK-SNAP's tool palette: a button per tool (each with a
one-key shortcut, see :data:`TOOLS`; the measurement tools in a row of their own), the brush
size in millimetres (slider and spin box) with a 2D disc / 3D sphere toggle, the editable-area
rule shared by every tool, and below them the options of the chosen tool
(:mod:`viewers.volume.tool_options`, :mod:`viewers.volume.markup_options`). The panel only
reports what the user asks for; the viewer's :class:`~viewers.volume.tool_control.ToolControl`
runs the workspace tools and pushes their commands (the measurement tools:
:class:`~viewers.volume.markup_control.MarkupControl`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from viewers.volume.markup_options import MARKUP_PAGES
from viewers.volume.tool_options import PAGES, OptionsPage, ThresholdPage, shrinkable, spin
from workspace.segmentation.area import EditRule


@dataclass(frozen=True)
class ToolSpec:
    """A tool button: the workspace tool id, its label, its key and what it does."""

    tool_id: str
    text: str
    key: str
    tip: str


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("paint", "Paint", "P", "Paint the selected segment (left-drag)"),
    ToolSpec("erase", "Erase", "E", "Erase the selected segment (left-drag)"),
    ToolSpec("threshold", "Threshold", "T", "Fill an intensity range, previewed first"),
    ToolSpec("region_grow", "Grow", "G", "Grow a region from a clicked seed"),
    ToolSpec("fill_between", "Fill between", "I", "Interpolate across empty slices"),
    ToolSpec("islands", "Islands", "K", "Keep, remove or split the segment's islands"),
    ToolSpec("smoothing", "Smooth", "S", "Median, opening or closing of the segment"),
    ToolSpec("logical", "Logical", "O", "Union, intersect, subtract, copy, clear"),
    ToolSpec("landmark", "Landmark", "N", "Place a named point (click)"),
    ToolSpec("ruler", "Ruler", "D", "Measure a distance in mm (drag)"),
    ToolSpec("box3d", "3D box", "X", "Draw a 3D box (drag), adjust its edges in another view"),
)
TOOL_KEYS = {getattr(Qt.Key, f"Key_{spec.key}"): spec.tool_id for spec in TOOLS}
BRUSH_TOOLS = ("paint", "erase")
#: The measurement tools: they place annotations, not voxels, and need no segment.
MARKUP_TOOLS = ("landmark", "ruler", "box3d")
EDIT_RULES = (
    ("Overwrite all segments", EditRule.OVERWRITE_ALL),
    ("Overwrite visible segments", EditRule.OVERWRITE_VISIBLE),
    ("Leave other segments alone", EditRule.ALLOW_OVERLAP),
)
BRUSH_MIN_MM, BRUSH_MAX_MM = 0.5, 100.0
BRUSH_SLIDER_MAX_MM = 50  # the slider covers the usual sizes; the spin box goes further
COLUMNS = 3  # of tool buttons
#: The chosen tool's button stands out in either theme.
CHECKED_STYLE = (
    "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
    " border: 1px solid palette(highlight); border-radius: 3px; padding: 3px; }"
)


class ToolsPanel(QWidget):
    """Tool buttons, brush, editable area and the options of the chosen tool."""

    tool_changed = Signal(object)  # tool id, or None for no tool (left-click navigates)
    brush_changed = Signal(float, bool)  # radius in mm, sphere
    area_changed = Signal(object)  # EditRule
    options_changed = Signal(str)  # tool id
    apply_requested = Signal(str)  # tool id
    cancel_requested = Signal(str)  # tool id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolsPanel")
        self._tool: str | None = None
        self.buttons: dict[str, QToolButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # a second click on the chosen tool puts it down
        grid, measure = QGridLayout(), QGridLayout()
        grid.setSpacing(3)
        measure.setSpacing(3)
        for spec in TOOLS:
            button = QToolButton()
            button.setObjectName(f"tool_{spec.tool_id}")
            button.setText(spec.text)
            button.setToolTip(f"{spec.tip} ({spec.key})")
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda checked, t=spec.tool_id: self._clicked(t, checked))
            self.group.addButton(button)
            self.buttons[spec.tool_id] = button
            into = measure if spec.tool_id in MARKUP_TOOLS else grid
            n = into.count()
            into.addWidget(button, n // COLUMNS, n % COLUMNS)
        self.setStyleSheet(CHECKED_STYLE)
        self.target = QLabel()
        self.target.setObjectName("toolTarget")
        self.target.setWordWrap(True)

        self.brush_box = QGroupBox("Brush")
        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setRange(1, BRUSH_SLIDER_MAX_MM)
        self.brush_slider.setToolTip("Brush radius in millimetres ([ and ] change it)")
        self.brush_spin = spin(BRUSH_MIN_MM, BRUSH_MAX_MM, 5.0, 0.5, 1)
        self.brush_spin.setObjectName("brushRadius")
        self.brush_spin.setSuffix(" mm")
        self.brush_spin.setToolTip("Brush radius in millimetres ([ and ] change it)")
        self.sphere = QCheckBox("3D sphere")
        self.sphere.setToolTip("Paint a ball; otherwise a disc in the slice you paint on")
        self.sphere.setObjectName("brushSphere")
        self.brush_slider.valueChanged.connect(self._slid)
        self.brush_spin.valueChanged.connect(self._brush_spun)
        self.sphere.toggled.connect(lambda _on: self._emit_brush())
        brush = QVBoxLayout(self.brush_box)
        size_row = QHBoxLayout()
        size_row.addWidget(QLabel("Radius"))
        size_row.addWidget(self.brush_slider, 1)
        size_row.addWidget(self.brush_spin)
        brush.addLayout(size_row)
        brush.addWidget(self.sphere)

        self.area = shrinkable(QComboBox())
        self.area.setObjectName("editableArea")
        for text, rule in EDIT_RULES:
            self.area.addItem(text, rule)
        self.area.setToolTip("What painting may overwrite (locked segments: never)")
        self.area.currentIndexChanged.connect(
            lambda _n: self.area_changed.emit(self.area.currentData())
        )
        self.area_row = QWidget()  # hidden with the measurement tools: they change no voxel
        area_form = QFormLayout(self.area_row)
        area_form.setContentsMargins(0, 0, 0, 0)
        area_form.addRow("Editable area", self.area)

        self.pages: dict[str, OptionsPage] = {}
        self.options_box = QGroupBox("Options")
        self.stack = QStackedWidget()
        for page_class in (*PAGES, *MARKUP_PAGES):
            page = page_class()
            tool_id = page_class.tool_id
            page.changed.connect(lambda t=tool_id: self.options_changed.emit(t))
            page.applied.connect(lambda t=tool_id: self.apply_requested.emit(t))
            self.pages[tool_id] = page
            self.stack.addWidget(page)
        threshold = self.pages["threshold"]
        assert isinstance(threshold, ThresholdPage)
        threshold.cancelled.connect(lambda: self.cancel_requested.emit("threshold"))
        options = QVBoxLayout(self.options_box)
        options.addWidget(self.stack)
        self.message = QLabel()
        self.message.setObjectName("toolMessage")
        self.message.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(QLabel("Tools"))
        layout.addLayout(grid)
        layout.addWidget(QLabel("Measure"))
        layout.addLayout(measure)
        layout.addWidget(self.target)
        layout.addWidget(self.area_row)
        layout.addWidget(self.brush_box)
        layout.addWidget(self.options_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._slid(self.brush_slider.value())  # slider and spin box agree from the start
        self.set_brush_radius(5.0)
        self._show_tool()

    # ------------------------------------------------------------------ state
    @property
    def tool(self) -> str | None:
        """The chosen tool's id (None: no tool)."""
        return self._tool

    def set_tool(self, tool_id: str | None) -> None:
        """Choose ``tool_id`` (None: none) and report it."""
        if tool_id is not None and tool_id not in self.buttons:
            raise KeyError(tool_id)
        for other, button in self.buttons.items():
            button.setChecked(other == tool_id)
        if tool_id != self._tool:
            self._tool = tool_id
            self._show_tool()
            self.tool_changed.emit(tool_id)

    def page(self, tool_id: str) -> OptionsPage:
        """The options page of ``tool_id``."""
        return self.pages[tool_id]

    @property
    def brush_radius(self) -> float:
        """Brush radius in mm."""
        return float(self.brush_spin.value())

    def set_brush_radius(self, radius_mm: float) -> None:
        """Show (and report) a brush radius, clamped to the allowed range."""
        self.brush_spin.setValue(min(max(radius_mm, BRUSH_MIN_MM), BRUSH_MAX_MM))

    @property
    def edit_rule(self) -> EditRule:
        """The editable-area rule chosen."""
        rule = self.area.currentData()
        assert isinstance(rule, EditRule)
        return rule

    def set_target(self, name: str | None) -> None:
        """Name the segment the tools edit (None: none chosen yet)."""
        if name is None:
            self.target.setText("Select a segment (Segments list or label palette).")
        else:
            self.target.setText(f"Editing: <b>{name}</b>")

    def show_message(self, text: str) -> None:
        """A tool's last problem or result (empty clears it)."""
        self.message.setText(text)

    # ------------------------------------------------------------------ widgets -> state
    def _clicked(self, tool_id: str, checked: bool) -> None:
        self.set_tool(tool_id if checked else None)

    def _show_tool(self) -> None:
        tool = self._tool
        self.brush_box.setVisible(tool in BRUSH_TOOLS)
        self.target.setVisible(tool not in MARKUP_TOOLS)
        self.area_row.setVisible(tool not in MARKUP_TOOLS)
        self.options_box.setVisible(tool is not None)
        if tool is not None:
            for page in self.pages.values():  # the box takes the height of the page shown
                policy = (
                    QSizePolicy.Policy.Preferred
                    if page is self.pages[tool]
                    else (QSizePolicy.Policy.Ignored)
                )
                page.setSizePolicy(policy, policy)
            self.stack.setCurrentWidget(self.pages[tool])
            self.stack.updateGeometry()
            spec = next(s for s in TOOLS if s.tool_id == tool)
            self.options_box.setTitle(f"{spec.text}: options")
        self.message.clear()

    def _slid(self, position: int) -> None:
        if abs(self.brush_spin.value() - position) >= 0.5:
            self.brush_spin.setValue(float(position))

    def _brush_spun(self, value: float) -> None:
        self.brush_slider.blockSignals(True)
        self.brush_slider.setValue(min(max(round(value), 1), BRUSH_SLIDER_MAX_MM))
        self.brush_slider.blockSignals(False)
        self._emit_brush()

    def _emit_brush(self) -> None:
        self.brush_changed.emit(self.brush_radius, self.sphere.isChecked())
