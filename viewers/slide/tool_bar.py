"""The slide viewer's annotation tool row: pan, select and the drawing tools, plus the region
operations (union, subtract, delete) on the selection.

One tool is active at a time (``view.tool``; None pans). The tools come from
:mod:`viewers.slide.tools`; this row only chooses among them and hands them the session.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QToolButton, QWidget

from viewers.slide.tools.base import SlideTool, ToolSession
from viewers.slide.tools.drawing import (
    BrushTool,
    EllipseTool,
    FreehandTool,
    LineTool,
    PointTool,
    PolygonTool,
    RectangleTool,
)
from viewers.slide.tools.editing import (
    SelectTool,
    delete_selected,
    subtract_selected,
    union_selected,
)

#: (title, tool class or None for panning, tip), in button order.
TOOLS: tuple[tuple[str, type[SlideTool] | None, str], ...] = (
    ("Pan", None, "Drag pans the slide"),
    ("Select", SelectTool, "Click a shape to select it (Shift adds); drag a vertex to move it"),
    ("Rectangle", RectangleTool, "Drag a rectangle"),
    ("Ellipse", EllipseTool, "Drag an ellipse"),
    ("Polygon", PolygonTool, "Click the vertices; Enter or a click on the first one closes it"),
    ("Freehand", FreehandTool, "Drag around a region"),
    ("Brush", BrushTool, "Paint a region; over a selected region of the class it grows it"),
    ("Point", PointTool, "Click a cell to count it"),
    ("Line", LineTool, "Drag a line (its length in µm)"),
)


class SlideToolBar(QWidget):
    """Checkable tool buttons and the region operations; ``tool_changed`` gives the new tool."""

    tool_changed = Signal(object)  # SlideTool | None

    def __init__(self, session: ToolSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        group = QButtonGroup(self)
        group.setExclusive(True)
        for title, tool, tip in TOOLS:
            button = QToolButton()
            button.setText(title)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, t=tool: self.choose(t))
            group.addButton(button)
            row.addWidget(button)
            self.buttons[title] = button
        self.buttons["Pan"].setChecked(True)
        row.addSpacing(12)
        operations: tuple[tuple[str, Callable[[ToolSession], bool], str], ...] = (
            ("Union", union_selected, "Merge the selected regions (Ctrl+U in Select)"),
            ("Subtract", subtract_selected, "Cut the later selected regions out of the first"),
            ("Delete", delete_selected, "Delete the selected shapes (Del in Select)"),
        )
        for title, operation, tip in operations:
            button = QToolButton()
            button.setText(title)
            button.setToolTip(tip)
            button.clicked.connect(lambda _c=False, op=operation: op(self.session))
            row.addWidget(button)
            self.buttons[title] = button
        row.addStretch(1)

    def choose(self, tool: type[SlideTool] | None) -> None:
        """Make ``tool`` (a class; None pans) the active tool."""
        title = next(t for t, cls, _ in TOOLS if cls is tool)
        self.buttons[title].setChecked(True)
        self.tool_changed.emit(None if tool is None else tool(self.session))
