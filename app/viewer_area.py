"""The central area: one tab per open item, or a welcome panel when nothing is open."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from viewers.base import Viewer, viewer_class_for
from viewers.builtins import load_viewer_for
from workspace.items import ItemSummary
from workspace.workspace import Workspace

logger = logging.getLogger(__name__)


EMPTY_TITLE = "No item open"
EMPTY_HINT = (
    "Double-click a task or an item in the list to open it.\n"
    "Drop files or folders here to import them (Ctrl+I imports files)."
)
LOCKED_TITLE = "Caliper is locked"
LOCKED_HINT = "Enter your passphrase to continue. Nothing is shown while locked."


def _placeholder() -> tuple[QWidget, QLabel, QLabel]:
    panel = QWidget()
    title = QLabel(EMPTY_TITLE)
    title.setObjectName("placeholderTitle")
    hint = QLabel(EMPTY_HINT)
    hint.setObjectName("placeholderHint")
    for label in (title, hint):
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout = QVBoxLayout(panel)
    layout.addStretch(1)
    layout.addWidget(title)
    layout.addSpacing(8)
    layout.addWidget(hint)
    layout.addStretch(2)
    return panel, title, hint


class ViewerArea(QStackedWidget):
    """Opens items in viewers chosen by modality; ``current_changed`` follows the active tab."""

    current_changed = Signal(object)  # Viewer | None
    viewer_opened = Signal(object)  # Viewer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder, self._title, self._hint = _placeholder()
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._on_current)
        #: One line above every viewer: its task's status, revision, due date, instructions.
        self.header = QLabel()
        self.header.setObjectName("viewerTaskHeader")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setContentsMargins(6, 2, 6, 2)
        self.header.hide()
        self.page = QWidget()
        page_layout = QVBoxLayout(self.page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.setSpacing(0)
        page_layout.addWidget(self.header)
        page_layout.addWidget(self.tabs, 1)
        self.addWidget(self.placeholder)
        self.addWidget(self.page)

    @property
    def viewers(self) -> list[Viewer]:
        """Open viewers, in tab order."""
        widgets = (self.tabs.widget(i) for i in range(self.tabs.count()))
        return [w for w in widgets if isinstance(w, Viewer)]

    @property
    def current(self) -> Viewer | None:
        """The viewer of the active tab."""
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, Viewer) else None

    def viewer_for(self, item_id: str) -> Viewer | None:
        """The open viewer of ``item_id``."""
        return next((v for v in self.viewers if v.item.id == item_id), None)

    def open(self, workspace: Workspace, item: ItemSummary) -> Viewer:
        """Show ``item`` (focusing its tab if already open)."""
        viewer = self.viewer_for(item.id)
        if viewer is None:
            load_viewer_for(item.modality)
            viewer = viewer_class_for(item.modality)(workspace, item)
            viewer.task_changed.connect(self._show_header)
            index = self.tabs.addTab(viewer, viewer.title())
            self.tabs.setTabToolTip(index, f"{item.modality}: {viewer.title()}")
            self.viewer_opened.emit(viewer)
        self.tabs.setCurrentWidget(viewer)
        self.setCurrentWidget(self.page)
        self._show_header()
        viewer.setFocus()
        return viewer

    def close_tab(self, index: int) -> None:
        """Close the viewer at tab ``index``."""
        widget = self.tabs.widget(index)
        if isinstance(widget, Viewer):
            widget.shutdown()
            widget.workspace.item_closed(widget.item.id)  # its edits compacted in the background
        self.tabs.removeTab(index)
        if widget is not None:
            widget.deleteLater()
        if self.tabs.count() == 0:
            self.setCurrentWidget(self.placeholder)
            self.current_changed.emit(None)

    def close_current(self) -> None:
        """Close the active tab."""
        if self.tabs.count():
            self.close_tab(self.tabs.currentIndex())

    def close_all(self) -> None:
        """Close every viewer (before locking or quitting)."""
        with_signals = self.tabs.blockSignals(True)
        try:
            while self.tabs.count():
                self.close_tab(self.tabs.count() - 1)
        finally:
            self.tabs.blockSignals(with_signals)
        self.setCurrentWidget(self.placeholder)
        self.current_changed.emit(None)

    def set_locked(self, locked: bool) -> None:
        """Say so on the empty panel while the profile is locked."""
        self._title.setText(LOCKED_TITLE if locked else EMPTY_TITLE)
        self._hint.setText(LOCKED_HINT if locked else EMPTY_HINT)

    def _on_current(self, index: int) -> None:
        del index
        self._show_header()
        self.current_changed.emit(self.current)

    def _show_header(self) -> None:
        """The current viewer's task line (hidden for an item outside any task)."""
        viewer = self.current
        text = viewer.header_text() if viewer is not None else ""
        self.header.setText(text)
        self.header.setToolTip(viewer.task.instructions if viewer and viewer.task else "")
        self.header.setVisible(bool(text))
