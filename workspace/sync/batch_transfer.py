"""Batch files end to end: export (the file takes the batch's lease), import, create.

The CLI and the File menu run these. ``connect`` opens the queue server only when a batch
pushed there is exported or its results come back; batches made for files only
(``caliper batch create``) never need a server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nats.js import JetStreamContext

from storage.models import QueueBatch
from workspace.settings import get_setting, set_setting
from workspace.sync import protocol
from workspace.sync.batch_file import (
    BatchFileError,
    ImportedFile,
    all_tasks_returned,
    batch_index,
    checked_results,
    import_batch,
    read_batch_file,
    record_results,
    results_index,
    write_batch_file,
)
from workspace.sync.batching import PushPlan, build_manifests, record_batch
from workspace.sync.checkout import Clock, utc_now
from workspace.sync.config import SyncConfig, ensure_project_key, project_key
from workspace.sync.file_leases import (
    FILE_BATCHES_KEY,
    FILE_LEASE_DAYS,
    file_holder,
    file_lease,
    file_only_batches,
    give_back,
    lease_flag,
    set_file_only_lease,
    take_lease,
    withdraw,
)
from workspace.sync.leases import read_lease, release

if TYPE_CHECKING:
    from storage.profile import Profile

Connector = Callable[[], AbstractAsyncContextManager[JetStreamContext]]


def server_connector(config: SyncConfig) -> Connector:
    """Open the queue server of ``config`` when called (a clear error if none is set)."""
    from workspace.sync.connection import jetstream
    from workspace.sync.session import server_access

    @asynccontextmanager
    async def connect() -> AsyncIterator[JetStreamContext]:
        async with jetstream(server_access(config)) as (_client, js):
            yield js

    return connect


@dataclass(frozen=True)
class CreatedFile:
    """One batch file ``batch create`` wrote."""

    batch_id: str
    path: Path
    tasks: int
    holder: str


# ---------------------------------------------------------------------- export
async def export_file(
    profile: Profile,
    batch_id: str,
    out: Path,
    connect: Connector,
    *,
    days: float = FILE_LEASE_DAYS,
    clock: Clock = utc_now,
) -> ImportedFile:
    """Write a batch (manager: the file takes its lease) or its results (workstation)."""
    with profile.database.read() as session:
        row = session.get(QueueBatch, batch_id)
        manifest = dict(row.manifest) if row is not None else None
    if manifest is None:
        project, index = results_index(profile, batch_id)
        objects = write_batch_file(profile, out, project, batch_id, index)
        profile.audit.record("batch.file.export", batch_id, {"kind": "results", "objects": objects})
        return ImportedFile("results", batch_id, len(index["results"]))
    lease = file_lease(file_holder(out), clock(), days)
    project, index = batch_index(profile, batch_id, lease)
    if batch_id in file_only_batches(profile):
        objects = write_batch_file(profile, out, project, batch_id, index)
        set_file_only_lease(profile, batch_id, lease)
    else:
        async with connect() as js:
            kv, taken = await take_lease(js, profile, manifest, lease, clock())
            try:
                objects = write_batch_file(profile, out, project, batch_id, index)
            except BaseException:
                await release(kv, taken)
                raise
            await withdraw(js, manifest["track"], batch_id)
    profile.audit.record(
        "batch.file.export",
        batch_id,
        {"kind": "batch", "objects": objects, "holder": lease["holder"]},
    )
    return ImportedFile("batch", batch_id, len(manifest["tasks"]), holder=lease["holder"])


# ---------------------------------------------------------------------- import
def _flagger(issue: int, holder: str | None, source: str | None) -> Callable[[dict[str, Any]], str]:
    """Why a result from a file needs a second look, as collect says it for the network."""

    def flag(document: dict[str, Any]) -> str:
        reasons = []
        if document["late"]:
            reasons.append("submitted after its lease expired")
        if document["issue"] < issue:
            reasons.append(f"for issue {document['issue']}, the batch was reissued (issue {issue})")
        held = lease_flag(holder, document["annotator"], source)
        if held:
            reasons.append(held)
        return "; ".join(reasons)

    return flag


async def import_file(profile: Profile, path: Path, connect: Connector) -> ImportedFile:
    """Import a batch to annotate (workstation) or results (manager); all or nothing."""
    batch_file = read_batch_file(profile, path)
    if batch_file.kind == "batch":
        return import_batch(profile, batch_file)
    results = checked_results(profile, batch_file)
    batch_id = batch_file.batch_id
    source = batch_file.index.get("source")
    source = source if isinstance(source, str) and source else None
    with profile.database.read() as session:
        row = session.get(QueueBatch, batch_id)
        if row is None or row.project != batch_file.project:
            raise BatchFileError(f"Batch {batch_id} was not made in this profile.")
        track, issue = row.track, int(row.issue)
    only = file_only_batches(profile)
    if batch_id in only:
        holder = only[batch_id].get("holder") or None
        added, flagged = record_results(
            profile, batch_file, results, _flagger(issue, holder, source)
        )
        released = holder is not None and holder == source
        if released and all_tasks_returned(profile, batch_id):
            set_file_only_lease(profile, batch_id, {"holder": "", "expires_at": ""})
        else:
            released = False
        return ImportedFile("results", batch_id, added, flagged=flagged, released=released)
    async with connect() as js:
        kv = await js.key_value(protocol.LEASE_BUCKET)
        key = project_key(profile, batch_file.project)
        lease = await read_lease(kv, key, track, batch_id)
        holder = lease.holder if lease else None
        added, flagged = record_results(
            profile, batch_file, results, _flagger(issue, holder, source)
        )
        released = (
            lease is not None
            and holder == source
            and all_tasks_returned(profile, batch_id)
            and await give_back(js, kv, lease)
        )
    return ImportedFile("results", batch_id, added, flagged=flagged, released=released)


# ---------------------------------------------------------------------- create
def _paths(out: Path, count: int) -> list[Path]:
    if count == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{n:03d}{out.suffix}") for n in range(1, count + 1)]


def create_files(
    profile: Profile,
    plan: PushPlan,
    out: Path,
    *,
    days: float = FILE_LEASE_DAYS,
    clock: Clock = utc_now,
    overwrite: bool = False,
) -> list[CreatedFile]:
    """Cut ``plan`` into batches and write each to a batch file; no server involved.

    One batch is written to ``out``; several to ``<stem>-001<suffix>``, ``-002``… beside it.
    """
    ensure_project_key(profile, plan.project)
    manifests = build_manifests(profile, plan)
    paths = _paths(out, len(manifests))
    taken = [p for p in paths if p.exists()]
    if taken and not overwrite:
        raise BatchFileError(f"{taken[0]} exists (use --force to overwrite); nothing was made.")
    created = []
    for (manifest, gold), path in zip(manifests, paths, strict=True):
        batch_id = manifest["batch_id"]
        lease = file_lease(file_holder(path), clock(), days)
        with profile.database.write() as session:
            record_batch(profile, session, manifest, gold, action="batch.file.create")
            batches = dict(get_setting(session, FILE_BATCHES_KEY, {}) or {})
            batches[batch_id] = lease
            set_setting(session, FILE_BATCHES_KEY, batches)
        project, index = batch_index(profile, batch_id, lease)
        write_batch_file(profile, path, project, batch_id, index)
        created.append(CreatedFile(batch_id, path, len(manifest["tasks"]), lease["holder"]))
    return created
