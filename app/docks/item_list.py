"""Task and item list dock: tasks with their status, items grouped by modality, a filter."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QLineEdit,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.docks.item_details import item_label, item_tooltip
from viewers.qt_events import RelayGroup
from workspace import modalities
from workspace.items import ItemSummary
from workspace.projects import TaskSummary
from workspace.workspace import Workspace

ITEM_ID_ROLE = Qt.ItemDataRole.UserRole
GROUP_ROLE = Qt.ItemDataRole.UserRole + 1
TASK_ID_ROLE = Qt.ItemDataRole.UserRole + 2
TASKS = "Tasks"


def modality_name(modality_id: str) -> str:
    """Heading shown for a modality group (its registered display name)."""
    try:
        return modalities.modality(modality_id).display_name
    except modalities.UnknownModalityError:  # an item stored by a Caliper that knew more modalities
        return modality_id.capitalize() or "Other"


def status_text(task: TaskSummary) -> str:
    """A task status as shown in the list ("in progress"; "submitted r2" from revision 2)."""
    text = task.status.value.replace("_", " ")
    return f"{text} r{task.revision}" if task.revision > 1 else text


def task_tooltip(task: TaskSummary) -> str:
    """The batch, revision, due date and instructions of a task (its row's tooltip)."""
    lines = [task.batch_title] if task.batch_title else []
    lines.append(f"Revision {task.revision}")
    if task.due:
        lines.append(f"Due {task.due}")
    if task.instructions:
        lines.append(f"Instructions: {task.instructions}")
    return "\n".join(lines)


class ItemListDock(QDockWidget):
    """Lists the workspace's tasks and items; double-click emits ``item_activated(id)``."""

    item_activated = Signal(str)
    message = Signal(str)  # for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Tasks and items", parent)
        self.setObjectName("itemListDock")
        self.workspace: Workspace | None = None
        self._relays = RelayGroup(self)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by title or status…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.apply_filter)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Title", "Status", "Due"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.itemActivated.connect(self._on_activated)  # double-click or Enter
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)  # the title gets the rest
        header.setSectionResizeMode(1, header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, header.ResizeMode.ResizeToContents)
        self.submit_action = QAction("Submit to queue", self)
        self.submit_action.setToolTip("Send the selected queue task's result with the next sync")
        self.submit_action.triggered.connect(self.submit_selected)
        self.tree.addAction(self.submit_action)
        self.reopen_action = QAction("Reopen for editing", self)
        self.reopen_action.setToolTip(
            "Reopen the selected submitted task as a new revision (submit it again when done)"
        )
        self.reopen_action.triggered.connect(self.reopen_selected)
        self.tree.addAction(self.reopen_action)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.tree.itemSelectionChanged.connect(self._on_selection)
        self._on_selection()
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        self.setWidget(body)

    def bind(self, workspace: Workspace | None) -> None:
        """Show ``workspace`` (None clears the list, e.g. while locked)."""
        self._relays.close()
        self.workspace = workspace
        if workspace is not None:
            self._relays.connect(workspace.items_changed, self.refresh)
            self._relays.connect(workspace.tasks_changed, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the tree from the workspace, keeping expansion and the filter."""
        collapsed = {
            group.data(0, GROUP_ROLE) for group in self._groups() if not group.isExpanded()
        }
        self.tree.clear()
        if self.workspace is None:
            return
        tasks = self.workspace.tasks()
        by_id = {item.id: item for item in self.workspace.items()}
        self.tree.setColumnHidden(2, not any(task.due for task in tasks))  # Due, when any is
        if tasks:
            group = self._group(TASKS, len(tasks))
            for task in tasks:
                task_item = by_id.get(task.item_id)
                title = item_label(task_item) if task_item is not None else task.item_title
                row = QTreeWidgetItem(group, [title, status_text(task), task.due or ""])
                row.setData(0, ITEM_ID_ROLE, task.item_id)
                row.setData(0, TASK_ID_ROLE, task.id)
                tooltip = task_tooltip(task)
                if task_item is not None:
                    tooltip = f"{item_tooltip(task_item)}\n\n{tooltip}"
                for column in range(3):
                    row.setToolTip(column, tooltip)
        by_modality: dict[str, list[ItemSummary]] = defaultdict(list)
        for item in by_id.values():
            by_modality[item.modality].append(item)
        for modality in sorted(by_modality, key=modality_name):
            items = by_modality[modality]
            group = self._group(modality_name(modality), len(items))
            for item in items:
                row = QTreeWidgetItem(group, [item_label(item), "", ""])
                row.setData(0, ITEM_ID_ROLE, item.id)
                row.setToolTip(0, item_tooltip(item))
        for group in self._groups():
            group.setExpanded(group.data(0, GROUP_ROLE) not in collapsed)
        self.apply_filter(self.filter.text())

    def _groups(self) -> list[QTreeWidgetItem]:
        groups = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [group for group in groups if group is not None]

    def _group(self, name: str, count: int) -> QTreeWidgetItem:
        group = QTreeWidgetItem(self.tree, [f"{name} ({count})", "", ""])
        group.setData(0, GROUP_ROLE, name)
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = group.font(0)
        font.setBold(True)
        group.setFont(0, font)
        group.setFirstColumnSpanned(True)
        return group

    def apply_filter(self, text: str) -> None:
        """Hide rows whose title and status do not contain ``text`` (case-insensitive)."""
        needle = text.strip().casefold()
        for group in self._groups():
            shown = 0
            for row in _children(group):
                haystack = f"{row.text(0)} {row.text(1)}".casefold()
                row.setHidden(bool(needle) and needle not in haystack)
                shown += not row.isHidden()
            group.setHidden(shown == 0 and bool(needle))

    def visible_item_ids(self) -> list[str]:
        """Ids of the rows shown (tests, keyboard navigation)."""
        ids: list[str] = []
        for group in self._groups():
            if group.isHidden():
                continue
            for row in _children(group):
                if not row.isHidden():
                    ids.append(row.data(0, ITEM_ID_ROLE))
        return ids

    def selected_task_id(self) -> str | None:
        """The id of the selected task row (None for an item row or no selection)."""
        rows = self.tree.selectedItems()
        task_id = rows[0].data(0, TASK_ID_ROLE) if rows else None
        return task_id if isinstance(task_id, str) else None

    def submit_selected(self) -> None:
        """Submit the selected queue task (its result goes out with the next sync).

        A task with no annotations, or never opened, is submitted only once confirmed.
        """
        task_id = self.selected_task_id()
        if self.workspace is None or task_id is None:
            return
        try:
            concern = self.workspace.submit_concern(task_id)
            if concern is not None and not self.confirm_submit(concern):
                self.message.emit("Not submitted.")
                return
            self.workspace.submit_task(task_id, allow_empty=True)
        except ValueError as error:  # SubmitError, or a task not ready to submit
            self.message.emit(str(error))
            return
        self.message.emit("Task submitted: its result is sent with the next sync.")

    def confirm_submit(self, concern: str) -> bool:
        """Ask before submitting a task that looks unfinished (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Submit this task?",
            f"{concern}\n\nSubmit it anyway? Once submitted it is read-only until reopened.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def reopen_selected(self) -> None:
        """Reopen the selected submitted task as a new revision, to edit and submit again."""
        task_id = self.selected_task_id()
        if self.workspace is None or task_id is None:
            return
        try:
            revision = self.workspace.reopen_task(task_id)
        except ValueError as error:  # not submitted (or in review, or accepted)
            self.message.emit(str(error))
            return
        self.message.emit(f"Task reopened as revision {revision}: submit it again when done.")

    def _on_selection(self) -> None:
        selected = self.selected_task_id() is not None
        self.submit_action.setEnabled(selected)
        self.reopen_action.setEnabled(selected)

    def _on_activated(self, row: QTreeWidgetItem, column: int = 0) -> None:
        del column
        item_id = row.data(0, ITEM_ID_ROLE)
        if isinstance(item_id, str):
            self.item_activated.emit(item_id)


def _children(group: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    rows = (group.child(i) for i in range(group.childCount()))
    return [row for row in rows if row is not None]
