"""Task commands for scripted and headless work: ``task list``, ``task submit``, ``task reopen``.

A task is named by its id or a unique prefix of it. Submitting writes the result to the outbox
exactly as the task list's "Submit to queue" does; ``caliper sync --push`` then sends it once.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_OK, CliError, open_workspace
from workspace.projects import TaskSummary
from workspace.tasks import ReopenError

if TYPE_CHECKING:
    from workspace.workspace import Workspace

_COLUMNS = ("id", "status", "revision", "modality", "item_title", "batch_title", "due")


def resolve_task(workspace: Workspace, text: str) -> TaskSummary:
    """The task whose id is ``text`` or starts with it (refused when none or several do)."""
    wanted = text.strip().lower()
    tasks = workspace.tasks()
    exact = [t for t in tasks if t.id.lower() == wanted]
    found = exact or [t for t in tasks if wanted and t.id.lower().startswith(wanted)]
    if not found:
        raise CliError(f"no task matches '{text}' (see 'caliper task list')")
    if len(found) > 1:
        shown = ", ".join(t.id for t in found[:3]) + (", ..." if len(found) > 3 else "")
        raise CliError(f"'{text}' matches {len(found)} tasks ({shown}); give more of the id")
    return found[0]


def task_record(task: TaskSummary) -> dict[str, Any]:
    """A task as JSON: every field of the summary, the status as its text."""
    return {**asdict(task), "status": task.status.value}


def cmd_task_list(args: argparse.Namespace) -> int:
    """Every task: tab-separated columns, or ``--json``."""
    workspace = open_workspace(args)
    try:
        tasks = [task_record(t) for t in workspace.tasks()]
    finally:
        workspace.lock()
    if args.json:
        print(json.dumps(tasks, indent=2, ensure_ascii=False))
        return EXIT_OK
    for task in tasks:
        print("\t".join("" if task[c] is None else str(task[c]) for c in _COLUMNS))
    return EXIT_OK


def cmd_task_submit(args: argparse.Namespace) -> int:
    """Submit a queue task (sent with the next ``caliper sync``); one line: task, revision, result.

    A task with no annotations, or never opened, needs ``--allow-empty``.
    """
    from workspace.sync.outbox import EmptySubmitError, SubmitError

    workspace = open_workspace(args)
    try:
        task = resolve_task(workspace, args.task)
        try:
            result_id = workspace.submit_task(task.id, allow_empty=args.allow_empty)
        except EmptySubmitError as error:
            raise CliError(
                f"{error} Nothing was submitted; use --allow-empty to submit it."
            ) from None
        except SubmitError as error:
            raise CliError(str(error)) from None
        except ValueError as error:  # not ready to submit (already submitted, in review...)
            raise CliError(f"cannot submit task {task.id}: {error}") from None
        revision = workspace.task(task.id).revision
    finally:
        workspace.lock()
    print(f"submitted\t{task.id}\trevision {revision}\tresult {result_id}")
    return EXIT_OK


def cmd_task_reopen(args: argparse.Namespace) -> int:
    """Reopen a submitted task as a new revision that must be submitted again."""
    workspace = open_workspace(args)
    try:
        task = resolve_task(workspace, args.task)
        try:
            revision = workspace.reopen_task(task.id)
        except ReopenError as error:
            raise CliError(str(error)) from None
    finally:
        workspace.lock()
    print(f"reopened\t{task.id}\trevision {revision}")
    return EXIT_OK


def add_task_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """``task list|submit|reopen``."""
    task = sub.add_parser("task", help="list, submit and reopen tasks (scripted work)")
    task_sub = task.add_subparsers(dest="task_command", metavar="ACTION", required=True)
    listing = task_sub.add_parser("list", parents=[common], help="list every task")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_task_list)
    submit = task_sub.add_parser(
        "submit", parents=[common], help="submit a queue task (sent with the next sync)"
    )
    submit.add_argument("task", metavar="TASK", help="task id or a unique prefix of it")
    submit.add_argument(
        "--allow-empty",
        action="store_true",
        help="submit even a task with no annotations or never opened",
    )
    submit.set_defaults(handler=cmd_task_submit)
    reopen = task_sub.add_parser(
        "reopen", parents=[common], help="reopen a submitted task as a new revision"
    )
    reopen.add_argument("task", metavar="TASK", help="task id or a unique prefix of it")
    reopen.set_defaults(handler=cmd_task_reopen)
