"""Running one queue sync on a worker thread (its own asyncio loop) for the sync panel.

Progress of each batch arrives on the GUI thread as a copy of its
:class:`~workspace.sync.checkout.BatchProgress`; the end as a :class:`SyncOutcome` whose
``error`` is always one line (a dead server is a message, never a traceback).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from viewers.jobs import Job, JobCancelledError, JobContext, JobRunner, JobState
from viewers.safe_log import log_failure
from workspace.errors import WorkspaceError
from workspace.sync.config import SyncConfig
from workspace.workspace import Workspace

if TYPE_CHECKING:  # nats-py is imported when a sync starts, not at start-up
    from workspace.sync.checkout import BatchProgress
    from workspace.sync.session import SyncReport

logger = logging.getLogger(__name__)
MAX_ERROR_CHARS = 300
STOPPED = "Sync stopped; the download resumes with the next sync."


@dataclass
class SyncOutcome:
    """How a sync ended: a report when it connected, else one line saying why not."""

    report: SyncReport | None = None
    error: str = ""
    cancelled: bool = False
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def online(self) -> bool:
        """True when the sync reached the server and finished."""
        return self.report is not None and not self.error


def one_line(error: BaseException) -> str:
    """The first line of ``error``'s message (its type when empty), kept short."""
    text = str(error).strip().splitlines()
    line = text[0].strip() if text else ""
    if not isinstance(error, OSError | ValueError):  # ours: unreachable, refused, bad setting
        line = f"{type(error).__name__}: {line}" if line else type(error).__name__
    if len(line) > MAX_ERROR_CHARS:
        line = line[: MAX_ERROR_CHARS - 1] + "…"
    return line


class SyncWorker(QObject):
    """Starts :func:`sync_once` as a background job; one sync at a time.

    ``progressed(BatchProgress)`` and ``finished(SyncOutcome)`` are delivered on the GUI
    thread. :meth:`pause` holds the download before its next object; cancelling the job
    (closing or locking the window) stops it there too, and the next sync resumes it.
    """

    progressed = Signal(object)  # BatchProgress (a copy)
    finished = Signal(object)  # SyncOutcome

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._pause = threading.Event()
        self.job: Job | None = None

    @property
    def running(self) -> bool:
        """True while a sync job has not finished."""
        return self.job is not None

    @property
    def is_paused(self) -> bool:
        """True while downloads are held."""
        return self._pause.is_set()

    def pause(self) -> None:
        """Hold the running download before its next object."""
        self._pause.set()

    def resume(self) -> None:
        """Let a held download go on."""
        self._pause.clear()

    def start(self, workspace: Workspace, config: SyncConfig, pull: int) -> Job | None:
        """Sync once (pulling up to ``pull`` new batches); None if a sync is running."""
        if self.job is not None:
            return None
        self._pause.clear()
        title = f"Checking out {pull} batches" if pull else "Syncing with the queue"

        def work(context: JobContext) -> SyncOutcome:
            items = {"done": 0, "total": 0}
            seen: dict[str, tuple[int, int]] = {}

            def paused() -> bool:
                if context.cancelled():
                    raise JobCancelledError
                return self._pause.is_set()

            def progress(batch: BatchProgress) -> None:
                seen[batch.batch_id] = (batch.files_done, batch.files_total)
                items["done"] = sum(done for done, _ in seen.values())
                items["total"] = sum(total for _, total in seen.values())
                self.progressed.emit(replace(batch))
                context.progress(items["done"], max(items["total"], 1))

            try:
                report = asyncio.run(
                    workspace.sync(config, pull=pull, progress=progress, paused=paused)
                )
            except JobCancelledError:
                return SyncOutcome(error=STOPPED, cancelled=True)
            except (OSError, ValueError, WorkspaceError) as error:  # unreachable, refused...
                return SyncOutcome(error=one_line(error))
            except Exception as error:  # noqa: BLE001 - shown as one line, logged without PHI
                log_failure(logger, "Sync failed", error)
                return SyncOutcome(error=one_line(error))
            return SyncOutcome(report=report)

        job = self._runner.submit(title, work)
        job.finished.connect(lambda: self._on_finished(job))
        self.job = job
        return job

    def _on_finished(self, job: Job) -> None:
        self.job = None
        self._pause.clear()
        if isinstance(job.result, SyncOutcome):
            outcome = job.result
        elif job.state is JobState.CANCELLED:
            outcome = SyncOutcome(error=STOPPED, cancelled=True)
        else:
            outcome = SyncOutcome(error=job.error.splitlines()[0] if job.error else "Sync failed.")
        self.finished.emit(outcome)


# ----------------------------------------------------------------------------- text


def format_size(size: int) -> str:
    """``size`` bytes as kB below a megabyte, else MB (one decimal)."""
    if size < 1_000_000:
        return f"{size / 1000:.0f}\u00a0kB" if size >= 1000 else f"{size}\u00a0B"
    return f"{size / 1_000_000:.1f}\u00a0MB"


def format_seconds(seconds: float | None) -> str:
    """Time left as "12 s left" / "about 3 min left" ("" when unknown)."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.0f} s left"
    if seconds < 3600:
        return f"about {seconds / 60:.0f} min left"
    return f"about {seconds / 3600:.1f} h left"


def progress_text(bytes_done: int, bytes_total: int, done: int, total: int) -> str:
    """``1.2 / 2.7 MB · 3 / 5 files``."""
    return f"{format_size(bytes_done)} / {format_size(bytes_total)} · {done} / {total} files"


def percent(done: int, total: int) -> int:
    """Whole percent, 100 for an empty total."""
    return 100 if total <= 0 else min(100, round(100 * done / total))


def local_time(moment: datetime) -> str:
    """``2026-05-01 14:00`` in the workstation's time zone."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def parse_tracks(text: str) -> tuple[str, ...]:
    """``"ct-chest, ecg"`` → ``("ct-chest", "ecg")``."""
    return tuple(part.strip() for part in text.split(",") if part.strip())
