"""The one background-job mechanism: results and progress on the GUI thread, errors in one
line, cooperative cancel, and nothing delivered to a viewer that has gone."""

from __future__ import annotations

import logging
import threading

import pytest
import shiboken6
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QLabel, QWidget

from viewers.job_strip import JobStrip
from viewers.jobs import UNEXPECTED, JobGroup, JobRunner, JobState
from workspace.errors import NotFoundError


@pytest.fixture
def runner(qtbot):
    runner = JobRunner(max_threads=2)
    yield runner
    runner.cancel_all()
    assert runner.wait(10_000)


def _released(gate: threading.Event, value: object = "done"):
    """A job function that waits (cooperatively) for ``gate`` and then returns ``value``."""

    def work(context):
        while not gate.wait(0.005):
            context.check()
        return value

    return work


def test_progress_stages_and_result_arrive_on_the_gui_thread(qtbot, runner) -> None:
    threads: list[object] = []
    seen: list[tuple[str, object]] = []

    def work(context):
        threads.append(QThread.currentThread())
        context.stage("Counting")
        for step in range(1, 4):
            context.progress(step, 3)
        return 42

    job = runner.submit("answer", work)
    job.staged.connect(lambda text: seen.append(("stage", text)))
    job.progressed.connect(lambda done, total: seen.append(("progress", (done, total))))
    job.succeeded.connect(lambda result: seen.append(("result", result)))
    job.progressed.connect(lambda *_: threads.append(QThread.currentThread()))
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    assert job.state is JobState.DONE and job.result == 42
    assert seen == [
        ("stage", "Counting"),
        ("progress", (1, 3)),
        ("progress", (2, 3)),
        ("progress", (3, 3)),
        ("result", 42),
    ]
    gui = QThread.currentThread()
    assert threads[0] is not gui and all(thread is gui for thread in threads[1:])


def test_a_workspace_error_is_its_own_message_in_one_line(qtbot, runner) -> None:
    def work(context):
        raise NotFoundError("No item 'abc' in this profile.\nsecond line")

    job = runner.submit("Opening", work, failure="The item could not be opened: ")
    with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
        pass
    assert failed.args == ["The item could not be opened: No item 'abc' in this profile."]
    assert job.state is JobState.FAILED


def test_an_unexpected_error_is_logged_without_its_message_and_shown_generically(
    qtbot, runner, caplog
) -> None:
    def work(context):
        raise KeyError("/patients/Jane Doe/ct.nii")

    with caplog.at_level(logging.ERROR, logger="viewers.jobs"):
        job = runner.submit("Reading", work)
        with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
            pass
    assert failed.args == [UNEXPECTED[0].upper() + UNEXPECTED[1:]]
    logged = caplog.text
    assert "KeyError" in logged and "test_jobs.py" in logged
    assert "Jane Doe" not in logged and "Jane Doe" not in failed.args[0]


def test_cancel_stops_the_job_at_its_next_check(qtbot, runner) -> None:
    gate = threading.Event()
    job = runner.submit("Waiting", _released(gate))
    cancelled: list[bool] = []
    job.cancelled.connect(lambda: cancelled.append(True))
    job.cancel()
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    assert job.state is JobState.CANCELLED and cancelled == [True] and job.result is None


def test_a_job_cancelled_before_a_worker_takes_it_never_runs(qtbot) -> None:
    runner = JobRunner(max_threads=1)
    gate = threading.Event()
    first = runner.submit("First", _released(gate))
    ran: list[bool] = []
    second = runner.submit("Second", lambda context: ran.append(True))
    second.cancel()
    gate.set()
    qtbot.waitUntil(lambda: first.is_finished and second.is_finished, timeout=10_000)
    assert first.state is JobState.DONE
    assert second.state is JobState.CANCELLED and ran == []
    assert runner.active_jobs == []


def test_a_closed_group_delivers_nothing_more(qtbot, runner) -> None:
    group = JobGroup(runner)
    gate = threading.Event()
    job = group.start("Owned", _released(gate, value=object()))
    heard: list[str] = []
    for name in ("progressed", "staged", "succeeded", "failed", "cancelled", "finished"):
        getattr(job, name).connect(lambda *_args, name=name: heard.append(name))
    assert group.active == [job]
    group.close()
    assert job.is_cancel_requested and group.active == []
    gate.set()
    assert job.wait(10_000)
    qtbot.waitUntil(lambda: job.is_finished, timeout=10_000)
    assert heard == [] and job.result is None
    late = group.start("After closing", lambda context: heard.append("ran"))
    assert late.abandoned and not late.wait(50)
    assert heard == []


def test_a_widget_deleted_mid_job_gets_no_late_callback(qtbot, runner) -> None:
    """The owner goes away (deleted, not shut down): its jobs are abandoned with it."""
    owner = QWidget()
    owner.jobs = JobGroup(runner)
    owner.destroyed.connect(owner.jobs.close)
    label = QLabel("waiting", owner)
    gate = threading.Event()
    job = owner.jobs.start("Slow", _released(gate, value="late"))
    job.succeeded.connect(lambda text: label.setText(text))  # would touch a deleted label
    job.progressed.connect(lambda *_: label.setText("progress"))
    shiboken6.delete(owner)  # the C++ widgets are gone now
    assert job.abandoned
    gate.set()
    assert job.wait(10_000)
    qtbot.waitUntil(lambda: job.is_finished, timeout=10_000)
    assert runner.active_jobs == []


# ----------------------------------------------------------------------------- the strip
def test_strip_shows_busy_then_progress_and_cancels(qtbot, runner) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    strip = JobStrip(host)
    host.show()
    assert not strip.isVisible()
    gate = threading.Event()
    reached = threading.Event()

    def work(context):
        context.progress(3, 10)
        reached.set()
        while not gate.wait(0.005):
            context.check()

    job = runner.submit("Growing the region", work)
    strip.watch(job)
    assert strip.isVisible() and strip.cancel_button.isVisible()
    assert strip.label.text() == "Growing the region"
    qtbot.waitUntil(lambda: strip.progress.maximum() == 10, timeout=10_000)
    assert strip.progress.value() == 3
    strip.cancel_button.click()
    assert not strip.cancel_button.isEnabled()
    assert strip.label.text() == "Growing the region: cancelling…"
    qtbot.waitUntil(lambda: job.is_finished, timeout=10_000)
    assert job.state is JobState.CANCELLED
    assert not strip.isVisible()


def test_strip_keeps_a_failure_as_one_line_until_the_next_job(qtbot, runner) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    strip = JobStrip(host)
    host.show()

    def fail(context):
        raise NotFoundError("No such segment.")

    job = runner.submit("Filling", fail, failure="Not filled: ")
    strip.watch(job, cancellable=False)
    assert strip.progress.isVisible() and not strip.cancel_button.isVisible()
    qtbot.waitUntil(lambda: job.is_finished, timeout=10_000)
    assert strip.isVisible() and strip.error_label.text() == "Not filled: No such segment."
    assert not strip.progress.isVisible()
    gate = threading.Event()
    strip.watch(runner.submit("Again", _released(gate)))
    assert strip.error_label.text() == "" and not strip.error_label.isVisible()
    gate.set()
    qtbot.waitUntil(lambda: not strip.isVisible(), timeout=10_000)
