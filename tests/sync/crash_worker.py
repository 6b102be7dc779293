"""A workstation process the crash tests kill with SIGKILL: ``python -m tests.sync.crash_worker``.

Arguments: one JSON object (``profile``, ``mode``, ``log`` and the hang points). Every step
worth waiting for is appended to ``log`` as one JSON line, flushed and fsynced, so the test
knows where the process is when it kills it. A hang point makes the process stop (sleep) right
after that step, so the kill lands exactly there:

- ``download``: one ``sync --pull 1``; ``hang_at_fetch`` = N stops when the N-th object
  download starts (the objects before it are stored, the checkout row says "downloading").
- ``submit``: submit every new task (``hang_after_submit`` = N stops after N submissions),
  then one ``sync`` that drains the outbox (``hang_after_publish`` = N stops after the N-th
  result was accepted by the server but before the outbox row is marked sent).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from nats.js.client import JetStreamContext

from tests.conftest import PASSPHRASE
from tests.sync.robust_support import annotate_and_submit_task
from workspace.sync import checkout as checkout_module
from workspace.sync.config import load_config
from workspace.sync.protocol import RESULT_SUBJECT_PREFIX
from workspace.sync.session import sync_once
from workspace.workspace import Workspace

HANG_S = 600.0


class Log:
    """Append-only JSON-lines log the test reads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, **event: Any) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(event) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def hang(log: Log, where: str) -> None:
    log.write(event="hanging", where=where)
    time.sleep(HANG_S)


def download_mode(workspace: Workspace, args_: dict[str, Any], log: Log) -> None:
    real_download = checkout_module.download
    fetches = 0

    async def counted_download(*args: Any, **kwargs: Any) -> Any:
        nonlocal fetches
        # The digest is the one 64-hex-digit argument (the signature has changed before).
        digest = kwargs.get("digest") or next(
            a for a in reversed(args) if isinstance(a, str) and len(a) == 64
        )
        fetches += 1
        log.write(event="fetch", digest=digest, n=fetches)
        if fetches == args_.get("hang_at_fetch"):
            hang(log, f"fetch {fetches}")
        data = await real_download(*args, **kwargs)
        log.write(event="fetched", digest=digest, n=fetches)
        return data

    checkout_module.download = counted_download  # type: ignore[assignment]
    report = asyncio.run(
        sync_once(workspace.profile, load_config(workspace.profile), pull=1, push=False)
    )
    log.write(event="done", resumed=report.resumed, pulled=report.pulled)


def submit_mode(workspace: Workspace, args: dict[str, Any], log: Log) -> None:
    submitted = 0
    for task in workspace.tasks():
        if task.status != "new":
            continue
        result_id = annotate_and_submit_task(workspace, task.id, task.item_id)
        submitted += 1
        log.write(event="submitted", task=task.id, result=result_id)
        if submitted == args.get("hang_after_submit"):
            hang(log, f"submit {submitted}")

    real_publish = JetStreamContext.publish
    published = 0

    async def counted_publish(self: JetStreamContext, subject: str, *a: Any, **kw: Any) -> Any:
        nonlocal published
        ack = await real_publish(self, subject, *a, **kw)
        if subject.startswith(RESULT_SUBJECT_PREFIX):
            published += 1
            headers = kw.get("headers") or {}
            log.write(event="published", result=headers.get("Nats-Msg-Id"), n=published)
            if published == args.get("hang_after_publish"):
                hang(log, f"publish {published}")
        return ack

    JetStreamContext.publish = counted_publish  # type: ignore[method-assign]
    report = asyncio.run(
        sync_once(workspace.profile, load_config(workspace.profile), pull=0, push=True)
    )
    log.write(event="done", sent=report.sent)


def main() -> None:
    args = json.loads(sys.argv[1])
    log = Log(Path(args["log"]))
    workspace = Workspace.unlock(Path(args["profile"]), PASSPHRASE)
    log.write(event="started", pid=os.getpid())
    try:
        if args["mode"] == "download":
            download_mode(workspace, args, log)
        elif args["mode"] == "submit":
            submit_mode(workspace, args, log)
        else:
            raise SystemExit(f"unknown mode {args['mode']}")
    finally:
        workspace.lock()


if __name__ == "__main__":
    main()
