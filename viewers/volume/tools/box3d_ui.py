"""3D box: a rectangle dragged in one view, reaching a depth on each side of the slice."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from viewers.volume.markup_options import MarkupPage
from viewers.volume.tool_options import hint, spin
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui

BOX_DEPTH_MM = 10.0


class BoxPage(MarkupPage):
    """3D box: a rectangle dragged in one view, the given depth on each side of the slice."""

    tool_id = "box3d"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reach = spin(0.0, 1000.0, BOX_DEPTH_MM, 1.0, 1)
        self.reach.setObjectName("boxDepth")
        self.reach.setSuffix(" mm")
        self.reach.setPrefix("± ")
        self.reach.setToolTip("How far the box reaches on each side of the slice it is drawn in")
        self.form.addRow("Depth", self.reach)
        self.form.addRow(
            hint(
                "Drag a rectangle in a slice view; drag an edge of the box in another view to"
                " adjust its extent."
            )
        )
        self._watch(self.reach)

    @property
    def depth_mm(self) -> float:
        """The depth on each side of the slice, in mm."""
        return float(self.reach.value())


register_tool_ui(
    ToolUI(
        "box3d",
        "3D box",
        "X",
        "Draw a 3D box (drag), adjust its edges in another view",
        BoxPage,
        Interaction.MARKUP,
        order=130,
    )
)
