"""Long work off the GUI thread: jobs with progress, cancel, errors and results on the GUI.

One mechanism for the app and every viewer. A job function runs on a worker thread with a
:class:`JobContext` (progress out, cancel in); its outcome arrives on the GUI thread as the
signals of its :class:`Job`. Cancelling is cooperative: the function checks
:meth:`JobContext.cancelled` (or calls :meth:`JobContext.check`) between steps.

A failure is one line: the message of an error meant for users (a ``WorkspaceError``, or
the kinds a runner is told to show), else a generic sentence while the error's type and
place are logged (never its message, which may name a patient's file).

A viewer starts its jobs through a :class:`JobGroup`: closing the group abandons them, so
no result, progress or error is delivered to a widget that is gone; a job still running
finishes on its worker and is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from viewers.safe_log import log_failure
from workspace.errors import WorkspaceError

logger = logging.getLogger(__name__)
USER_ERRORS: tuple[type[BaseException], ...] = (WorkspaceError,)
UNEXPECTED = "an unexpected error occurred (the details are in the log)."
MAX_ERROR_CHARS = 300


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

    def check(self) -> None:
        """Raise :class:`JobCancelledError` if cancelled."""
        if self.cancelled():
            raise JobCancelledError

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` steps; a ``total`` of 0 means "busy, extent unknown"."""
        self._job.report_progress.emit(done, total)

    def stage(self, text: str) -> None:
        """Say what the job is doing now ("Reading the voxels…")."""
        self._job.report_stage.emit(text)


JobFunction = Callable[[JobContext], Any]


def failure_text(error: BaseException, shown: tuple[type[BaseException], ...]) -> str:
    """One line for the user: ``error``'s message if it is of a ``shown`` kind, else generic."""
    if not isinstance(error, shown):
        return UNEXPECTED
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    line = lines[0] if lines else type(error).__name__
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 1] + "…"


def _sentence(prefix: str, detail: str) -> str:
    text = f"{prefix}{detail}"
    return text[:1].upper() + text[1:]


class Job(QObject):
    """One unit of background work. Its public signals are emitted on the GUI thread only,
    and none once the job is :meth:`abandon`-ed."""

    progressed = Signal(int, int)  # done, total (total 0: extent unknown)
    staged = Signal(str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()
    #: Emitted on the worker thread; relayed by the job on the GUI thread.
    report_progress = Signal(int, int)
    report_stage = Signal(str)
    _outcome = Signal(object, object, str)
    _ended = Signal(object)  # for the runner's bookkeeping, abandoned or not

    def __init__(
        self,
        title: str,
        function: JobFunction,
        parent: QObject | None = None,
        *,
        failure: str = "",
        shown: tuple[type[BaseException], ...] = USER_ERRORS,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.function = function
        self.failure = failure
        self.shown = shown
        self.state = JobState.PENDING
        self.result: Any = None
        self.error = ""
        self.abandoned = False
        self._cancel = threading.Event()
        self._ran = threading.Event()
        self.report_progress.connect(self._relay_progress)
        self.report_stage.connect(self._relay_stage)
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

    def abandon(self) -> None:
        """Cancel, and emit nothing more: whoever waited for the outcome is gone."""
        self.abandoned = True
        self.cancel()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the function has returned on its worker (or never ran); True if so.
        The outcome signals still arrive later, through the GUI thread's event loop."""
        return self._ran.wait(None if timeout_ms < 0 else timeout_ms / 1000)

    def run_here(self) -> None:
        """Run the function on the calling thread and post the outcome (used by the runner)."""
        try:
            if self.is_cancel_requested:  # cancelled before a worker took it
                self._outcome.emit(JobState.CANCELLED, None, "")
                return
            self.state = JobState.RUNNING
            try:
                result = self.function(JobContext(self))
            except JobCancelledError:
                self._outcome.emit(JobState.CANCELLED, None, "")
            except Exception as error:  # noqa: BLE001 - shown as one line; logged without PHI
                if not isinstance(error, self.shown):
                    log_failure(logger, f"Background job {self.title!r} failed", error)
                detail = failure_text(error, self.shown)
                self._outcome.emit(JobState.FAILED, None, _sentence(self.failure, detail))
            else:
                state = JobState.CANCELLED if self.is_cancel_requested else JobState.DONE
                self._outcome.emit(state, result, "")
        finally:
            self._ran.set()

    @Slot(int, int)
    def _relay_progress(self, done: int, total: int) -> None:
        if not self.abandoned and not self.is_finished:
            self.progressed.emit(done, total)

    @Slot(str)
    def _relay_stage(self, text: str) -> None:
        if not self.abandoned and not self.is_finished:
            self.staged.emit(text)

    @Slot(object, object, str)
    def _deliver(self, state: JobState, result: Any, error: str) -> None:
        self.state = state
        self.result = None if self.abandoned else result
        self.error = error
        if not self.abandoned:
            if state is JobState.DONE:
                self.succeeded.emit(result)
            elif state is JobState.FAILED:
                self.failed.emit(error)
            else:
                self.cancelled.emit()
            self.finished.emit()
        self._ended.emit(self)


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job = job

    def run(self) -> None:
        self._job.run_here()


class JobRunner(QObject):
    """Starts jobs on a thread pool and keeps them alive until their outcome is delivered."""

    job_started = Signal(object)

    def __init__(
        self,
        parent: QObject | None = None,
        max_threads: int = 2,
        shown: tuple[type[BaseException], ...] = USER_ERRORS,
    ) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._shown = shown
        self._jobs: list[Job] = []

    def submit(self, title: str, function: JobFunction, *, failure: str = "") -> Job:
        """Start ``function(context)`` on a worker thread; returns its :class:`Job`.

        ``failure`` starts the line a failure is reported with ("The volume could not be
        opened: "); the error's message (or a generic phrase) completes it.
        """
        job = Job(title, function, self, failure=failure, shown=self._shown)
        job._ended.connect(self._forget)
        self._jobs.append(job)
        self.job_started.emit(job)
        self._pool.start(_Runnable(job))
        return job

    @property
    def max_threads(self) -> int:
        """How many jobs run at once (the others wait their turn)."""
        return self._pool.maxThreadCount()

    @property
    def active_jobs(self) -> list[Job]:
        """Jobs whose outcome has not been delivered yet."""
        return list(self._jobs)

    def cancel_all(self) -> None:
        """Ask every job to stop."""
        for job in self._jobs:
            job.cancel()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the worker threads are idle; True if they are."""
        return self._pool.waitForDone(timeout_ms)

    @Slot(object)
    def _forget(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        job.setParent(None)
        job.deleteLater()


_shared: JobRunner | None = None


def shared_runner() -> JobRunner:
    """The runner viewers start their jobs on (one pool for the whole application)."""
    global _shared
    if _shared is None:
        _shared = JobRunner(QCoreApplication.instance(), max(2, QThread.idealThreadCount()))
        _shared.destroyed.connect(_forget_shared)
    return _shared


def _forget_shared() -> None:
    global _shared
    _shared = None


class JobGroup:
    """The jobs of one widget (a viewer): all abandoned together when it closes."""

    def __init__(self, runner: JobRunner | None = None) -> None:
        self._runner = runner
        self._jobs: list[Job] = []
        self.closed = False

    def start(self, title: str, function: JobFunction, *, failure: str = "") -> Job:
        """Start a job owned by the group (once closed: a job that never runs nor reports)."""
        runner = self._runner or shared_runner()
        if self.closed:
            job = Job(title, function, failure=failure)
            job.abandon()
            return job
        job = runner.submit(title, function, failure=failure)
        self._jobs = [j for j in self._jobs if not j.is_finished]
        self._jobs.append(job)
        return job

    @property
    def active(self) -> list[Job]:
        """Jobs of the group whose outcome has not been delivered."""
        return [job for job in self._jobs if not job.is_finished and not job.abandoned]

    def close(self) -> None:
        """Abandon every job (idempotent): none reports anything from now on."""
        self.closed = True
        for job in self._jobs:
            job.abandon()
        self._jobs.clear()
