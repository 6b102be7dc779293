"""The audit chain head a workstation publishes at every sync, and the check against it.

The local audit log proves its own rows are unchanged, but not that it was not rolled back to
an older copy, cut short or rewritten with recomputed hashes by someone who knows the
passphrase. So at every sync the workstation publishes its head (the last row's id and hash)
to the queue and, before publishing, checks that its chain still holds the head it published
last: the row with that id exists and has that hash. A profile that does not is reported
(the sync says so, the event is recorded in the local log) and the head on the queue is left
as it was, so every later sync and ``caliper audit verify --server`` report it too.

Heads live in the KV bucket ``audit-<user>`` (one per queue user), key = the fingerprint of
the profile's signing key, sealed with a key derived from the signing key (only this profile
reads them back). The workstation creates the bucket without rollups, deletes or purges and
with 64 revisions of history: its account can add heads but not erase the ones it published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import (
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from nats.js.kv import KeyValue
from sqlalchemy import select

from storage.models import AuditEntry
from workspace.annotations import now_iso
from workspace.sync import protocol
from workspace.sync.envelope import EnvelopeError, open_sealed, seal
from workspace.sync.queue_setup import lease_replicas
from workspace.sync.signing import derived_key, ensure_signing_key, fingerprint, public_hex

if TYPE_CHECKING:
    from workspace.workspace import Workspace

#: Revisions of the head kept on the server.
HEAD_HISTORY = 64
_PURPOSE = "caliper audit head v1"
_PUBLISH_ATTEMPTS = 5


@dataclass(frozen=True)
class AuditHead:
    """The last row of an audit chain: its id (sequence) and hash (hex)."""

    sequence: int
    hash: str
    published_at: str = ""


@dataclass(frozen=True)
class HeadCheck:
    """What the queue's head says about the local chain."""

    published: AuditHead | None  # the head on the queue before this check
    local: AuditHead | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when the local chain extends the published head (or none was published)."""
        return not self.problem

    def describe(self) -> str:
        """One line for the user."""
        if self.problem:
            return self.problem
        if self.published is None:
            return "no audit head was published from this profile yet"
        return (
            f"the chain extends the head published {self.published.published_at} "
            f"(row {self.published.sequence}; now {self.local.sequence if self.local else 0} rows)"
        )


# ---------------------------------------------------------------------- the local chain
def local_head(workspace: Workspace) -> AuditHead | None:
    """The last row of the local audit log (None when it is empty)."""
    with workspace.profile.database.read() as session:
        row = session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).first()
    return AuditHead(int(row[0]), bytes(row[1]).hex()) if row else None


def local_hash_at(workspace: Workspace, sequence: int) -> str | None:
    """The hash (hex) of local audit row ``sequence``, None when there is no such row."""
    with workspace.profile.database.read() as session:
        value = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == sequence))
    return bytes(value).hex() if value is not None else None


def compare(workspace: Workspace, published: AuditHead | None) -> HeadCheck:
    """Whether the local chain holds ``published`` (the row exists with that hash)."""
    local = local_head(workspace)
    if published is None:
        return HeadCheck(None, local)
    found = local_hash_at(workspace, published.sequence)
    when = published.published_at
    if found is None:
        ends = f"ends at row {local.sequence}" if local else "is empty"
        return HeadCheck(
            published,
            local,
            f"Audit log rolled back: it {ends}, but this workstation published row "
            f"{published.sequence} to the queue at {when} (an older copy of the profile, or "
            "its newest rows deleted).",
        )
    if found != published.hash:
        return HeadCheck(
            published,
            local,
            f"Audit log rewritten: row {published.sequence} differs from the one this "
            f"workstation published to the queue at {when} (a replaced or rolled-back "
            "profile, or a log rewritten with recomputed hashes).",
        )
    return HeadCheck(published, local)


# ---------------------------------------------------------------------- the queue's copy
def head_key(workspace: Workspace) -> str:
    """This profile's key in its audit bucket: its signing key's fingerprint."""
    return fingerprint(public_hex(ensure_signing_key(workspace)))


def _context(bucket: str, key: str) -> str:
    return f"audit-head:{bucket}.{key}"


async def audit_bucket(js: JetStreamContext, user: str, *, create: bool) -> KeyValue | None:
    """The audit-head bucket of queue user ``user`` (made append-only when ``create``)."""
    bucket = protocol.audit_bucket(user)
    try:
        return await js.key_value(bucket)
    except NotFoundError:
        if not create:
            return None
    await js.add_stream(
        StreamConfig(
            name=f"KV_{bucket}",
            subjects=[f"$KV.{bucket}.>"],
            max_msgs_per_subject=HEAD_HISTORY,
            discard=DiscardPolicy.NEW,
            storage=StorageType.FILE,
            allow_direct=True,
            allow_rollup_hdrs=False,
            deny_delete=True,
            deny_purge=True,
            duplicate_window=120.0,
            num_replicas=await lease_replicas(js),
        )
    )
    return await js.key_value(bucket)


async def read_published(
    kv: KeyValue, workspace: Workspace, bucket: str
) -> tuple[AuditHead | None, int, str]:
    """The head on the queue, its revision (0: none) and a problem reading it ("" if none)."""
    key = head_key(workspace)
    deleted = "Audit head deleted: the head this workstation published was removed from the queue."
    try:
        entry = await kv.get(key)
    except (KeyNotFoundError, KeyDeletedError) as exc:
        marker = getattr(exc, "entry", None)  # nats-py keeps a delete marker here
        if marker is None:
            return None, 0, ""
        return None, int(marker.revision or 0), deleted
    revision = int(entry.revision or 0)
    if entry.value is None or entry.operation in ("DEL", "PURGE"):
        return None, revision, deleted
    try:
        body = json.loads(
            open_sealed(derived_key(workspace, _PURPOSE), entry.value, _context(bucket, key))
        )
        head = AuditHead(int(body["sequence"]), str(body["hash"]), str(body["published_at"]))
    except (EnvelopeError, ValueError, KeyError, TypeError) as exc:
        return None, revision, f"Audit head on the queue cannot be read ({exc})."
    return head, revision, ""


async def check_online(js: JetStreamContext, workspace: Workspace, user: str) -> HeadCheck:
    """Compare the local chain with the last head published (read only)."""
    bucket = protocol.audit_bucket(user)
    kv = await audit_bucket(js, user, create=False)
    if kv is None:
        return compare(workspace, None)
    published, _, problem = await read_published(kv, workspace, bucket)
    if problem:
        return HeadCheck(published, local_head(workspace), problem)
    return compare(workspace, published)


async def check_and_publish(js: JetStreamContext, workspace: Workspace, user: str) -> HeadCheck:
    """Check the local chain against the last published head, then publish the new head.

    On a mismatch nothing is published and the event is recorded in the local audit log.
    """
    bucket = protocol.audit_bucket(user)
    kv = await audit_bucket(js, user, create=True)
    assert kv is not None
    key = head_key(workspace)
    for _ in range(_PUBLISH_ATTEMPTS):
        published, revision, problem = await read_published(kv, workspace, bucket)
        check = HeadCheck(published, local_head(workspace), problem) if problem else None
        check = check or compare(workspace, published)
        if not check.ok:
            workspace.profile.audit.record(
                "sync.audit_head_mismatch",
                bucket,
                {
                    "problem": check.problem,
                    "published": published.__dict__ if published else None,
                    "local": check.local.__dict__ if check.local else None,
                },
            )
            return check
        head = check.local
        if head is None:
            return check
        body = {"sequence": head.sequence, "hash": head.hash, "published_at": now_iso()}
        value = seal(
            derived_key(workspace, _PURPOSE),
            json.dumps(body, sort_keys=True).encode(),
            _context(bucket, key),
        )
        try:
            if revision:
                await kv.update(key, value, last=revision)
            else:
                await kv.create(key, value)
        except KeyWrongLastSequenceError:
            continue  # another sync of this profile published meanwhile: check again
        return check
    return HeadCheck(None, local_head(workspace), "Audit head: the queue kept changing it.")
