"""The Tools panel: the segmentation tools, the brush, the editable area and one tool's options.

After 3D Slicer's Segment Editor and ITK-SNAP's tool palette: a button per registered tool
(:func:`~viewers.volume.tool_ui.tool_uis`, each with its one-key shortcut; the measurement
tools in a row of their own), the brush size in millimetres (slider and spin box) with a 2D
disc / 3D sphere toggle, the editable-area rule shared by every tool, and below them the
options page of the chosen tool, which the tool's UI module brings. The chosen tool and the
brush are the viewer's :class:`~viewers.volume.state.VolumeViewState`: the panel shows them
and writes the user's choices back. The viewer's
:class:`~viewers.volume.tool_control.ToolControl` runs the workspace tools and pushes their
commands (the measurement tools: :class:`~viewers.volume.markup_control.MarkupControl`).
"""

from __future__ import annotations

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

from viewers.volume.state import BRUSH_MAX_MM, BRUSH_MIN_MM, VolumeViewState
from viewers.volume.tool_options import OptionsPage, shrinkable, spin
from viewers.volume.tool_ui import Interaction, ToolUI, tool_uis
from workspace.segmentation.area import EditRule

EDIT_RULES = (
    ("Overwrite all segments", EditRule.OVERWRITE_ALL),
    ("Overwrite visible segments", EditRule.OVERWRITE_VISIBLE),
    ("Leave other segments alone", EditRule.ALLOW_OVERLAP),
)
BRUSH_SLIDER_MAX_MM = 50  # the slider covers the usual sizes; the spin box goes further
COLUMNS = 3  # of tool buttons
#: The chosen tool's button stands out in either theme.
CHECKED_STYLE = (
    "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
    " border: 1px solid palette(highlight); border-radius: 3px; padding: 3px; }"
)


class ToolsPanel(QWidget):
    """Tool buttons, brush, editable area and the options of the chosen tool."""

    area_changed = Signal(object)  # EditRule
    options_changed = Signal(str)  # tool id
    apply_requested = Signal(str)  # tool id
    cancel_requested = Signal(str)  # tool id

    def __init__(self, state: VolumeViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolsPanel")
        self.state = state
        self.uis: dict[str, ToolUI] = {ui.tool_id: ui for ui in tool_uis()}
        self.buttons: dict[str, QToolButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # a second click on the chosen tool puts it down
        grid, measure = QGridLayout(), QGridLayout()
        grid.setSpacing(3)
        measure.setSpacing(3)
        for ui in self.uis.values():
            button = QToolButton()
            button.setObjectName(f"tool_{ui.tool_id}")
            button.setText(ui.title)
            button.setToolTip(f"{ui.tip} ({ui.key})")
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda checked, t=ui.tool_id: self._clicked(t, checked))
            self.group.addButton(button)
            self.buttons[ui.tool_id] = button
            into = measure if ui.interaction is Interaction.MARKUP else grid
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
        self.brush_spin = spin(BRUSH_MIN_MM, BRUSH_MAX_MM, state.brush_radius_mm, 0.5, 1)
        self.brush_spin.setObjectName("brushRadius")
        self.brush_spin.setSuffix(" mm")
        self.brush_spin.setToolTip("Brush radius in millimetres ([ and ] change it)")
        self.sphere = QCheckBox("3D sphere")
        self.sphere.setToolTip("Paint a ball; otherwise a disc in the slice you paint on")
        self.sphere.setObjectName("brushSphere")
        self.brush_slider.valueChanged.connect(self._slid)
        self.brush_spin.valueChanged.connect(lambda _value: self._brush_edited())
        self.sphere.toggled.connect(lambda _on: self._brush_edited())
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
        for tool_id, ui in self.uis.items():
            page = ui.page()
            page.changed.connect(lambda t=tool_id: self.options_changed.emit(t))
            page.applied.connect(lambda t=tool_id: self.apply_requested.emit(t))
            page.cancelled.connect(lambda t=tool_id: self.cancel_requested.emit(t))
            self.pages[tool_id] = page
            self.stack.addWidget(page)
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
        state.events.tool.connect(self._show_tool)
        state.events.brush.connect(self._show_brush)
        self._show_brush(state.brush_radius_mm, state.brush_sphere)
        self._show_tool(state.tool)

    # ------------------------------------------------------------------ state
    @property
    def tool(self) -> str | None:
        """The chosen tool's id (None: no tool)."""
        return self.state.tool

    def set_tool(self, tool_id: str | None) -> None:
        """Choose ``tool_id`` (None: none; KeyError if the panel has no such tool)."""
        if tool_id is not None and tool_id not in self.buttons:
            raise KeyError(tool_id)
        self.state.tool = tool_id

    def tool_for_key(self, key: int) -> str | None:
        """The tool whose shortcut is the Qt key ``key`` (None: none)."""
        return next(
            (t for t, ui in self.uis.items() if getattr(Qt.Key, f"Key_{ui.key}") == key), None
        )

    def page(self, tool_id: str) -> OptionsPage:
        """The options page of ``tool_id``."""
        return self.pages[tool_id]

    def interaction(self, tool_id: str | None) -> Interaction | None:
        """How ``tool_id`` acts with the options its page shows (None: no tool)."""
        if tool_id is None:
            return None
        return self.pages[tool_id].interaction(self.uis[tool_id].interaction)

    @property
    def brush_radius(self) -> float:
        """Brush radius in mm, as the spin box shows it."""
        return float(self.brush_spin.value())

    def set_brush_radius(self, radius_mm: float) -> None:
        """Set the brush radius (clamped to the allowed range)."""
        self.state.brush_radius_mm = radius_mm

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

    # ------------------------------------------------------------------ state -> widgets
    def _show_tool(self, tool: str | None) -> None:
        for other, button in self.buttons.items():
            button.setChecked(other == tool)
        interaction = self.interaction(tool)
        self.brush_box.setVisible(interaction is Interaction.STROKE)
        self.target.setVisible(interaction is not Interaction.MARKUP)
        self.area_row.setVisible(interaction is not Interaction.MARKUP)
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
            self.options_box.setTitle(f"{self.uis[tool].title}: options")
        self.message.clear()

    def _show_brush(self, radius_mm: float, sphere: bool) -> None:
        for widget in (self.brush_spin, self.brush_slider, self.sphere):
            widget.blockSignals(True)
        self.brush_spin.setValue(radius_mm)
        self.brush_slider.setValue(min(max(round(radius_mm), 1), BRUSH_SLIDER_MAX_MM))
        self.sphere.setChecked(sphere)
        for widget in (self.brush_spin, self.brush_slider, self.sphere):
            widget.blockSignals(False)

    # ------------------------------------------------------------------ widgets -> state
    def _clicked(self, tool_id: str, checked: bool) -> None:
        self.set_tool(tool_id if checked else None)

    def _slid(self, position: int) -> None:
        if abs(self.brush_spin.value() - position) >= 0.5:
            self.brush_spin.setValue(float(position))

    def _brush_edited(self) -> None:
        with self.state.events.brush.blocker(self._show_brush):  # no echo into the spin box
            self.state.set_brush(self.brush_spin.value(), self.sphere.isChecked())
        self._show_brush(self.state.brush_radius_mm, self.state.brush_sphere)  # the slider too
