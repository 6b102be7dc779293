"""The app's background jobs: result on the GUI thread, failure, cancel from the status bar
(the mechanism itself: tests/viewers/test_jobs.py)."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread

from app.background import app_runner
from storage.errors import ProfileLockedError
from viewers.jobs import JobRunner, JobState


def test_result_arrives_on_the_gui_thread(qtbot):
    runner = JobRunner()
    threads: list[object] = []

    def work(context):
        threads.append(QThread.currentThread())
        context.progress(1, 1)
        return 42

    job = runner.submit("answer", work)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert job.state is JobState.DONE and job.result == 42
    assert threads[0] is not QThread.currentThread()


def test_failure_is_reported_not_raised(qtbot):
    runner = app_runner()

    def work(context):
        raise RuntimeError("boom")

    job = runner.submit("failing", work)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        pass
    assert blocker.args == ["An unexpected error occurred (the details are in the log)."]
    assert job.state is JobState.FAILED


def test_the_app_shows_storage_and_os_errors_as_they_are(qtbot):
    runner = app_runner()

    def locked(context):
        raise ProfileLockedError("The profile is open in another Caliper.")

    def full(context):
        raise OSError(28, "No space left on device")

    for work, text in (
        (locked, "The profile is open in another Caliper."),
        (full, "[Errno 28] No space left on device"),
    ):
        job = runner.submit("failing", work)
        with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
            pass
        assert blocker.args == [text]


def test_cancel_button_stops_a_running_job(qtbot, make_window):
    window = make_window()
    started = threading.Event()
    steps: list[int] = []

    def work(context):
        started.set()
        for step in range(1000):
            if context.cancelled():
                return steps
            steps.append(step)
            context.progress(step, 1000)
            time.sleep(0.01)
        return steps

    job = window.runner.submit("Long job", work)
    status = window.status
    assert status.cancel_button.isVisible() and status.progress.isVisible()
    assert status.job_label.text() == "Long job"
    started.wait(5)
    qtbot.waitUntil(lambda: status.progress.value() > 0, timeout=5000)
    status.cancel_button.click()
    qtbot.waitUntil(lambda: job.is_finished, timeout=5000)
    assert job.state is JobState.CANCELLED
    assert len(steps) < 1000
    assert not status.progress.isVisible() and not status.cancel_button.isVisible()
