"""Paint: left-drag paints the selected segment with the brush of the view state."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from viewers.volume.tool_options import OptionsPage, ToolEnvironment, hint
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui
from workspace.segmentation.tools.paint import BrushOptions


class BrushPage(OptionsPage):
    """Paint: the brush itself is set above (size, disc or sphere)."""

    tool_id = "paint"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(hint("Left-drag in a slice view paints the selected segment."))

    def tool_options(self, env: ToolEnvironment) -> BrushOptions:
        return BrushOptions(env.state.brush_radius_mm, env.state.brush_sphere)


register_tool_ui(
    ToolUI(
        "paint",
        "Paint",
        "P",
        "Paint the selected segment (left-drag)",
        BrushPage,
        Interaction.STROKE,
        order=10,
    )
)
