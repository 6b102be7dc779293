"""Islands: keep the largest, remove small ones, split them, or keep or remove a clicked one."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QSpinBox, QWidget

from viewers.volume.tool_options import OptionsPage, combo, hint
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui
from workspace.segmentation.tools.islands import IslandsOptions

ISLAND_OPERATIONS = (
    ("Keep the largest island", "keep_largest"),
    ("Remove islands smaller than the minimum", "remove_small"),
    ("Split islands into segments", "split"),
    ("Keep the clicked island", "keep_selected"),
    ("Remove the clicked island", "remove_selected"),
)


class IslandsPage(OptionsPage):
    """Keep the largest, remove the small ones, split them, keep or remove the clicked one."""

    tool_id = "islands"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = IslandsOptions()
        self.operation = combo(ISLAND_OPERATIONS)
        self.operation.setObjectName("islandsOperation")
        self.min_voxels = QSpinBox()
        self.min_voxels.setObjectName("islandsMinVoxels")
        self.min_voxels.setRange(1, 1_000_000_000)
        self.min_voxels.setValue(defaults.min_voxels)
        self.min_voxels.setSuffix(" voxels")
        self.min_voxels.setKeyboardTracking(False)
        self.fully_connected = QCheckBox("Diagonal neighbours connect")
        self.fully_connected.setToolTip("Voxels touching by a corner or an edge are one island")
        self.click_hint = hint("Click an island of the selected segment in a slice view.")
        self.form.addRow(self.operation)
        self.form.addRow("Minimum size", self.min_voxels)
        self.form.addRow(self.fully_connected)
        self.form.addRow(self.click_hint)
        self.form.addRow(self.apply_button)
        self.operation.currentIndexChanged.connect(self._operation_changed)
        self._watch(self.operation, self.min_voxels, self.fully_connected)
        self._operation_changed()

    @property
    def needs_click(self) -> bool:
        """Whether the operation acts on the island clicked (not on Apply)."""
        return str(self.operation.currentData()).endswith("_selected")

    def interaction(self, default: Interaction) -> Interaction:
        return Interaction.CLICK if self.needs_click else default

    def _operation_changed(self) -> None:
        self.apply_button.setEnabled(not self.needs_click)
        self.click_hint.setVisible(self.needs_click)
        self.min_voxels.setEnabled(self.operation.currentData() in ("remove_small", "split"))

    def options(self) -> IslandsOptions:
        return IslandsOptions(
            operation=self.operation.currentData(),
            min_voxels=self.min_voxels.value(),
            fully_connected=self.fully_connected.isChecked(),
        )


register_tool_ui(
    ToolUI(
        "islands",
        "Islands",
        "K",
        "Keep, remove or split the segment's islands",
        IslandsPage,
        order=60,
    )
)
