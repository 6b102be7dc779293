"""Polygon: clicks outline a closed region on one slice; its area and the values inside."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from viewers.volume.markup_options import MarkupPage
from viewers.volume.tool_options import hint
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui


class PolygonPage(MarkupPage):
    """Polygon: click the vertices, double-click or Enter closes the outline."""

    tool_id = "polygon"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(
            hint(
                "Click the outline's points in a slice view; double-click or Enter closes it,"
                " Backspace takes the last point back, Esc drops it. Drag a point of a polygon"
                " to move it; double-click (or Ctrl+click) an edge to add a point there;"
                " Delete takes out the point under the mouse (or the one clicked); right-click"
                " a point or an edge for the same. The list shows its area and the mean, min"
                " and max inside (read in the background)."
            )
        )


register_tool_ui(
    ToolUI(
        "polygon",
        "Polygon",
        "L",
        "Outline a region on a slice (click points, double-click closes): area and values",
        PolygonPage,
        Interaction.MARKUP,
        order=140,
    )
)
