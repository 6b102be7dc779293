"""File ▸ Import Batch File… and Export Results to Batch File…, run in the background.

The same work as ``caliper batch import`` and ``caliper batch export`` (nats-py is loaded
only when one starts); a failure is one message box with one clear sentence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from viewers.jobs import Job, JobContext, JobRunner
from workspace.workspace import Workspace

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from workspace.sync.batch_file import ImportedFile

FILE_FILTER = "Caliper batch files (*.clb);;All files (*)"
TITLE = "Batch file"


def describe(done: ImportedFile, path: Path, exported: bool) -> str:
    """One status-bar sentence for a finished import or export."""
    if exported and done.kind == "results":
        return f"{done.count} results of batch {done.batch_id} written to {path.name}."
    if exported:
        return f"Batch {done.batch_id} written to {path.name}; the file holds its lease."
    if done.kind == "batch":
        return f"Batch {done.batch_id} imported: {done.count} tasks to annotate."
    return f"{done.count} new results of batch {done.batch_id} ({done.flagged} flagged)."


def _import(workspace: Workspace, path: Path) -> ImportedFile:
    from workspace.sync.batch_transfer import server_connector
    from workspace.sync.config import load_config

    connect = server_connector(load_config(workspace.profile))
    return asyncio.run(workspace.import_batch_file(path, connect))


def _export(workspace: Workspace, batch_id: str, path: Path) -> ImportedFile:
    from workspace.sync.batch_transfer import export_file, server_connector
    from workspace.sync.config import load_config

    connect = server_connector(load_config(workspace.profile))
    return asyncio.run(export_file(workspace.profile, batch_id, path, connect))


class BatchFileActions(QObject):
    """The two File-menu actions; ``finished`` carries the status message of each run."""

    finished = Signal(str)

    def __init__(
        self,
        window: QMainWindow,
        runner: JobRunner,
        workspace: Callable[[], Workspace | None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._runner = runner
        self._workspace = workspace
        self.last_message: QMessageBox | None = None

    def import_file(self) -> Job | None:
        """Ask for a batch file and import it (a batch to annotate, or results)."""
        workspace = self._require_workspace()
        if workspace is None:
            return None
        name, _ = QFileDialog.getOpenFileName(self._window, "Import batch file", "", FILE_FILTER)
        if not name:
            return None
        path = Path(name)
        return self._start(
            f"Importing {path.name}", lambda _c: _import(workspace, path), path, exported=False
        )

    def export_results(self) -> Job | None:
        """Ask for a batch with submitted results and a file, and write its results there."""
        workspace = self._require_workspace()
        if workspace is None:
            return None
        batches = workspace.exportable_batches()
        if not batches:
            self._show_failure("No checked-out batch has submitted results to export yet.")
            return None
        batch_id = batches[0]
        if len(batches) > 1:
            batch_id, chosen = QInputDialog.getItem(
                self._window, "Export results", "Batch:", batches, 0, False
            )
            if not chosen:
                return None
        name, _ = QFileDialog.getSaveFileName(
            self._window, "Export results to batch file", f"{batch_id}-results.clb", FILE_FILTER
        )
        if not name:
            return None
        path = Path(name)
        return self._start(
            f"Exporting results of {batch_id}",
            lambda _c: _export(workspace, batch_id, path),
            path,
            exported=True,
        )

    # ------------------------------------------------------------------ internals
    def _require_workspace(self) -> Workspace | None:
        workspace = self._workspace()
        if workspace is None:
            self._show_failure("Unlock the profile first.")
        return workspace

    def _start(
        self,
        title: str,
        work: Callable[[JobContext], ImportedFile],
        path: Path,
        *,
        exported: bool,
    ) -> Job:
        job = self._runner.submit(title, work)
        job.succeeded.connect(lambda done: self.finished.emit(describe(done, path, exported)))
        job.failed.connect(self._on_failed)
        return job

    def _on_failed(self, error: str) -> None:
        self._show_failure(error)
        self.finished.emit(error)

    def _show_failure(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, TITLE, text, QMessageBox.StandardButton.Ok)
        box.setParent(self._window, box.windowFlags())
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.last_message = box
        box.open()
