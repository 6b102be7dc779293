"""The form that sets a new passphrase, shown after unlocking with a recovery key."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

MIN_LENGTH = 8


def passphrase_problem(first: str, second: str) -> str:
    """One sentence saying what is wrong with the new passphrase, or "" when it is fine."""
    if len(first) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if first != second:
        return "The two passphrases differ."
    return ""


class NewPassphraseForm(QWidget):
    """Two password fields and a button; ``chosen`` carries an acceptable new passphrase."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        intro = QLabel(
            "The recovery key opened the profile. Choose a new passphrase now: "
            "the old one may be lost or known to someone else."
        )
        intro.setWordWrap(True)
        self.first = QLineEdit()
        self.second = QLineEdit()
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("unlockError")
        self.error.hide()
        self.button = QPushButton("Set passphrase")
        self.button.clicked.connect(self.submit)
        self.second.returnPressed.connect(self.submit)
        fields = QFormLayout()
        fields.addRow("New passphrase:", self.first)
        fields.addRow("Repeat:", self.second)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(fields)
        layout.addWidget(self.error)
        layout.addWidget(self.button)

    def submit(self) -> None:
        """Emit ``chosen`` if the two fields agree and are long enough; else say why."""
        problem = passphrase_problem(self.first.text(), self.second.text())
        if problem:
            self.show_error(problem)
            return
        self.chosen.emit(self.first.text())

    def show_error(self, text: str) -> None:
        """Show ``text`` and let the user try again."""
        self.error.setText(text)
        self.error.show()
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        """Disable the form while the new key-encryption key is derived."""
        for widget in (self.first, self.second, self.button):
            widget.setEnabled(not busy)
