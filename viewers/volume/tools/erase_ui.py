"""Erase: left-drag clears the selected segment (or every visible one) with the brush."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from viewers.volume.tool_options import OptionsPage, ToolEnvironment, hint
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui
from workspace.segmentation.tools.erase import EraserOptions


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

    def tool_options(self, env: ToolEnvironment) -> EraserOptions:
        state = env.state
        return EraserOptions(state.brush_radius_mm, state.brush_sphere, self.options())


register_tool_ui(
    ToolUI(
        "erase",
        "Erase",
        "E",
        "Erase the selected segment (left-drag)",
        ErasePage,
        Interaction.STROKE,
        order=20,
        erases=True,
    )
)
