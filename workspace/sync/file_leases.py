"""The lease a batch file holds, so no workstation checks the batch out while it is away.

A batch exported to a file is leased to a holder named by the file,
``file:<file name>@<file id>`` (the shape of a workstation's ``user@workstation``). For a
batch on the queue server the lease is the server's KV lease and the manifest leaves the
work queue; for a batch made for files only (``batch create``) the lease is kept in the
manager's profile. The results file names the holder it came from; importing it releases
the lease once every task is back, and a result whose lease is held by someone else is
flagged, as collect flags results from the network.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from workspace.settings import read_setting, write_setting
from workspace.sync import protocol
from workspace.sync.batch_file import BatchFileError
from workspace.sync.config import project_key
from workspace.sync.leases import Lease, claim, read_lease, release
from workspace.sync.queue_reissue import _drop_queued_copies

if TYPE_CHECKING:
    from storage.profile import Profile

#: How long a file's lease lasts: a file travels slower than a network checkout.
FILE_LEASE_DAYS = 30.0
#: Manager setting: batch id -> {"holder", "expires_at"} of batches made for files only.
FILE_BATCHES_KEY = "sync.file_batches"
FILE_PREFIX = "file:"


def file_holder(out: Path) -> str:
    """A new holder for a file: ``file:<name>@<id>`` (unique even if the name repeats)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", out.name)[:64] or "batch"
    return f"{FILE_PREFIX}{name}@{uuid.uuid4().hex[:12]}"


def file_lease(holder: str, now: datetime, days: float) -> dict[str, str]:
    """What a batch file says of its lease: its holder and until when."""
    return {"holder": holder, "expires_at": (now + timedelta(days=days)).isoformat()}


def lease_flag(holder: str | None, annotator: str, source: str | None) -> str:
    """Why a result's lease is not its own ("" when it is, or when nobody holds one).

    ``source`` is the file holder a results file came from (None for a network checkout,
    whose lease is ``annotator@workstation``).
    """
    if not holder:
        return ""
    own = holder == source if source else holder.split("@", 1)[0] == annotator
    return "" if own else f"the lease is held by {holder}"


# ---------------------------------------------------------------------- files only
def file_only_batches(profile: Profile) -> dict[str, dict[str, str]]:
    """Batches this manager made for files only, with their file lease ("" holder: none)."""
    return dict(read_setting(profile.database, FILE_BATCHES_KEY, {}) or {})


def set_file_only_lease(profile: Profile, batch_id: str, lease: dict[str, str]) -> None:
    """Record the file lease of a files-only batch (an empty holder releases it)."""
    batches = file_only_batches(profile)
    batches[batch_id] = lease
    write_setting(profile.database, FILE_BATCHES_KEY, batches)


# ---------------------------------------------------------------------- on the server
async def take_lease(
    js: JetStreamContext,
    profile: Profile,
    manifest: dict[str, Any],
    lease: dict[str, str],
    now: datetime,
) -> tuple[KeyValue, Lease]:
    """Claim the server lease of a pushed batch for a file; refused while anyone holds it."""
    project, track, batch_id = manifest["project"], manifest["track"], manifest["batch_id"]
    key = project_key(profile, project)
    kv = await js.key_value(protocol.LEASE_BUCKET)
    current = await read_lease(kv, key, track, batch_id)
    if current is None:
        wanted = Lease(
            track=track,
            batch_id=batch_id,
            project=project,
            issue=int(manifest["issue"]),
            holder=lease["holder"],
            claimed_at=now.isoformat(),
            expires_at=lease["expires_at"],
        )
        won = await claim(kv, key, wanted)
        if won is not None:
            return kv, won
        current = await read_lease(kv, key, track, batch_id)
    holder = current.holder if current else "a workstation"
    until = f" until {current.expires_at}" if current else ""
    raise BatchFileError(
        f"Batch {batch_id} is leased to {holder}{until}, so it cannot go to a file; "
        f"`caliper queue reissue {batch_id} --force` takes it back first."
    )


async def withdraw(js: JetStreamContext, track: str, batch_id: str) -> None:
    """Remove the batch's manifest from the work queue (a file has it now)."""
    await _drop_queued_copies(js, track, batch_id)


async def give_back(js: JetStreamContext, kv: KeyValue, lease: Lease) -> bool:
    """Release a file's lease (the queued manifest stays withdrawn); False if it changed."""
    await withdraw(js, lease.track, lease.batch_id)
    return await release(kv, lease)
