"""File ▸ Export…: the open item written in one of its modality's formats, in the background.

The dialog offers the formats the item's modality exports (:mod:`workspace.export.formats`)
and a folder; the file is named after the item (:mod:`workspace.export.file_names`). The
export runs as a job (its progress in the status bar); when it is done a message names the
files with an "Open folder" button, and a failure is one clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from viewers.jobs import Job, JobContext, JobRunner
from workspace.export.file_names import export_path
from workspace.export.formats import formats_for
from workspace.items import ItemSummary
from workspace.workspace import Workspace

TITLE = "Export"
#: What each format is, for the format list.
FORMAT_NAMES = {
    "dicom-seg": "DICOM SEG (segmentation)",
    "nifti": "NIfTI label map",
    "nrrd": "NRRD label map",
    "sr": "DICOM SR measurement report",
    "json": "JSON report",
    "brat": "brat standoff",
    "bioc": "BioC XML",
    "jsonl": "JSON lines",
    "deid-text": "De-identified text",
    "wfdb": "WFDB annotations",
    "edf": "EDF+ annotations",
    "csv": "CSV annotations",
    "textgrid": "Praat TextGrid",
    "rttm": "RTTM speaker turns",
    "vtt": "WebVTT captions",
}
LAST_FOLDER_SETTING = "export.last_folder"


class ExportDialog(QDialog):
    """Choose a format of ``item``'s modality and a folder; shows the file that will be written."""

    def __init__(self, item: ItemSummary, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setWindowTitle(f"Export {item.title}")
        self.format_box = QComboBox()
        for fmt in formats_for(item.modality):
            self.format_box.addItem(f"{FORMAT_NAMES.get(fmt, fmt)} ({fmt})", fmt)
        self.folder_edit = QLineEdit(str(folder))
        self.choose_button = QPushButton("Choose…")
        self.choose_button.clicked.connect(self.choose_folder)
        self.file_label = QLabel()
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.choose_button)
        form = QFormLayout(self)
        form.addRow("Format:", self.format_box)
        form.addRow("Folder:", row)
        form.addRow("File:", self.file_label)
        form.addRow(self.buttons)
        self.format_box.currentIndexChanged.connect(self._update)
        self.folder_edit.textChanged.connect(self._update)
        self._update()

    @property
    def format(self) -> str:
        """The chosen format id."""
        return str(self.format_box.currentData())

    @property
    def folder(self) -> Path:
        """The chosen folder."""
        return Path(self.folder_edit.text().strip()).expanduser()

    def target(self) -> Path:
        """The file the export will write."""
        return export_path(self.folder, self.item, self.format)

    def choose_folder(self) -> None:
        """Pick the folder in a folder dialog."""
        chosen = QFileDialog.getExistingDirectory(self, "Export to folder", str(self.folder))
        if chosen:
            self.folder_edit.setText(chosen)

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        usable = self.format_box.count() > 0 and self.folder.is_dir()
        ok.setEnabled(usable)
        if not self.format_box.count():
            self.file_label.setText(f"{self.item.modality} items have no export format yet.")
        elif not self.folder.is_dir():
            self.file_label.setText("Choose an existing folder.")
        else:
            self.file_label.setText(self.target().name)


def _write(workspace: Workspace, item_id: str, fmt: str, out: Path) -> list[Path]:
    from workspace.export.item_export import export_item

    return export_item(workspace, item_id, fmt, out)


class ItemExport(QObject):
    """The File ▸ Export… action; ``finished`` carries the status message of each export."""

    finished = Signal(str)

    def __init__(
        self,
        window: QWidget,
        runner: JobRunner,
        workspace: Callable[[], Workspace | None],
        current_item: Callable[[], ItemSummary | None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._runner = runner
        self._workspace = workspace
        self._current_item = current_item
        self.dialog: ExportDialog | None = None
        self.last_message: QMessageBox | None = None

    def export_current(self) -> ExportDialog | None:
        """Open the export dialog for the open item (a message when nothing is open)."""
        workspace, item = self._workspace(), self._current_item()
        if workspace is None:
            self._show(QMessageBox.Icon.Warning, "Unlock the profile first.")
            return None
        if item is None:
            self._show(QMessageBox.Icon.Information, "Open an item to export it.")
            return None
        last = workspace.setting(LAST_FOLDER_SETTING, "")
        folder = Path(last) if isinstance(last, str) and last else Path.home()
        dialog = ExportDialog(item, folder, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.start(workspace, item, dialog.format, dialog.target()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def start(self, workspace: Workspace, item: ItemSummary, fmt: str, out: Path) -> Job:
        """Write ``item`` as ``fmt`` to ``out`` as a background job."""
        workspace.set_setting(LAST_FOLDER_SETTING, str(out.parent))

        def work(context: JobContext) -> list[Path]:
            context.progress(0, 0)
            context.stage(f"Writing {out.name}")
            return _write(workspace, item.id, fmt, out)

        title = f"Exporting {item.title} as {fmt}"
        job = self._runner.submit(title, work, failure="Not exported: ")
        job.succeeded.connect(lambda written: self._done(out.parent, written))
        job.failed.connect(self._failed)
        return job

    def _done(self, folder: Path, written: list[Path]) -> None:
        names = ", ".join(p.name for p in written)
        text = f"Exported {names} to {folder}."
        self._show(QMessageBox.Icon.Information, text, folder)
        self.finished.emit(text)

    def _failed(self, error: str) -> None:
        self._show(QMessageBox.Icon.Warning, error)
        self.finished.emit(error)

    def _show(self, icon: QMessageBox.Icon, text: str, folder: Path | None = None) -> QMessageBox:
        """A window-modal message; with ``folder``, an "Open folder" button that shows it."""
        box = QMessageBox(icon, TITLE, text, QMessageBox.StandardButton.Ok)
        if folder is not None:
            opener = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
            opener.setObjectName("openFolder")
            opener.clicked.disconnect()  # keep the box open until OK
            opener.clicked.connect(lambda: open_folder(folder))
        box.setParent(self._window, box.windowFlags())
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.last_message = box
        box.open()
        return box


def open_folder(folder: Path) -> bool:
    """Show ``folder`` in the desktop's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
