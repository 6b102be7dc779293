"""The menu bar and its actions, all registered in the window's action registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMenu, QMessageBox

from app.batch_files import BatchFileActions
from app.export_dialog import ItemExport
from app.recent_menu import RecentItemsMenu

if TYPE_CHECKING:
    from app.main_window import MainWindow
    from workspace.items import ItemSummary

ABOUT = (
    "<b>Caliper</b> — an offline, encrypted annotation workstation for clinical data.<br>"
    "Everything you import and annotate is stored encrypted in your profile."
)


@dataclass
class Menus:
    """The menus the window needs to reach later."""

    file: QMenu
    edit: QMenu
    view: QMenu
    help: QMenu
    recent: RecentItemsMenu
    batch_files: BatchFileActions
    item_export: ItemExport


def build_menus(window: MainWindow) -> Menus:
    """Create every action (with its shortcut) and the menu bar of ``window``."""
    add = window.registry.add
    bar = window.menuBar()

    file = bar.addMenu("&File")
    file.addAction(
        add("file.import_files", "&Import Files…", window.choose_files, ["Ctrl+I"], "File")
    )
    file.addAction(
        add("file.import_folder", "Import &Folder…", window.choose_folder, ["Ctrl+Shift+I"], "File")
    )
    recent = RecentItemsMenu(window.open_item, file)
    file.addMenu(recent)
    file.addSeparator()
    item_export = _add_export_action(window, file)
    batch_files = _add_batch_file_actions(window, file)
    file.addSeparator()
    file.addAction(
        add("file.close_item", "&Close Item", window.area.close_current, ["Ctrl+W"], "File")
    )
    file.addAction(add("file.lock", "&Lock Now", window.lock_now, ["Ctrl+L"], "File"))
    file.addSeparator()
    file.addAction(add("file.quit", "&Quit", window.close, ["Ctrl+Q"], "File"))

    edit = bar.addMenu("&Edit")
    edit.addAction(add("edit.undo", "Undo", None, ["Ctrl+Z"], "Edit"))
    edit.addAction(add("edit.redo", "Redo", None, ["Ctrl+Shift+Z", "Ctrl+Y"], "Edit"))
    edit.addSeparator()
    edit.addAction(add("app.settings", "&Settings…", window.show_settings, ["Ctrl+,"], "Edit"))

    view = bar.addMenu("&View")
    for action_id, dock, key in (
        ("view.item_list", window.item_list, "Ctrl+Alt+I"),
        ("view.labels", window.palette_dock, "Ctrl+Alt+L"),
    ):
        toggle = dock.toggleViewAction()
        toggle.setShortcut(key)
        window.registry.register(action_id, toggle, "View")
        view.addAction(toggle)
    view.addAction(add("view.filter", "&Filter Items", _focus_filter(window), ["Ctrl+F"], "View"))

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(
        add("help.shortcuts", "&Keyboard Shortcuts", window.show_help, ["F1"], "Help")
    )
    help_menu.addAction(add("help.about", "&About Caliper", lambda: _about(window), (), "Help"))
    return Menus(file, edit, view, help_menu, recent, batch_files, item_export)


def _add_export_action(window: MainWindow, file: QMenu) -> ItemExport:
    """File ▸ Export…: the open item in one of its modality's formats, in the background."""

    def current_item() -> ItemSummary | None:
        viewer = window.area.current
        return None if viewer is None else viewer.item

    item_export = ItemExport(window, window.runner, lambda: window.workspace, current_item)
    item_export.finished.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    action = window.registry.add(
        "file.export", "&Export…", item_export.export_current, ["Ctrl+E"], "File"
    )
    file.addAction(action)
    return item_export


def _add_batch_file_actions(window: MainWindow, file: QMenu) -> BatchFileActions:
    """Batch files for sites with no network path: import one, export a batch's results."""
    batch_files = BatchFileActions(window, window.runner, lambda: window.workspace)
    batch_files.finished.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    actions = [
        window.registry.add(
            "file.import_batch", "Import &Batch File…", batch_files.import_file, (), "File"
        ),
        window.registry.add(
            "file.export_results",
            "&Export Results to Batch File…",
            batch_files.export_results,
            (),
            "File",
        ),
    ]
    for action in actions:
        file.addAction(action)

    def follow_workspace() -> None:
        for action in actions:
            action.setEnabled(window.workspace is not None)

    file.aboutToShow.connect(follow_workspace)
    return batch_files


def _focus_filter(window: MainWindow) -> Callable[[], None]:
    def focus() -> None:
        window.item_list.show()
        window.item_list.filter.setFocus()
        window.item_list.filter.selectAll()

    return focus


def _about(window: MainWindow) -> None:
    name = QCoreApplication.applicationName() or "Caliper"
    QMessageBox.about(window, f"About {name}", ABOUT)
