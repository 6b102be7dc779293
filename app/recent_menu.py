"""File ▸ Open Recent, filled from ``workspace.recent_items()`` each time it opens."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QWidget

from viewers.safe_log import log_failure
from workspace.workspace import Workspace

logger = logging.getLogger(__name__)


class RecentItemsMenu(QMenu):
    """Lists recently opened items; choosing one calls ``open_item(item_id)``."""

    def __init__(self, open_item: Callable[[str], object], parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self.workspace: Workspace | None = None
        self._open_item = open_item
        self.aboutToShow.connect(self.rebuild)

    def rebuild(self) -> None:
        """Re-read the recent items."""
        self.clear()
        items = []
        if self.workspace is not None:
            try:
                items = self.workspace.recent_items()
            except Exception as error:  # noqa: BLE001 - shown to the user; logged without PHI
                log_failure(logger, "Recent items could not be read", error)
        for number, item in enumerate(items, start=1):
            prefix = f"&{number} " if number < 10 else ""
            title = item.title.replace("&", "&&")
            action = self.addAction(f"{prefix}{title}  ({item.modality})")
            action.triggered.connect(lambda _c=False, item_id=item.id: self._open_item(item_id))
        if not items:
            self.addAction("No recent items").setEnabled(False)
