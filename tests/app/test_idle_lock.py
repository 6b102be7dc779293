"""Idle lock: after the idle time the workspace is dropped and the unlock dialog shown."""

from __future__ import annotations

import gc
import weakref

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from app.idle_lock import IdleLock
from app.settings_dialog import IDLE_SETTING
from app.status import LOCKED
from tests.app.profiles import PASSPHRASE, text_item_id
from workspace.workspace import Workspace


def test_idle_timeout_from_the_setting_locks_and_asks_again(qtbot, make_window, app_workspace):
    app_workspace.set_setting(IDLE_SETTING, 1 / 60)  # one second
    window = make_window()
    assert window.idle.interval_ms == 1000
    item_id = text_item_id(app_workspace)
    window.open_item(item_id)

    qtbot.waitUntil(lambda: app_workspace.profile.is_locked, timeout=5000)
    assert window.workspace is None
    assert window.area.viewers == []
    assert window.item_list.tree.topLevelItemCount() == 0
    assert window.palette_dock.schema is None
    assert window.status.save_label.text() == LOCKED
    dialog = window.unlock_dialog
    assert dialog is not None and dialog.isVisible()

    with qtbot.waitSignal(dialog.unlocked, timeout=10_000):
        dialog.secret.setText(PASSPHRASE)
        dialog.unlock_button.click()
    fresh = window.workspace
    assert fresh is not None and fresh is not app_workspace
    assert not fresh.profile.is_locked
    assert window.item_list.visible_item_ids() == [item_id]
    assert [v.item.id for v in window.area.viewers] == [item_id]  # reopened
    assert window.area.current is not None and window.area.current.workspace is fresh
    assert window.idle.is_active


def test_lock_now_action(qtbot, make_window, app_workspace):
    window = make_window(idle_ms=60_000)
    window.registry.action("file.lock").trigger()
    assert app_workspace.profile.is_locked
    assert window.unlock_dialog is not None and window.unlock_dialog.isVisible()
    assert not window.registry.action("file.import_files").isEnabled()
    window.unlock_dialog.reject()  # Quit
    qtbot.waitUntil(lambda: not window.isVisible())


def test_input_postpones_the_lock(qtbot):
    lock = IdleLock(600)
    fired: list[bool] = []
    lock.timed_out.connect(lambda: fired.append(True))
    lock.start()
    for _ in range(4):  # 4 x 200 ms: longer than the idle time, input every third of it
        qtbot.waitUntil(lambda: 0 <= lock.remaining_ms < 400, timeout=2000)
        key = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Shift, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(QApplication.instance(), key)
        assert lock.remaining_ms > 400  # the key press started the countdown again
    assert not fired
    qtbot.waitUntil(lambda: bool(fired), timeout=2000)
    assert not lock.is_active
    lock.stop()


def test_lock_leaves_no_reference_to_the_workspace(qtbot, make_window, app_profile_dir):
    workspace = Workspace.unlock(app_profile_dir, PASSPHRASE)
    window = make_window(workspace, idle_ms=60_000)
    viewer = window.open_item(text_item_id(workspace))
    assert viewer is not None
    _select_and_label(qtbot, viewer)
    ref = weakref.ref(workspace)
    profile = workspace.profile
    del workspace, viewer
    window.lock_now()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert profile.is_locked
    assert ref() is None, [type(r).__name__ for r in gc.get_referrers(ref())]
    window.unlock_dialog.reject()


def _select_and_label(qtbot, viewer) -> None:
    start = viewer.text.index("fever")
    viewer.select_range(start, start + 5)
    qtbot.keyClick(viewer.editor, Qt.Key.Key_1)
    assert viewer.span_annotations()
