"""Importing files and folders on a worker thread; problems are gathered into one dialog."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWidgets import QStatusBar, QWidget

from app.problems_dialog import ProblemsDialog
from viewers.jobs import Job, JobContext, JobRunner
from workspace.items import ItemSummary
from workspace.workspace import Workspace


@dataclass
class ImportOutcome:
    """What an import stored and what it could not."""

    items: list[ItemSummary] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)
    cancelled: bool = False
    error: str = ""
    already: list[ItemSummary] = field(default_factory=list)  # were in the profile before

    def summary(self) -> str:
        """One sentence for the status bar and the problems dialog."""
        count, again = len(self.items), len(self.already)
        stored = f"{count} item{'s' if count != 1 else ''} imported"
        if again and not count:
            stored = f"nothing new: {again} item{'s' if again != 1 else ''} already in the profile"
            stored = stored[0].upper() + stored[1:]
        elif again:
            stored += f", {again} already in the profile"
        if self.error:
            return f"Import failed: {self.error} ({stored})"
        if self.cancelled:
            return f"Import cancelled ({stored})"
        warned = sum(1 for _p, m in self.problems if m.startswith("Loaded with a warning"))
        failed = len(self.problems) - warned
        notes = []
        if failed:
            notes.append(f"{failed} file(s) could not be imported")
        if warned:
            notes.append(f"{warned} warning(s)")
        if notes:
            return f"{stored}; {', '.join(notes)}"
        return stored


def local_paths(urls: Sequence[QUrl]) -> list[Path]:
    """The local files and folders among dropped ``urls``."""
    return [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]


class ImportController(QObject):
    """Runs ``workspace.import_paths`` as a background job; ``finished`` gives the outcome."""

    finished = Signal(object)  # ImportOutcome

    def __init__(self, runner: JobRunner, status_bar: QStatusBar, window: QWidget) -> None:
        super().__init__(window)
        self.workspace: Workspace | None = None
        self.last_dialog: ProblemsDialog | None = None
        self.last_outcome: ImportOutcome | None = None
        self._runner = runner
        self._status_bar = status_bar
        self._window = window

    def start(self, paths: Sequence[Path]) -> Job | None:
        """Import ``paths`` (files or folders); None if there is nothing to do."""
        workspace = self.workspace
        if workspace is None or not paths:
            return None
        problems: list[tuple[Path, str]] = []
        lock = threading.Lock()

        def on_problem(path: Path, message: str) -> None:
            with lock:
                problems.append((path, message))

        def on_warning(path: Path, message: str) -> None:
            with lock:
                problems.append((path, f"Loaded with a warning: {message}"))

        def work(context: JobContext) -> ImportOutcome:
            items, again = workspace.import_counted(
                list(paths),
                on_problem=on_problem,
                on_warning=on_warning,
                cancelled=context.cancelled,
                progress=context.progress,
            )
            repeated = {item.id for item in again}
            new = [item for item in items if item.id not in repeated]
            return ImportOutcome(new, problems, cancelled=context.cancelled(), already=again)

        count = len(paths)
        job = self._runner.submit(f"Importing {count} path{'s' if count != 1 else ''}", work)
        job.finished.connect(lambda: self._on_finished(job, problems))
        return job

    def _on_finished(self, job: Job, problems: list[tuple[Path, str]]) -> None:
        outcome = job.result if isinstance(job.result, ImportOutcome) else ImportOutcome()
        outcome.problems = list(problems)
        outcome.cancelled = outcome.cancelled or job.is_cancel_requested
        outcome.error = job.error
        self.last_outcome = outcome
        self._status_bar.showMessage(outcome.summary(), 10_000)
        if outcome.problems or outcome.error:
            rows = outcome.problems or [(Path(), outcome.error)]
            self.last_dialog = ProblemsDialog(outcome.summary(), rows, self._window)
            self.last_dialog.open()
        self.finished.emit(outcome)
