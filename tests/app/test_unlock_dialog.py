"""Unlock dialog: wrong passphrase keeps it open with a message; the right one opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.unlock_dialog import WRONG_PHRASE_MESSAGE, UnlockDialog
from storage.errors import WrongPassphraseError
from storage.profile import Profile
from storage.unlock_throttle import FAILURES_FILE
from tests.app.profiles import PASSPHRASE
from workspace.workspace import Workspace


def _dialog(qtbot, path: Path, **kwargs) -> UnlockDialog:
    dialog = UnlockDialog(path, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _submit(qtbot, dialog: UnlockDialog, secret: str) -> None:
    dialog.secret.setText(secret)
    qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.secret.isEnabled(), timeout=10_000)


def test_wrong_passphrase_shows_message_and_stays_open(qtbot, app_profile_dir):
    dialog = _dialog(qtbot, app_profile_dir)
    _submit(qtbot, dialog, "not the passphrase")
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    assert dialog.error.text() == WRONG_PHRASE_MESSAGE
    assert dialog.secret.text() == ""
    assert dialog.workspace is None


def test_right_passphrase_after_a_wrong_one_accepts(qtbot, app_profile_dir):
    dialog = _dialog(qtbot, app_profile_dir)
    _submit(qtbot, dialog, "wrong")
    with qtbot.waitSignal(dialog.unlocked, timeout=10_000) as blocker:
        dialog.secret.setText(PASSPHRASE)
        dialog.unlock_button.click()
    workspace = blocker.args[0]
    assert isinstance(workspace, Workspace)
    assert dialog.result() == QDialog.DialogCode.Accepted.value
    assert not dialog.isVisible()
    assert workspace.items()
    workspace.lock()


def test_empty_passphrase_is_not_tried(qtbot, app_profile_dir):
    dialog = _dialog(qtbot, app_profile_dir)
    dialog.unlock_button.click()
    assert dialog.error.text() == "Enter a passphrase."
    assert dialog.isVisible()


def test_missing_profile_gives_a_sentence_not_a_traceback(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path / "nowhere")
    _submit(qtbot, dialog, "anything")
    assert "No Caliper profile" in dialog.error.text()
    assert "Traceback" not in dialog.error.text()


def test_recovery_key_mode(qtbot, app_profile_dir):
    workspace = Workspace.unlock(app_profile_dir, PASSPHRASE)
    recovery_key = workspace.profile.export_recovery_key()
    workspace.lock()

    def recovery_opener(path: Path, key: str) -> Workspace:
        return Workspace(Profile.unlock_with_recovery_key(path, key))

    dialog = _dialog(qtbot, app_profile_dir, recovery_opener=recovery_opener)
    dialog.mode_button.click()
    assert dialog.recovery_mode
    assert "Recovery key" in dialog.prompt.text()
    _submit(qtbot, dialog, PASSPHRASE)  # a passphrase is not a recovery key
    assert dialog.isVisible() and dialog.error.isVisible()
    dialog.secret.setText(recovery_key)
    dialog.unlock_button.click()
    form = dialog.new_passphrase
    qtbot.waitUntil(form.isVisible, timeout=10_000)  # a new passphrase is required first
    form.first.setText("new passphrase")
    form.second.setText("new passphrase, typo")
    form.button.click()
    assert form.error.text() == "The two passphrases differ."
    form.second.setText("new passphrase")
    with qtbot.waitSignal(dialog.unlocked, timeout=10_000) as blocker:
        form.button.click()
    blocker.args[0].lock()
    Workspace.unlock(app_profile_dir, "new passphrase").lock()
    with pytest.raises(WrongPassphraseError):
        Workspace.unlock(app_profile_dir, PASSPHRASE)


def test_recovered_profile_is_locked_again_if_no_new_passphrase_is_set(qtbot, app_profile_dir):
    workspace = Workspace.unlock(app_profile_dir, PASSPHRASE)
    recovery_key = workspace.profile.export_recovery_key()
    workspace.lock()
    dialog = _dialog(qtbot, app_profile_dir)
    dialog.mode_button.click()
    dialog.secret.setText(recovery_key)
    dialog.unlock_button.click()
    qtbot.waitUntil(dialog.new_passphrase.isVisible, timeout=10_000)
    recovered = dialog.workspace
    assert recovered is not None
    dialog.reject()
    assert recovered.profile.is_locked
    assert dialog.workspace is None


def test_cancel_while_unlocking_locks_the_result(qtbot, app_profile_dir):
    opened: list[Workspace] = []

    def opener(path: Path, secret: str) -> Workspace:
        opened.append(Workspace.unlock(path, secret))
        return opened[-1]

    dialog = _dialog(qtbot, app_profile_dir, opener=opener)
    dialog.secret.setText(PASSPHRASE)
    dialog.unlock_button.click()
    dialog.reject()
    qtbot.waitUntil(lambda: bool(opened) and opened[0].profile.is_locked, timeout=10_000)
    assert dialog.workspace is None


def test_repeated_wrong_passphrases_say_the_next_try_waits(qtbot, app_profile_dir):
    (app_profile_dir / FAILURES_FILE).write_text('{"failures": 3, "last_failure_at": 0}')
    dialog = _dialog(qtbot, app_profile_dir)
    _submit(qtbot, dialog, "not the passphrase")  # 3 failures long ago: no wait now
    assert dialog.error.text().startswith(WRONG_PHRASE_MESSAGE)
    assert "the next one waits 2 s" in dialog.error.text()
