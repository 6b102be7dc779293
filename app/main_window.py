"""The main window: docks, the viewer area, menus, status bar, idle lock and imports."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QFileDialog, QMainWindow

from app.actions import ActionRegistry
from app.background import app_runner
from app.docks.item_list import ItemListDock
from app.docks.label_palette import LabelPaletteDock
from app.docks.sync_panel import SyncPanelDock
from app.help_dialog import HelpDialog
from app.idle_lock import DEFAULT_MINUTES, IdleLock
from app.importing import ImportController, local_paths
from app.menus import build_menus
from app.settings_dialog import IDLE_SETTING, SettingsDialog
from app.status import LOCKED, NOTHING_OPEN, StatusPanel
from app.theme import apply_theme, current_theme
from app.undo_binding import UndoRedoBinding
from app.unlock_dialog import Opener, UnlockDialog
from app.viewer_area import ViewerArea
from app.window_state import app_settings, restore_window_state, save_theme, save_window_state
from viewers.base import Viewer
from viewers.builtins import load_viewers_when_idle
from viewers.jobs import shared_runner
from viewers.safe_log import log_failure
from workspace.schema import LabelClass
from workspace.settings import SHOW_PATIENT_DETAILS
from workspace.workspace import Workspace

logger = logging.getLogger(__name__)
OPEN_ITEMS_SETTING = "ui.open_items"  # item ids: kept in the encrypted profile
MAX_REOPEN = 10


class MainWindow(QMainWindow):
    """One unlocked profile at a time; locking drops it and asks for the passphrase again."""

    def __init__(
        self,
        profile_dir: Path,
        workspace: Workspace | None,
        settings: QSettings | None = None,
        idle_ms: int | None = None,
        opener: Opener = Workspace.unlock,
    ) -> None:
        super().__init__()
        QTimer.singleShot(0, self, load_viewers_when_idle)  # once the window shows
        self.profile_dir = profile_dir
        self.workspace: Workspace | None = None
        self.settings = settings or app_settings()
        self.unlock_dialog: UnlockDialog | None = None
        self._idle_override = idle_ms
        self._opener = opener
        self._reopen_ids: list[str] = []
        self.setWindowTitle(f"Caliper — {profile_dir.name}")
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )

        self.registry = ActionRegistry(self)
        self.runner = app_runner(self)
        self.area = ViewerArea()
        self.setCentralWidget(self.area)
        self.item_list = ItemListDock(self)
        self.palette_dock = LabelPaletteDock(self.registry, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.item_list)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.palette_dock)
        self.sync_panel = SyncPanelDock(self.runner, self)
        self.tabifyDockWidget(self.palette_dock, self.sync_panel)
        self.palette_dock.raise_()
        self.resizeDocks([self.item_list, self.palette_dock], [300, 240], Qt.Orientation.Horizontal)
        self._folded_docks: list[QDockWidget] | None = None  # hidden for the current viewer
        self.status = StatusPanel(self.statusBar())
        self.importer = ImportController(self.runner, self.statusBar(), self)
        self.idle = IdleLock(IdleLock.minutes_to_ms(DEFAULT_MINUTES), self)
        self.help_dialog: HelpDialog | None = None
        self.settings_dialog: SettingsDialog | None = None

        self.menus = build_menus(self)
        self.undo = UndoRedoBinding(
            self.registry.action("edit.undo"), self.registry.action("edit.redo"), self
        )

        self.runner.job_started.connect(self.status.watch_job)
        self.item_list.item_activated.connect(self.open_item)
        self.area.current_changed.connect(self._on_current_viewer)
        self.area.viewer_opened.connect(self._on_viewer_opened)
        self.palette_dock.active_label_changed.connect(self._on_active_label)
        self.palette_dock.label_triggered.connect(self._on_label_triggered)
        self.sync_panel.sync_text_changed.connect(self.status.set_sync_text)
        self.sync_panel.message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.item_list.message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.undo.failed.connect(self.status.show_save_error)
        self.idle.timed_out.connect(self.lock_now)
        self.state_restored = restore_window_state(self, self.settings)
        self.bind_workspace(workspace)
        self.restore_open_items()

    # ------------------------------------------------------------------ workspace
    def bind_workspace(self, workspace: Workspace | None) -> None:
        """Show ``workspace`` in every dock (None: the locked, empty state)."""
        self.workspace = workspace
        self.item_list.bind(workspace)
        self.sync_panel.bind(workspace)
        self.menus.recent.workspace = workspace
        self.importer.workspace = workspace
        self.palette_dock.set_schema(None)
        self.undo.bind(None)
        for action_id in ("file.import_files", "file.import_folder", "file.lock", "app.settings"):
            self.registry.action(action_id).setEnabled(workspace is not None)
        self.menus.recent.setEnabled(workspace is not None)
        self.area.set_locked(workspace is None)
        if workspace is None:
            self.idle.stop()
            return
        self.status.show_idle(NOTHING_OPEN)
        self.idle.set_interval_ms(self.idle_interval_ms())

    def idle_interval_ms(self) -> int:
        """The idle time before locking: the constructor override, else the user setting."""
        if self._idle_override is not None:
            return self._idle_override
        minutes: float = DEFAULT_MINUTES
        if self.workspace is not None:
            value = self.workspace.setting(IDLE_SETTING, DEFAULT_MINUTES)
            minutes = value if isinstance(value, int | float) and value > 0 else DEFAULT_MINUTES
        return IdleLock.minutes_to_ms(minutes)

    # ------------------------------------------------------------------ items
    def open_item(self, item_id: str) -> Viewer | None:
        """Open ``item_id`` in the viewer for its modality (or focus its tab)."""
        workspace = self.workspace
        if workspace is None:
            return None
        viewer = self.area.viewer_for(item_id)
        if viewer is not None:
            self.area.tabs.setCurrentWidget(viewer)
            return viewer
        try:
            opened = workspace.open_item(item_id)  # starts the item's task if it is new
            viewer = self.area.open(workspace, opened.item)
        except Exception as error:  # noqa: BLE001 - shown to the user; logged without PHI
            log_failure(logger, "Opening an item failed", error)
            self.statusBar().showMessage(f"The item could not be opened: {error}", 10_000)
            return None
        return viewer

    def import_paths(self, paths: list[Path]) -> None:
        """Import files and folders in the background."""
        if self.importer.start(paths) is None and self.workspace is None:
            self.statusBar().showMessage("Unlock the profile to import.", 5000)

    def choose_files(self) -> None:
        """File ▸ Import Files…"""
        names, _ = QFileDialog.getOpenFileNames(self, "Import files")
        self.import_paths([Path(n) for n in names])

    def choose_folder(self) -> None:
        """File ▸ Import Folder…"""
        name = QFileDialog.getExistingDirectory(self, "Import a folder")
        if name:
            self.import_paths([Path(name)])

    # ------------------------------------------------------------------ viewers
    def _on_viewer_opened(self, viewer: Viewer) -> None:
        viewer.edit_saved.connect(self.status.show_saved)
        viewer.edit_failed.connect(self.status.show_save_error)
        viewer.message.connect(lambda text: self.statusBar().showMessage(text, 5000))

    def _fold_right_docks(self, fold: bool) -> None:
        """Hide the label palette and sync docks for a viewer that lists its own labels, and
        bring back the ones that were shown when another viewer becomes current."""
        if fold and self._folded_docks is None:
            self._folded_docks = [
                dock for dock in (self.palette_dock, self.sync_panel) if dock.isVisible()
            ]
            for dock in self._folded_docks:
                dock.hide()
        elif not fold and self._folded_docks is not None:
            for dock in self._folded_docks:
                dock.show()
            if self.palette_dock in self._folded_docks:
                self.palette_dock.raise_()
            self._folded_docks = None

    def _on_current_viewer(self, viewer: Viewer | None) -> None:
        self._fold_right_docks(viewer is not None and not viewer.uses_label_palette)
        self.undo.bind(viewer.command_stack if viewer else None)
        self.palette_dock.set_schema(viewer.schema if viewer else None)
        if viewer is not None:
            self.palette_dock.select(viewer.active_label.name if viewer.active_label else None)
            self.status.show_idle("All changes saved" if viewer.editable else "Read-only view")
        elif self.workspace is not None:
            self.status.show_idle(NOTHING_OPEN)

    def _on_active_label(self, label: LabelClass | None) -> None:
        viewer = self.area.current
        if viewer is not None:
            viewer.set_active_label(label)

    def _on_label_triggered(self, label: LabelClass) -> None:
        viewer = self.area.current
        if viewer is not None:
            viewer.apply_label(label)

    # ------------------------------------------------------------------ lock
    def lock_now(self) -> None:
        """Close viewers, drop the key and every reference, and ask for the passphrase."""
        workspace = self.workspace
        if workspace is None:
            return
        self._reopen_ids = [viewer.item.id for viewer in self.area.viewers]
        self.runner.cancel_all()
        self.runner.wait(10_000)
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
        self.area.close_all()
        shared_runner().wait(10_000)  # the closed viewers' jobs, abandoned, end before the lock
        self.bind_workspace(None)
        try:
            workspace.lock()
        finally:
            del workspace
            self.status.show_idle(LOCKED)
            self.show_unlock_dialog(locked=True)

    def show_unlock_dialog(self, locked: bool = False) -> UnlockDialog:
        """Ask for the passphrase (window-modal); Quit closes the window."""
        dialog = UnlockDialog(self.profile_dir, self, opener=self._opener, locked=locked)
        dialog.unlocked.connect(self._on_unlocked)
        dialog.rejected.connect(self.close)
        self.unlock_dialog = dialog
        dialog.open()
        return dialog

    def _on_unlocked(self, workspace: Workspace) -> None:
        if self.unlock_dialog is not None:
            self.unlock_dialog.workspace = None
            self.unlock_dialog.deleteLater()
        self.unlock_dialog = None
        self.bind_workspace(workspace)
        for item_id in self._reopen_ids:
            self.open_item(item_id)
        self._reopen_ids = []

    def restore_open_items(self) -> None:
        """Reopen the items that were open when the window last closed."""
        if self.workspace is None:
            return
        saved = self.workspace.setting(OPEN_ITEMS_SETTING, [])
        known = {item.id for item in self.workspace.items()}
        for item_id in saved if isinstance(saved, list) else []:
            if item_id in known:
                self.open_item(item_id)

    # ------------------------------------------------------------------ dialogs
    def show_help(self) -> HelpDialog:
        """F1: every keyboard shortcut."""
        if self.help_dialog is None:
            self.help_dialog = HelpDialog(self.registry, self)
        self.help_dialog.show()
        self.help_dialog.raise_()
        return self.help_dialog

    def show_settings(self) -> SettingsDialog | None:
        """Idle-lock minutes and theme."""
        if self.workspace is None:
            return None
        minutes = self.idle_interval_ms() / 60_000
        app = QApplication.instance()
        theme = current_theme(app) if isinstance(app, QApplication) else "dark"
        show_patient = bool(self.workspace.setting(SHOW_PATIENT_DETAILS, False))
        dialog = SettingsDialog(max(1, round(minutes)), theme, self, show_patient=show_patient)
        dialog.accepted.connect(
            lambda: self.apply_settings(dialog.idle_minutes, dialog.theme, dialog.show_patient)
        )
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def apply_settings(self, idle_minutes: int, theme: str, show_patient: bool = False) -> None:
        """Store and apply settings from the dialog (patient details show in items opened
        from now on)."""
        if self.workspace is not None:
            self.workspace.set_setting(IDLE_SETTING, idle_minutes)
            self.workspace.set_setting(SHOW_PATIENT_DETAILS, show_patient)
            self._idle_override = None
            self.idle.set_interval_ms(self.idle_interval_ms())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            save_theme(self.settings, apply_theme(app, theme))

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept local files and folders."""
        if self.workspace is not None and local_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Import what was dropped."""
        paths = local_paths(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout, stop background work, close viewers and lock the profile."""
        self._fold_right_docks(False)  # the layout is saved as the user set it, not as folded
        save_window_state(self, self.settings)
        self.idle.stop()
        self.runner.cancel_all()
        self.runner.wait(10_000)
        open_ids = [viewer.item.id for viewer in self.area.viewers]
        self.area.close_all()
        shared_runner().wait(10_000)
        workspace = self.workspace
        self.bind_workspace(None)
        if workspace is not None:
            try:
                workspace.set_setting(OPEN_ITEMS_SETTING, open_ids[:MAX_REOPEN])
            finally:
                workspace.lock()
        super().closeEvent(event)
