"""Dropping files and folders on the window imports them in the background."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def _mime(paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def _drop(window, mime: QMimeData) -> QDropEvent:
    enter = QDragEnterEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    return drop


def test_drop_imports_and_gathers_problems_in_one_dialog(qtbot, make_window, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "a.txt").write_text("Synthetic note A: headache.\n", encoding="utf-8")
    (folder / "b.md").write_text("# Synthetic note B\nnausea\n", encoding="utf-8")
    (folder / "junk.xyz").write_bytes(b"\x00\x01 not a known format")
    (folder / "junk2.bin").write_bytes(b"\x00\x02 neither")
    window = make_window()
    with qtbot.waitSignal(window.importer.finished, timeout=20_000) as blocker:
        drop = _drop(window, _mime([folder]))
        assert drop.isAccepted()
    outcome = blocker.args[0]
    assert sorted(i.title for i in outcome.items) == [
        "Synthetic note A: headache.",
        "Synthetic note B",
    ]
    assert len(outcome.problems) == 2
    qtbot.waitUntil(lambda: len(window.item_list.visible_item_ids()) == 3)
    dialog = window.importer.last_dialog
    assert dialog is not None and dialog.isVisible()
    assert len(dialog.problem_texts()) == 2
    assert "2 items imported" in dialog.summary.text()
    dialog.close()


def test_drop_of_non_local_urls_is_refused(make_window):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.org/a.txt")])
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_clean_import_shows_no_dialog(qtbot, make_window, tmp_path):
    note = tmp_path / "c.txt"
    note.write_text("Synthetic note C.\n", encoding="utf-8")
    window = make_window()
    with qtbot.waitSignal(window.importer.finished, timeout=20_000):
        window.import_paths([note])
    assert window.importer.last_dialog is None
    assert "1 item imported" in window.statusBar().currentMessage()


def test_importing_again_says_already_in_the_profile(qtbot, make_window, tmp_path):
    note = tmp_path / "d.txt"
    note.write_text("Synthetic note D.\n", encoding="utf-8")
    window = make_window()
    with qtbot.waitSignal(window.importer.finished, timeout=20_000):
        window.import_paths([note])
    with qtbot.waitSignal(window.importer.finished, timeout=20_000):
        window.import_paths([note])
    message = window.statusBar().currentMessage()
    assert message == "Nothing new: 1 item already in the profile"
    other = tmp_path / "e.txt"
    other.write_text("Synthetic note E.\n", encoding="utf-8")
    with qtbot.waitSignal(window.importer.finished, timeout=20_000):
        window.import_paths([note, other])
    assert window.statusBar().currentMessage() == "1 item imported, 1 already in the profile"
