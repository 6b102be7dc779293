"""The app's background jobs: :mod:`viewers.jobs`, showing storage and OS errors as they are.

The workstation's own jobs (import, sync, batch files, unlocking) fail with a profile that
cannot be opened, a full disk or a server out of reach: those messages are fit for the user,
so the app's runner shows them; anything else is logged and reported generically.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from storage.errors import StorageError
from viewers.jobs import (
    USER_ERRORS,
    Job,
    JobCancelledError,
    JobContext,
    JobRunner,
    JobState,
)

__all__ = ["APP_ERRORS", "Job", "JobCancelledError", "JobContext", "JobRunner", "JobState"]

#: Errors whose message the app shows as it is.
APP_ERRORS: tuple[type[BaseException], ...] = (*USER_ERRORS, StorageError, OSError)


def app_runner(parent: QObject | None = None, max_threads: int = 2) -> JobRunner:
    """A runner for the workstation's own jobs (see the module docstring)."""
    return JobRunner(parent, max_threads, shown=APP_ERRORS)
