"""A strip any viewer can show while it works in the background: busy or progress, what runs,
Cancel, and the last failure in one line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from viewers.jobs import Job

ERROR_STYLE = "color: #ff6b6b;"


class JobStrip(QWidget):
    """Shows the newest job it watches (older ones still report their failures); hidden while
    nothing runs and no failure is shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobStrip")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this work; nothing is changed")
        self.cancel_button.clicked.connect(self.cancel_current)
        self.error_label = QLabel()
        self.error_label.setObjectName("jobError")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.progress)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.error_label, 1)
        self._jobs: list[Job] = []
        self._uncancellable: list[Job] = []
        self._refresh()

    @property
    def current_job(self) -> Job | None:
        """The job the strip shows (the newest still running)."""
        return self._jobs[-1] if self._jobs else None

    def watch(self, job: Job, cancellable: bool = True) -> None:
        """Show ``job`` until it ends; a failure stays as the error line."""
        if job.is_finished or job.abandoned:
            return
        if not cancellable:
            self._uncancellable.append(job)
        self._jobs.append(job)
        job.progressed.connect(self._on_progress)
        job.staged.connect(self._on_stage)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        self.error_label.clear()
        self._refresh(reset_progress=True)

    def show_error(self, text: str) -> None:
        """Show ``text`` as the error line (until the next job or :meth:`clear_error`)."""
        self.error_label.setText(text)
        self.error_label.setToolTip(text)
        self._refresh()

    def clear_error(self) -> None:
        """Hide the error line."""
        self.error_label.clear()
        self._refresh()

    def cancel_current(self) -> None:
        """Cancel the job shown."""
        job = self.current_job
        if job is not None:
            job.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(f"{job.title}: cancelling…")

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.sender() is self.current_job:
            self.progress.setRange(0, max(total, 0))
            self.progress.setValue(min(done, total) if total > 0 else 0)

    @Slot(str)
    def _on_stage(self, text: str) -> None:
        job = self.current_job
        if self.sender() is job and job is not None and not job.is_cancel_requested:
            self.label.setText(text)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.show_error(text)

    @Slot()
    def _on_finished(self) -> None:
        sender = self.sender()
        shown = self.current_job
        self._jobs = [job for job in self._jobs if job is not sender and not job.is_finished]
        self._uncancellable = [job for job in self._uncancellable if job in self._jobs]
        self._refresh(reset_progress=self.current_job is not shown)

    def _refresh(self, reset_progress: bool = False) -> None:
        job = self.current_job
        running = job is not None
        for widget in (self.progress, self.label):
            widget.setVisible(running)
        self.cancel_button.setVisible(running and job not in self._uncancellable)
        self.error_label.setVisible(bool(self.error_label.text()))
        if job is not None:
            if reset_progress:
                self.progress.setRange(0, 0)  # busy until the job says how far it is
                self.label.setText(job.title)
            if job.is_cancel_requested:
                self.label.setText(f"{job.title}: cancelling…")
            self.cancel_button.setEnabled(not job.is_cancel_requested)
        self.setVisible(running or bool(self.error_label.text()))
