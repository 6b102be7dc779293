"""Long work off the GUI thread: jobs with progress, cancel and a result delivered on the GUI."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from viewers.safe_log import log_failure

logger = logging.getLogger(__name__)


class JobState(Enum):
    """Where a job is in its life."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobCancelledError(Exception):
    """Raise inside a job to stop early (or just return after checking ``cancelled``)."""


class JobContext:
    """Handed to the job function (on the worker thread): progress out, cancel in."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def cancelled(self) -> bool:
        """True once the user asked to cancel."""
        return self._job.is_cancel_requested

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` steps (thread-safe; delivered queued to the GUI)."""
        self._job.progressed.emit(done, total)

    def check(self) -> None:
        """Raise :class:`JobCancelledError` if cancelled."""
        if self.cancelled():
            raise JobCancelledError


JobFunction = Callable[[JobContext], Any]


class Job(QObject):
    """One unit of background work. Signals arrive on the GUI thread."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()
    _outcome = Signal(object, object, str)

    def __init__(self, title: str, function: JobFunction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.function = function
        self.state = JobState.PENDING
        self.result: Any = None
        self.error = ""
        self._cancel = threading.Event()
        self._outcome.connect(self._deliver)

    @property
    def is_cancel_requested(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancel.is_set()

    @property
    def is_finished(self) -> bool:
        """True once the job ended, whichever way (as seen by the GUI thread)."""
        return self.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._cancel.set()

    def run_here(self) -> None:
        """Run the function on the calling thread and emit the outcome (used by the runner)."""
        self.state = JobState.RUNNING
        context = JobContext(self)
        try:
            result = self.function(context)
        except JobCancelledError:
            self._emit_outcome(JobState.CANCELLED, None, "")
        except Exception as error:  # noqa: BLE001 - shown to the user; logged without PHI
            log_failure(logger, f"Background job {self.title!r} failed", error)
            self._emit_outcome(JobState.FAILED, None, str(error) or type(error).__name__)
        else:
            state = JobState.CANCELLED if self.is_cancel_requested else JobState.DONE
            self._emit_outcome(state, result, "")

    def _emit_outcome(self, state: JobState, result: Any, error: str) -> None:
        self._outcome.emit(state, result, error)

    @Slot(object, object, str)
    def _deliver(self, state: JobState, result: Any, error: str) -> None:
        self.state = state
        self.result = result
        self.error = error
        if state is JobState.DONE:
            self.succeeded.emit(result)
        elif state is JobState.FAILED:
            self.failed.emit(error)
        else:
            self.cancelled.emit()
        self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job = job

    def run(self) -> None:
        self._job.run_here()


class JobRunner(QObject):
    """Starts jobs on a private thread pool and keeps them alive until they finish."""

    job_started = Signal(object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._jobs: list[Job] = []

    def submit(self, title: str, function: JobFunction) -> Job:
        """Start ``function(context)`` on a worker thread; returns its :class:`Job`."""
        job = Job(title, function, self)
        job.finished.connect(lambda: self._forget(job))
        self._jobs.append(job)
        self.job_started.emit(job)
        self._pool.start(_Runnable(job))
        return job

    @property
    def active_jobs(self) -> list[Job]:
        """Jobs not finished yet."""
        return list(self._jobs)

    def cancel_all(self) -> None:
        """Ask every running job to stop."""
        for job in self._jobs:
            job.cancel()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the worker threads are idle; True if they are."""
        return self._pool.waitForDone(timeout_ms)

    def _forget(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        job.setParent(None)
        job.deleteLater()
