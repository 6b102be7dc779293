"""Ask for the passphrase (or a recovery key) and open the profile off the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.background import app_runner
from app.new_passphrase import NewPassphraseForm
from storage.errors import StorageError, WrongPassphraseError
from storage.unlock_throttle import UnlockThrottle, delay_after
from viewers.jobs import JobContext
from viewers.safe_log import log_failure
from workspace.workspace import Workspace

logger = logging.getLogger(__name__)

Opener = Callable[[Path, str], Workspace]
WRONG_PHRASE_MESSAGE = "Wrong passphrase — please try again."
WRONG_RECOVERY_MESSAGE = "That recovery key does not open this profile — check it and try again."


def _next_try_delay(path: Path) -> str:
    """A sentence saying how long the next try waits after repeated wrong ones, else empty."""
    delay = delay_after(UnlockThrottle(path).failures()[0])
    return f" After repeated wrong tries, the next one waits {delay:.0f} s." if delay else ""


def open_profile(opener: Opener, path: Path, secret: str, recovery: bool) -> Workspace | str:
    """The workspace, or one sentence saying why it could not be opened (never raises)."""
    try:
        return opener(path, secret)
    except WrongPassphraseError:
        message = WRONG_RECOVERY_MESSAGE if recovery else WRONG_PHRASE_MESSAGE
        return message + _next_try_delay(path)
    except StorageError as error:
        return str(error)
    except ValueError as error:  # a malformed recovery key
        return str(error) if recovery else WRONG_PHRASE_MESSAGE
    except Exception as error:  # noqa: BLE001 - shown to the user; logged without PHI
        log_failure(logger, "Unlocking the profile failed", error)
        return "The profile could not be opened (details are in the log)."


class UnlockDialog(QDialog):
    """Passphrase prompt; ``unlocked`` carries the new :class:`Workspace`."""

    unlocked = Signal(object)

    def __init__(
        self,
        profile_dir: Path,
        parent: QWidget | None = None,
        opener: Opener = Workspace.unlock,
        recovery_opener: Opener | None = None,
        locked: bool = False,
    ) -> None:
        super().__init__(parent)
        self.profile_dir = profile_dir
        self.workspace: Workspace | None = None
        self._opener = opener
        self._recovery_opener = recovery_opener or Workspace.unlock_with_recovery_key
        self._recovery = False
        self._closed = False
        self._runner = app_runner(self, max_threads=1)
        self.setWindowTitle(f"Unlock Caliper — {profile_dir.name}")
        self.setModal(True)
        self.setMinimumWidth(440)

        heading = "Caliper locked itself after a period of inactivity." if locked else ""
        self.heading = QLabel(heading)
        self.heading.setWordWrap(True)
        self.heading.setVisible(bool(heading))
        self.prompt = QLabel()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("unlockError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.busy = QLabel("Unlocking…")
        self.busy.hide()

        self.buttons = QDialogButtonBox()
        self.unlock_button = self.buttons.addButton(
            "Unlock", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.unlock_button.setDefault(True)
        cancel_text = "Quit" if locked else "Cancel"
        self.buttons.addButton(cancel_text, QDialogButtonBox.ButtonRole.RejectRole)
        self.mode_button = QPushButton()
        self.mode_button.setAutoDefault(False)
        self.buttons.addButton(self.mode_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.mode_button.clicked.connect(self.toggle_recovery)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.prompt)
        layout.addWidget(self.secret)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.new_passphrase = NewPassphraseForm()
        self.new_passphrase.chosen.connect(self._set_new_passphrase)
        self.new_passphrase.hide()
        layout.addWidget(self.new_passphrase)
        self._update_mode()

    @property
    def recovery_mode(self) -> bool:
        """True when the field takes a recovery key."""
        return self._recovery

    def toggle_recovery(self) -> None:
        """Switch between passphrase and recovery key."""
        self._recovery = not self._recovery
        self._update_mode()

    def _update_mode(self) -> None:
        name = self.profile_dir.name
        if self._recovery:
            self.prompt.setText(f"Recovery key for profile “{name}”:")
            self.secret.setPlaceholderText("XXXX-XXXX-…")
            self.mode_button.setText("Use passphrase")
        else:
            self.prompt.setText(f"Passphrase for profile “{name}”:")
            self.secret.setPlaceholderText("Passphrase")
            self.mode_button.setText("Use recovery key…")
        self.secret.clear()
        self.error.hide()
        self.secret.setFocus()

    def show_error(self, text: str) -> None:
        """Show ``text`` under the field and let the user try again."""
        self.error.setText(text)
        self.error.show()
        self._set_busy(False)
        self.secret.clear()
        self.secret.setFocus()

    def submit(self) -> None:
        """Try the entered secret (the key derivation runs on a worker thread)."""
        secret = self.secret.text()
        if not secret.strip():
            self.show_error("Enter the recovery key." if self._recovery else "Enter a passphrase.")
            return
        opener = self._recovery_opener if self._recovery else self._opener
        recovery, path = self._recovery, self.profile_dir
        self._set_busy(True)

        def work(context: JobContext) -> Workspace | str:
            del context
            return open_profile(opener, path, secret, recovery)

        job = self._runner.submit("Unlocking", work)
        job.succeeded.connect(self._on_result)
        job.failed.connect(self.show_error)

    def _on_result(self, result: Workspace | str) -> None:
        if self._closed:  # the dialog was dismissed while the key was being derived
            if not isinstance(result, str):
                result.lock()
            return
        if isinstance(result, str):
            self.show_error(result)
            return
        self.workspace = result
        self._set_busy(False)
        if self._recovery:
            self._ask_new_passphrase()
            return
        self.unlocked.emit(result)
        self.accept()

    def _ask_new_passphrase(self) -> None:
        """After a recovery unlock the user must choose a new passphrase before working."""
        for widget in (self.heading, self.prompt, self.secret, self.error, self.buttons):
            widget.hide()
        self.new_passphrase.show()
        self.new_passphrase.first.setFocus()

    def _set_new_passphrase(self, passphrase: str) -> None:
        workspace = self.workspace
        assert workspace is not None
        self.new_passphrase.set_busy(True)

        def work(context: JobContext) -> None:
            del context
            workspace.change_passphrase(passphrase)

        job = self._runner.submit("Setting the new passphrase", work)
        job.succeeded.connect(lambda _: self._finish_recovery())
        job.failed.connect(self.new_passphrase.show_error)

    def _finish_recovery(self) -> None:
        assert self.workspace is not None
        self.unlocked.emit(self.workspace)
        self.accept()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        if busy:
            self.error.hide()
        for widget in (self.secret, self.unlock_button, self.mode_button):
            widget.setEnabled(not busy)

    def done(self, result: int) -> None:
        """Close; a pending unlock is waited for so no thread outlives the dialog."""
        if result != QDialog.DialogCode.Accepted.value:
            self._closed = True
        self._runner.wait()
        if self._closed and self.workspace is not None:  # recovered but no new passphrase set
            self.workspace.lock()
            self.workspace = None
        super().done(result)
