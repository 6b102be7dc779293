"""The viewer module of the respiration modality that tests/app/test_new_modality.py adds."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from viewers.base import Viewer, register_viewer
from workspace.items import ItemSummary
from workspace.workspace import Workspace


@register_viewer("respiration")
class RespirationViewer(Viewer):
    """A breathing trace: its title (enough to show the registry picks it)."""

    modality = "respiration"
    editable = True

    def __init__(
        self, workspace: Workspace, item: ItemSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, item, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(item.title))
