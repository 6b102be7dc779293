"""The sync panel against a real nats-server: configure, check out, submit, sync, go offline."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import Qt

from app.docks.item_list import TASK_ID_ROLE, TASKS
from app.docks.sync_panel import FLAGGED, SyncPanelDock
from app.window_state import save_window_state
from storage.models import SyncCheckout
from tests.app.profiles import text_item_id
from tests.sync.conftest import SecuredNats
from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import PROJECT, TRACK, make_workspace, manager_push, write_notes
from workspace.schema import load_preset
from workspace.sync.config import load_config, project_key, project_keys
from workspace.sync.connection import ServerAccess
from workspace.sync.outbox import pending
from workspace.sync.permissions import inbox_prefix_for
from workspace.workspace import Workspace

SYNC_TIMEOUT_MS = 30_000


class _CountedGate(threading.Event):
    """The sync worker's pause flag, counting how often the download found itself held."""

    def __init__(self) -> None:
        super().__init__()
        self.held = 0

    def is_set(self) -> bool:
        paused = super().is_set()
        if paused and threading.current_thread() is not threading.main_thread():
            self.held += 1  # the download's own check (the GUI thread's are not counted)
        return paused


def _configure(qtbot, panel: SyncPanelDock, url: str, manager: Workspace, **fields: str) -> None:
    """Type the settings into the panel's widgets, as a user would."""
    panel.settings_toggle.setChecked(True)
    qtbot.keyClicks(panel.server_edit, url)
    qtbot.keyClicks(panel.tracks_edit, f" {TRACK} , ")
    qtbot.keyClicks(panel.key_edit, f"{PROJECT}={project_key(manager.profile, PROJECT).hex()}")
    for name, text in fields.items():
        qtbot.keyClicks(getattr(panel, f"{name}_edit"), text)


def _click_and_wait(qtbot, panel: SyncPanelDock, button) -> None:
    with qtbot.waitSignal(panel.worker.finished, timeout=SYNC_TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert panel.worker.running, panel.settings_error.text()


def _task_rows(window) -> list:
    tree = window.item_list.tree
    for index in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(index)
        if group.text(0).startswith(TASKS):
            return [group.child(i) for i in range(group.childCount())]
    return []


def _submit(window, row) -> str:
    window.item_list.confirm_submit = lambda concern: True  # never-opened notes: confirmed
    window.item_list.tree.setCurrentItem(row)
    assert window.item_list.submit_action.isEnabled()
    window.item_list.submit_action.trigger()
    return window.statusBar().currentMessage()


def test_check_out_submit_sync_then_offline(
    qtbot, make_window, app_workspace: Workspace, nats_server: NatsServer, tmp_path: Path
) -> None:
    manager = make_workspace(tmp_path, "manager")
    batches = manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 3))
    assert len(batches) == 2  # 2 + 1 notes
    project = app_workspace.ensure_project("Local notes", load_preset("clinical-ner"))
    app_workspace.create_batch(project, "Local batch", [text_item_id(app_workspace)])
    window = make_window()
    panel = window.sync_panel
    panel.raise_()
    assert panel.state_label.text().startswith("○")
    assert not panel.pause_button.isEnabled()

    _configure(qtbot, panel, nats_server.url, manager)
    panel.count_spin.setValue(5)
    progress = []
    panel.worker.progressed.connect(progress.append)
    _click_and_wait(qtbot, panel, panel.check_out_button)

    # Settings went to the encrypted store, the key field was cleared.
    config = load_config(app_workspace.profile)
    assert config.server_url == nats_server.url and config.tracks == (TRACK,)
    assert PROJECT in project_keys(app_workspace.profile) and panel.key_edit.text() == ""
    # Progress reached 100 % for every batch and overall.
    final = {p.batch_id: p for p in progress}
    assert set(final) == set(batches)
    assert all(p.state == "stored" and p.bytes_done == p.bytes_total > 0 for p in final.values())
    assert panel.overall_bar.value() == 100
    assert "3 / 3 files" in panel.overall_label.text()
    assert panel.state_label.text().startswith("● Online")
    assert "2 batches checked out" in panel.state_label.text()
    # The batches are listed; their tasks appear in the task list.
    rows = panel.batch_texts()
    assert set(rows) == set(batches)
    assert all(
        r[1] == TRACK and r[2] == "ready" and r[3].startswith("Lease until 20")
        for r in rows.values()
    )
    qtbot.waitUntil(lambda: len(_task_rows(window)) == 4)  # 3 from the queue + 1 local
    assert panel.outbox_label.property("count") == 0

    # A local task cannot be submitted to the queue: one line in the status bar.
    local_id = next(t.id for t in app_workspace.tasks() if t.batch_title == "Local batch")
    local = next(r for r in _task_rows(window) if r.data(0, TASK_ID_ROLE) == local_id)
    assert "is local" in _submit(window, local)
    queued = next(r for r in _task_rows(window) if r.data(0, TASK_ID_ROLE) != local_id)
    queued_id = queued.data(0, TASK_ID_ROLE)
    assert "submitted" in _submit(window, queued)
    assert panel.outbox_label.property("count") == 1
    assert panel.outbox_label.text().endswith("1")

    _click_and_wait(qtbot, panel, panel.sync_button)
    assert panel.outbox_label.property("count") == 0 and pending(app_workspace.profile) == []
    assert "1 results sent" in panel.state_label.text()
    assert window.status.sync_label.text().startswith("Online")

    # Online, a submitted result is sent in the background without a click.
    second = next(
        r for r in _task_rows(window) if r.data(0, TASK_ID_ROLE) not in (local_id, queued_id)
    )
    assert "submitted" in _submit(window, second)
    qtbot.waitUntil(lambda: pending(app_workspace.profile) == [], timeout=SYNC_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not panel.worker.running, timeout=SYNC_TIMEOUT_MS)
    assert panel.outbox_label.property("count") == 0

    # The server goes away: one line, no traceback, and the GUI thread is never blocked.
    nats_server.stop()
    started = time.monotonic()
    with qtbot.waitSignal(panel.worker.finished, timeout=SYNC_TIMEOUT_MS):
        qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
        assert time.monotonic() - started < 0.5
        assert panel.worker.running and not panel.sync_button.isEnabled()
    text = panel.state_label.text()
    assert text.startswith("● Offline (") and "— Cannot reach the queue server at nats://" in text
    assert "\n" not in text and "Traceback" not in text
    assert window.status.sync_label.text().startswith("Offline")
    assert panel.sync_button.isEnabled() and len(panel.batch_texts()) == 2

    # Nothing secret reached QSettings.
    save_window_state(window, window.settings)
    window.settings.sync()
    files = [p for p in (tmp_path / "qs").rglob("*") if p.is_file()]
    assert files
    stored = "".join(p.read_text(errors="replace") for p in files)
    assert (
        nats_server.url not in stored and project_key(manager.profile, PROJECT).hex() not in stored
    )


def test_pause_holds_the_download_and_resume_finishes_it(
    qtbot, make_window, app_workspace: Workspace, nats_server: NatsServer, tmp_path: Path
) -> None:
    manager = make_workspace(tmp_path, "manager")
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 4))
    window = make_window()
    panel = window.sync_panel
    gate = panel.worker._pause = _CountedGate()  # counts the download's looks at the pause
    _configure(qtbot, panel, nats_server.url, manager)
    panel.count_spin.setValue(2)

    qtbot.mouseClick(panel.check_out_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert panel.worker.is_paused and panel.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: len(panel.batch_texts()) == 1)  # claimed, held before its files
    held = gate.held
    qtbot.waitUntil(lambda: gate.held >= held + 3, timeout=SYNC_TIMEOUT_MS)  # still held
    assert panel.worker.running and app_workspace.tasks() == []
    assert next(iter(panel.batch_texts().values()))[2].startswith("paused")

    with qtbot.waitSignal(panel.worker.finished, timeout=SYNC_TIMEOUT_MS):
        qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert panel.overall_bar.value() == 100
    assert len(app_workspace.tasks()) == 4
    assert {r[2] for r in panel.batch_texts().values()} == {"ready"}
    assert panel.pause_button.text() == "Pause" and not panel.pause_button.isEnabled()

    # A lease lost (renewal refused) or expired offline: the list says results will be flagged.
    lost, expired = sorted(panel.batch_texts())
    with app_workspace.profile.database.write() as session:
        session.get(SyncCheckout, lost).lease_lost = 1
        session.get(SyncCheckout, expired).lease_expires_at = "2020-01-01T00:00:00+00:00"
    panel.refresh()
    rows = panel.batch_texts()
    assert rows[lost][3] == f"Lease lost {FLAGGED}"
    assert rows[expired][3] == f"Lease expired {FLAGGED}"


def test_secured_server_with_user_password_and_ca(
    qtbot, make_window, app_workspace: Workspace, secured_nats: SecuredNats, tmp_path: Path
) -> None:
    manager_spec, alice = secured_nats.users["manager"], secured_nats.users["ws-alice"]
    manager = make_workspace(tmp_path, "manager")
    access = ServerAccess(
        secured_nats.url,
        user=manager_spec.name,
        password=manager_spec.password,
        ca_file=str(secured_nats.ca.ca_file),
        inbox_prefix=inbox_prefix_for(manager_spec.name),
    )
    manager_push(manager, secured_nats.url, write_notes(tmp_path / "notes", 2), access=access)
    window = make_window()
    panel = window.sync_panel
    assert panel.password_edit.echoMode() == panel.password_edit.EchoMode.Password
    _configure(qtbot, panel, secured_nats.url, manager, user=alice.name, password="wrong")
    panel.ca_edit.setText(str(secured_nats.ca.ca_file))  # the Browse… dialog fills this field
    _click_and_wait(qtbot, panel, panel.check_out_button)
    assert "refused user 'ws-alice': wrong user name or password" in panel.state_label.text()

    panel.password_edit.clear()
    qtbot.keyClicks(panel.password_edit, alice.password)
    _click_and_wait(qtbot, panel, panel.check_out_button)
    assert panel.state_label.text().startswith("● Online"), panel.state_label.text()
    assert len(app_workspace.tasks()) == 2
    assert load_config(app_workspace.profile).password == alice.password
