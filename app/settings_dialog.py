"""Settings: idle-lock minutes (kept in the encrypted profile) and the colour theme."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.theme import DARK, LIGHT

IDLE_SETTING = "ui.idle_lock_minutes"
MIN_IDLE_MINUTES = 1
MAX_IDLE_MINUTES = 240


class SettingsDialog(QDialog):
    """Edits the values; the caller reads :attr:`idle_minutes` and :attr:`theme` on accept."""

    def __init__(
        self,
        idle_minutes: int,
        theme: str,
        parent: QWidget | None = None,
        *,
        show_patient: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caliper — Settings")
        self.setMinimumWidth(420)
        self.idle = QSpinBox()
        self.idle.setRange(MIN_IDLE_MINUTES, MAX_IDLE_MINUTES)
        self.idle.setSuffix(" min")
        self.idle.setValue(max(MIN_IDLE_MINUTES, min(int(idle_minutes), MAX_IDLE_MINUTES)))
        self.theme_box = QComboBox()
        self.theme_box.addItem("Dark", DARK)
        self.theme_box.addItem("Light", LIGHT)
        self.theme_box.setCurrentIndex(max(0, self.theme_box.findData(theme)))
        self.patient_box = QCheckBox("Show patient name and ID in viewers")
        self.patient_box.setToolTip(
            "Off: corner texts and slide labels leave out the patient's name and ID "
            "(for screen sharing and teaching)"
        )
        self.patient_box.setChecked(show_patient)
        form = QFormLayout()
        form.addRow("Lock after idle for", self.idle)
        form.addRow("Theme", self.theme_box)
        form.addRow("Privacy", self.patient_box)
        note = QLabel(
            "Locking drops the key from memory; the passphrase is asked for again. "
            "The idle time is stored in the encrypted profile."
        )
        note.setWordWrap(True)
        note.setEnabled(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    @property
    def idle_minutes(self) -> int:
        """Minutes without input before locking."""
        return self.idle.value()

    @property
    def show_patient(self) -> bool:
        """Whether viewers may show the patient's name and ID."""
        return self.patient_box.isChecked()

    @property
    def theme(self) -> str:
        """The chosen theme name."""
        return str(self.theme_box.currentData())
