"""Status bar: save state, sync state, and the progress and Cancel of background jobs."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from viewers.jobs import Job

SAVED = "All changes saved"
NOTHING_OPEN = "No item open"
OFFLINE = "Offline — sync not configured"
LOCKED = "Locked"


class StatusPanel(QObject):
    """The permanent widgets of the main window's status bar."""

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.bar = bar
        self.job_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Cancel the running background job")
        self.cancel_button.clicked.connect(self.cancel_current)
        self.save_label = QLabel(NOTHING_OPEN)
        self.save_label.setObjectName("saveState")
        self.sync_label = QLabel(OFFLINE)
        self.sync_label.setObjectName("syncState")
        for widget in (self.job_label, self.progress, self.cancel_button):
            bar.addPermanentWidget(widget)
        bar.addPermanentWidget(self.save_label)
        bar.addPermanentWidget(_separator())
        bar.addPermanentWidget(self.sync_label)
        self._jobs: list[Job] = []
        self._show_job(None)

    # ------------------------------------------------------------------ save state
    def show_saved(self) -> None:
        """Every change so far is durable."""
        self.save_label.setText(SAVED)
        self.save_label.setStyleSheet("")
        self.save_label.setToolTip("")

    def show_save_error(self, text: str) -> None:
        """The last edit was not saved."""
        self.save_label.setText(text)
        self.save_label.setToolTip(text)
        self.save_label.setStyleSheet("color: #ff6b6b; font-weight: bold;")

    def show_idle(self, text: str = NOTHING_OPEN) -> None:
        """No edits to report (nothing open, or locked)."""
        self.save_label.setText(text)
        self.save_label.setStyleSheet("")

    def set_sync_text(self, text: str) -> None:
        """Describe the sync state."""
        self.sync_label.setText(text)

    # ------------------------------------------------------------------ jobs
    def watch_job(self, job: Job) -> None:
        """Show ``job``'s progress until it finishes."""
        self._jobs.append(job)
        job.progressed.connect(lambda done, total: self._on_progress(job, done, total))
        job.finished.connect(lambda: self._on_finished(job))
        self._show_job(job)

    @property
    def current_job(self) -> Job | None:
        """The job the progress bar shows."""
        return self._jobs[-1] if self._jobs else None

    def cancel_current(self) -> None:
        """Cancel the job the progress bar shows."""
        job = self.current_job
        if job is not None:
            job.cancel()
            self.cancel_button.setEnabled(False)
            self.job_label.setText(f"{job.title}: cancelling…")

    def _on_progress(self, job: Job, done: int, total: int) -> None:
        if job is self.current_job:
            self.progress.setRange(0, max(total, 0))
            self.progress.setValue(min(done, total) if total > 0 else 0)

    def _on_finished(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        self._show_job(self.current_job)

    def _show_job(self, job: Job | None) -> None:
        visible = job is not None
        for widget in (self.job_label, self.progress, self.cancel_button):
            widget.setVisible(visible)
        if job is not None:
            self.job_label.setText(job.title)
            self.progress.setRange(0, 0)
            self.cancel_button.setEnabled(not job.is_cancel_requested)


def _separator() -> QLabel:
    label = QLabel("|")
    label.setEnabled(False)
    return label
