"""File ▸ Import Batch File… and Export Results to Batch File…, driven through the real actions.

The file dialogs are the only thing replaced (their static calls return a fixed path); the
batch file is made by a real manager profile with no server, and the results the window
exports are imported back into it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from nats.js import JetStreamContext
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from tests.app.profiles import FAST_KDF, PASSPHRASE
from tests.sync.robust_support import annotate_and_submit_task
from tests.sync.sync_support import write_notes
from workspace.schema import load_preset
from workspace.sync.batch_transfer import create_files, import_file
from workspace.sync.batching import PushPlan
from workspace.sync.config import project_key, set_project_key
from workspace.workspace import Workspace


@asynccontextmanager
async def _no_server() -> AsyncIterator[JetStreamContext]:
    raise AssertionError("batches made for files never need the queue server")
    yield  # pragma: no cover


def _batch_file(tmp_path: Path, workstation: Workspace) -> tuple[Workspace, str, Path]:
    """A manager profile, the id of a two-task batch it made for files, and the file."""
    manager = Workspace.create(tmp_path / "manager", PASSPHRASE, user="manager", kdf=FAST_KDF)
    items = manager.import_paths([write_notes(tmp_path / "notes", 2)])
    plan = PushPlan("notes", "offline", load_preset("clinical-ner"), items, [], per_batch=5)
    [created] = create_files(manager.profile, plan, tmp_path / "batch.clb")
    set_project_key(workstation.profile, "notes", project_key(manager.profile, "notes"))
    return manager, created.batch_id, created.path


def _dialog_returns(monkeypatch: pytest.MonkeyPatch, name: str, path: Path) -> None:
    def fixed(*_args: Any, **_kwargs: Any) -> tuple[str, str]:
        return str(path), ""

    monkeypatch.setattr(QFileDialog, name, staticmethod(fixed))


def test_file_menu_imports_a_batch_and_exports_its_results(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    app_workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manager, batch_id, path = _batch_file(tmp_path, app_workspace)
    window = make_window()
    actions = window.menus.batch_files

    _dialog_returns(monkeypatch, "getOpenFileName", path)
    with qtbot.waitSignal(actions.finished, timeout=30_000) as imported:
        window.registry.action("file.import_batch").trigger()
    assert imported.args == [f"Batch {batch_id} imported: 2 tasks to annotate."]
    tasks = [t for t in app_workspace.tasks() if t.batch_id == batch_id]
    assert len(tasks) == 2
    for task in tasks:
        annotate_and_submit_task(app_workspace, task.id, task.item_id)

    results = tmp_path / "results.clb"
    _dialog_returns(monkeypatch, "getSaveFileName", results)
    with qtbot.waitSignal(actions.finished, timeout=30_000) as exported:
        window.registry.action("file.export_results").trigger()
    assert exported.args == [f"2 results of batch {batch_id} written to results.clb."]
    assert window.statusBar().currentMessage() == exported.args[0]

    done = asyncio.run(import_file(manager.profile, results, _no_server))
    assert (done.kind, done.count, done.flagged, done.released) == ("results", 2, 0, True)
    manager.lock()


def test_failures_are_one_message_and_change_nothing(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    app_workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manager, _batch_id, path = _batch_file(tmp_path, app_workspace)
    manager.lock()
    window = make_window()
    actions = window.menus.batch_files
    tasks_before = app_workspace.tasks()

    window.registry.action("file.export_results").trigger()  # nothing submitted yet
    box = actions.last_message
    assert box is not None and box.isVisible()
    assert box.text() == "No checked-out batch has submitted results to export yet."
    box.close()

    damaged = tmp_path / "damaged.clb"
    damaged.write_bytes(path.read_bytes() + b"trailing")
    _dialog_returns(monkeypatch, "getOpenFileName", damaged)
    with qtbot.waitSignal(actions.finished, timeout=30_000) as failed:
        window.registry.action("file.import_batch").trigger()
    box = actions.last_message
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == failed.args[0]
    assert box.text() == "The batch file has data after its end record (damaged or altered)."
    assert app_workspace.tasks() == tasks_before
    box.close()
