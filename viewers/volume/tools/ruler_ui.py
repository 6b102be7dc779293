"""Ruler: press, drag and release in a slice view measures a distance in millimetres."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from viewers.volume.markup_options import MarkupPage
from viewers.volume.tool_options import hint
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui


class RulerPage(MarkupPage):
    """Ruler: press, drag and release measures a distance."""

    tool_id = "ruler"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(hint("Drag in a slice view to measure a distance in millimetres."))


register_tool_ui(
    ToolUI(
        "ruler",
        "Ruler",
        "D",
        "Measure a distance in mm (drag)",
        RulerPage,
        Interaction.MARKUP,
        order=120,
    )
)
