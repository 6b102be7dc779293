"""Logical operators: union, intersect, subtract or copy another segment; clear the segment."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QWidget

from viewers.swatch import swatch
from viewers.volume.tool_options import OptionsPage, ToolEnvironment, combo, hint, shrinkable
from viewers.volume.tool_ui import ToolUI, register_tool_ui
from workspace.segmentation.tools.logical import LogicalOptions
from workspace.volume.model import Segment


class LogicalPage(OptionsPage):
    """Union, intersect, subtract, copy with another segment, or clear the selected one."""

    tool_id = "logical"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.operation = combo(
            [
                ("Add (union)", "union"),
                ("Intersect", "intersect"),
                ("Subtract", "subtract"),
                ("Copy", "copy"),
                ("Clear", "clear"),
            ]
        )
        self.modifier = shrinkable(QComboBox())
        self.modifier.setObjectName("logicalModifier")
        self.form.addRow("Operation", self.operation)
        self.form.addRow("With segment", self.modifier)
        self.form.addRow(hint("Segments never overlap: add and copy move the other's voxels."))
        self.form.addRow(self.apply_button)
        self.operation.currentIndexChanged.connect(
            lambda: self.modifier.setEnabled(self.operation.currentData() != "clear")
        )
        self._watch(self.operation, self.modifier)

    def refresh(self, env: ToolEnvironment) -> None:
        self.set_segments(env.document.segments, env.target())

    def set_segments(self, segments: Sequence[Segment], target: int | None) -> None:
        """The segments that can modify ``target`` (all but it); keeps the current choice."""
        current = self.modifier.currentData()
        self.modifier.blockSignals(True)
        self.modifier.clear()
        for segment in segments:
            if segment.value != target:
                self.modifier.addItem(swatch(segment.color, 12), segment.name, segment.value)
        found = self.modifier.findData(current)
        self.modifier.setCurrentIndex(max(found, 0))
        self.modifier.blockSignals(False)

    def options(self) -> LogicalOptions:
        modifier = self.modifier.currentData()
        return LogicalOptions(
            operation=self.operation.currentData(),
            modifier=None if modifier is None else int(modifier),
        )


register_tool_ui(
    ToolUI(
        "logical",
        "Logical",
        "O",
        "Union, intersect, subtract, copy, clear",
        LogicalPage,
        order=80,
    )
)
