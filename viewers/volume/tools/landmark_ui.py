"""Landmark: a click in a slice view places a named point."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from viewers.volume.markup_options import MarkupPage
from viewers.volume.tool_options import hint
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui


class LandmarkPage(MarkupPage):
    """Landmark: a click places a named point."""

    tool_id = "landmark"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(hint("Click in a slice view to place a landmark."))


register_tool_ui(
    ToolUI(
        "landmark",
        "Landmark",
        "N",
        "Place a named point (click)",
        LandmarkPage,
        Interaction.MARKUP,
        order=110,
    )
)
