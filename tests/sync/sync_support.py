"""Shared pieces of the sync tests: profiles for a manager and workstations, data to push."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from tests.conftest import FAST_KDF, PASSPHRASE
from workspace.demo_data import write_clinical_note
from workspace.schema import load_preset
from workspace.sync.config import SyncConfig, project_key, save_config, set_project_key
from workspace.sync.connection import ServerAccess, jetstream
from workspace.sync.queue_push import PushPlan, push
from workspace.workspace import Workspace

T = TypeVar("T")
PROJECT = "notes-2026"
TRACK = "ct-chest"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a fresh event loop."""
    return asyncio.run(coro)


def make_workspace(root: Path, user: str) -> Workspace:
    """A fresh encrypted profile for ``user`` (tests take the ``manager``, ``alice`` and
    ``bob`` fixtures of ``tests/sync/conftest.py``, which also lock it afterwards)."""
    return Workspace.create(root / user, PASSPHRASE, user=user, kdf=FAST_KDF)


def write_notes(folder: Path, count: int, prefix: str = "Patient") -> Path:
    """``count`` clinical notes naming distinct (fake) patients."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        write_clinical_note(
            folder / f"note-{index:03d}.txt",
            patient_name=f"{prefix} Zyxwv{index:03d}",
            patient_id=f"PID{index:06d}",
        )
    return folder


def manager_push(
    manager: Workspace,
    url: str,
    folder: Path,
    *,
    per_batch: int = 2,
    redundancy: int = 1,
    track: str = TRACK,
    access: ServerAccess | None = None,
) -> list[str]:
    """Import ``folder`` into the manager's profile and push it as batches."""
    items = manager.import_paths([folder])
    plan = PushPlan(
        project=PROJECT,
        track=track,
        schema=load_preset("clinical-ner"),
        items=items,
        gold=[],
        per_batch=per_batch,
        redundancy=redundancy,
    )

    async def go() -> list[str]:
        async with jetstream(access or ServerAccess(url)) as (_client, js):
            return await push(js, manager.profile, plan)

    return run(go())


def join_project(workstation: Workspace, manager: Workspace, url: str, **config: Any) -> None:
    """Give ``workstation`` the project key and a sync configuration for ``url``."""
    set_project_key(workstation.profile, PROJECT, project_key(manager.profile, PROJECT))
    config.setdefault("tracks", (TRACK,))
    save_config(workstation.profile, SyncConfig(server_url=url, **config))
