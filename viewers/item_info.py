"""Fallback viewer: an item's details, for modalities without a dedicated viewer yet."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from viewers.base import FALLBACK, Viewer, register_viewer
from workspace.items import ItemSummary
from workspace.workspace import Workspace

MAX_EXPANDED_FILES = 8


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


@register_viewer(FALLBACK)
class ItemInfoViewer(Viewer):
    """Read-only table of an item's identity, files and metadata."""

    def __init__(
        self, workspace: Workspace, item: ItemSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, item, parent)
        self.notice = QLabel(
            f"There is no viewer for {item.modality} items yet; these are the item's details."
        )
        self.notice.setWordWrap(True)
        self.notice.setContentsMargins(8, 8, 8, 4)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice)
        layout.addWidget(self.tree)
        self._fill()

    def _fill(self) -> None:
        item = self.item
        general = QTreeWidgetItem(self.tree, ["Item"])
        for field, value in (
            ("Title", item.title),
            ("Modality", item.modality),
            ("Imported", item.created_at),
            ("Id", item.id),
            ("Content SHA-256", item.content_digest),
        ):
            QTreeWidgetItem(general, [field, value])
        meta = QTreeWidgetItem(self.tree, ["Metadata"])
        for key in sorted(item.meta):
            QTreeWidgetItem(meta, [str(key), _value_text(item.meta[key])])
        stored_files = self.opened.files
        files = QTreeWidgetItem(self.tree, ["Files", f"{len(stored_files)} stored, encrypted"])
        for stored in stored_files:
            QTreeWidgetItem(files, [stored.name, stored.digest])
        self.tree.expandAll()
        files.setExpanded(len(stored_files) <= MAX_EXPANDED_FILES)
        self.tree.resizeColumnToContents(0)

    def field_value(self, section: str, field: str) -> str | None:
        """The text shown for ``field`` under ``section`` (tests, accessibility)."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is None or top.text(0) != section:
                continue
            for j in range(top.childCount()):
                child = top.child(j)
                if child is not None and child.text(0) == field:
                    return child.text(1)
        return None
