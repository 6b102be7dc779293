"""File ▸ Export… on the open item, through the real action, dialog, job and message: the
item's modality's formats, the file written in the chosen folder and read back, an "Open
folder" button that shows that folder, and one clear message when the export fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.export_dialog import ExportDialog
from app.main_window import MainWindow
from tests.viewers.volume.phantom import import_phantom
from workspace.export.file_names import export_path, file_stem
from workspace.items import ItemSummary
from workspace.workspace import Workspace


def _open_dialog(qtbot: QtBot, window: MainWindow) -> ExportDialog:
    window.registry.action("file.export").trigger()
    dialog = window.menus.item_export.dialog
    assert isinstance(dialog, ExportDialog)
    qtbot.waitExposed(dialog)
    return dialog


def _choose(dialog: ExportDialog, fmt: str) -> None:
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(fmt))


def _export_button(dialog: ExportDialog) -> QPushButton:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert button is not None
    return button


@pytest.fixture
def ct_window(
    make_window: Callable[..., MainWindow], app_workspace: Workspace, tmp_path: Path
) -> MainWindow:
    item_id = import_phantom(app_workspace, tmp_path / "ct", slices=8, rows=24, cols=24)
    window = make_window()
    assert window.open_item(item_id) is not None
    return window


def test_export_writes_a_modality_format_and_shows_the_folder(
    qtbot: QtBot,
    ct_window: MainWindow,
    app_workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import SimpleITK as sitk  # noqa: N813

    window = ct_window
    item = window.area.current.item
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog = _open_dialog(qtbot, window)
    formats = [dialog.format_box.itemData(n) for n in range(dialog.format_box.count())]
    assert formats == ["dicom-seg", "nifti", "nrrd", "sr", "json"]
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *_a, **_k: str(out_dir))
    )
    dialog.choose_button.click()
    assert dialog.folder == out_dir
    _choose(dialog, "nifti")
    assert dialog.file_label.text() == f"{file_stem(item)}-seg.nii.gz"
    items = window.menus.item_export
    started: list[object] = []
    window.runner.job_started.connect(started.append)  # the status bar shows its progress
    with qtbot.waitSignal(items.finished, timeout=30_000) as done:
        _export_button(dialog).click()
    assert [job.title for job in started] == [f"Exporting {item.title} as nifti"]
    written = out_dir / f"{file_stem(item)}-seg.nii.gz"
    labels_txt = out_dir / f"{file_stem(item)}-seg_labels.txt"  # NIfTI's label names
    assert sorted(out_dir.iterdir()) == [written, labels_txt]
    assert done.args == [f"Exported {written.name}, {labels_txt.name} to {out_dir}."]
    stored = app_workspace.load_segmentation(item.id).labels
    read = sitk.GetArrayFromImage(sitk.ReadImage(str(written)))
    assert np.array_equal(read, stored) and stored.any()
    message = items.last_message
    assert message is not None and message.isVisible()
    assert message.icon() == QMessageBox.Icon.Information
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url)))
    opener = message.findChild(QPushButton, "openFolder")
    assert opener is not None and opener.text() == "Open folder"
    opener.click()
    assert [url.toLocalFile() for url in opened] == [str(out_dir)]
    message.close()
    # the next export goes to the same folder, under a new name
    dialog = _open_dialog(qtbot, window)
    assert dialog.folder == out_dir
    _choose(dialog, "nifti")
    assert dialog.file_label.text() == f"{file_stem(item)}-2-seg.nii.gz"
    dialog.reject()


def test_a_failed_export_is_one_clear_message(
    qtbot: QtBot, ct_window: MainWindow, tmp_path: Path
) -> None:
    window = ct_window
    dialog = _open_dialog(qtbot, window)
    dialog.folder_edit.setText(str(tmp_path / "missing"))
    assert not _export_button(dialog).isEnabled()
    assert dialog.file_label.text() == "Choose an existing folder."
    dialog.folder_edit.setText(str(tmp_path))
    _choose(dialog, "sr")  # no rulers, landmarks, boxes or findings yet
    items = window.menus.item_export
    with qtbot.waitSignal(items.finished, timeout=30_000) as done:
        _export_button(dialog).click()
    assert done.args == ["Not exported: There are no measurements or findings to report."]
    message = items.last_message
    assert message is not None and message.icon() == QMessageBox.Icon.Warning
    assert message.text() == done.args[0]
    assert not list(tmp_path.glob("*.dcm"))
    message.close()


def test_without_an_open_item_export_says_so(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window()
    window.registry.action("file.export").trigger()
    message = window.menus.item_export.last_message
    assert message is not None and message.text() == "Open an item to export it."
    assert window.menus.item_export.dialog is None
    message.close()


def test_export_names_are_safe_and_never_overwrite(tmp_path: Path) -> None:
    item = ItemSummary("abc123", "volume", "CT: Abdomen/Pelvis 2.0 mm", "d")
    assert file_stem(item) == "CT_Abdomen_Pelvis_2_0_mm"
    assert file_stem(ItemSummary("abc123", "volume", "!!!", "d")) == "abc123"
    first = export_path(tmp_path, item, "sr")
    assert first.name == "CT_Abdomen_Pelvis_2_0_mm-sr.dcm"
    first.write_bytes(b"")
    assert export_path(tmp_path, item, "sr").name == "CT_Abdomen_Pelvis_2_0_mm-2-sr.dcm"
    (tmp_path / "CT_Abdomen_Pelvis_2_0_mm-seg_labels.txt").write_text("")  # a companion
    assert export_path(tmp_path, item, "nifti").name == "CT_Abdomen_Pelvis_2_0_mm-2-seg.nii.gz"
    wave = ItemSummary("w1", "waveform", "record 100", "d")
    assert export_path(tmp_path, wave, "wfdb").name == "record_100.atr"
