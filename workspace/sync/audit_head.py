"""The audit chain head a workstation publishes at every sync, and the check against it.

The local audit log proves its own rows are unchanged, but not that it was not rolled back to
an older copy, cut short or rewritten with recomputed hashes by someone who knows the
passphrase. So at every sync the workstation publishes its head (the last row's id and hash)
to the queue and, before publishing, checks that its chain still holds the head it published
last (:meth:`storage.audit.AuditLog.extends`: the chain is intact and the row with that id
exists and has that hash). A profile that does not is reported
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

from storage.audit import AuditHead
from workspace.annotations import now_iso
from workspace.sync import protocol
from workspace.sync.envelope import EnvelopeError, open_sealed, seal
from workspace.sync.queue_setup import lease_replicas
from workspace.sync.signing import derived_key, ensure_signing_key, fingerprint, public_hex

if TYPE_CHECKING:
    from storage.profile import Profile

#: Revisions of the head kept on the server.
HEAD_HISTORY = 64
_PURPOSE = "caliper audit head v1"
_PUBLISH_ATTEMPTS = 5


@dataclass(frozen=True)
class PublishedHead:
    """A head of the chain as this workstation published it to the queue, and when."""

    head: AuditHead
    published_at: str

    def as_json(self) -> dict[str, object]:
        """The published fields (the hash in hex), as sealed on the queue."""
        return {
            "sequence": self.head.seq,
            "hash": self.head.hash.hex(),
            "published_at": self.published_at,
        }


@dataclass(frozen=True)
class HeadCheck:
    """What the queue's head says about the local chain."""

    published: PublishedHead | None  # the head on the queue before this check
    local: AuditHead  # the local chain's head (row 0 when the log is empty)
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
            f"(row {self.published.head.seq}; now {self.local.seq} rows)"
        )


# ---------------------------------------------------------------------- the local chain
def compare(profile: Profile, published: PublishedHead | None) -> HeadCheck:
    """Whether the local chain is intact and holds ``published`` (:meth:`AuditLog.extends`)."""
    audit = profile.audit
    local = audit.head()
    if published is None:
        return HeadCheck(None, local)
    report = audit.extends(published.head)
    if report.ok:
        return HeadCheck(published, local)
    row, when = published.head.seq, published.published_at
    if row > local.seq:
        ends = f"ends at row {local.seq}" if local.seq else "is empty"
        problem = (
            f"Audit log rolled back: it {ends}, but this workstation published row {row} to "
            f"the queue at {when} (an older copy of the profile, or its newest rows deleted)."
        )
    elif report.first_bad_id == row:
        problem = (
            f"Audit log rewritten: row {row} differs from the one this workstation published "
            f"to the queue at {when} (a replaced or rolled-back profile, or a log rewritten "
            "with recomputed hashes)."
        )
    else:
        problem = (
            f"Audit log broken at row {report.first_bad_id}: {report.reason} (checked against "
            f"the head this workstation published to the queue at {when})."
        )
    return HeadCheck(published, local, problem)


# ---------------------------------------------------------------------- the queue's copy
def head_key(profile: Profile) -> str:
    """This profile's key in its audit bucket: its signing key's fingerprint."""
    return fingerprint(public_hex(ensure_signing_key(profile)))


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
    kv: KeyValue, profile: Profile, bucket: str
) -> tuple[PublishedHead | None, int, str]:
    """The head on the queue, its revision (0: none) and a problem reading it ("" if none)."""
    key = head_key(profile)
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
            open_sealed(derived_key(profile, _PURPOSE), entry.value, _context(bucket, key))
        )
        head = PublishedHead(
            AuditHead(int(body["sequence"]), bytes.fromhex(str(body["hash"]))),
            str(body["published_at"]),
        )
    except (EnvelopeError, ValueError, KeyError, TypeError) as exc:
        return None, revision, f"Audit head on the queue cannot be read ({exc})."
    return head, revision, ""


async def check_online(js: JetStreamContext, profile: Profile, user: str) -> HeadCheck:
    """Compare the local chain with the last head published (read only)."""
    bucket = protocol.audit_bucket(user)
    kv = await audit_bucket(js, user, create=False)
    if kv is None:
        return compare(profile, None)
    published, _, problem = await read_published(kv, profile, bucket)
    if problem:
        return HeadCheck(published, profile.audit.head(), problem)
    return compare(profile, published)


async def check_and_publish(js: JetStreamContext, profile: Profile, user: str) -> HeadCheck:
    """Check the local chain against the last published head, then publish the new head.

    On a mismatch nothing is published and the event is recorded in the local audit log.
    """
    bucket = protocol.audit_bucket(user)
    kv = await audit_bucket(js, user, create=True)
    assert kv is not None
    key = head_key(profile)
    for _ in range(_PUBLISH_ATTEMPTS):
        published, revision, problem = await read_published(kv, profile, bucket)
        check = HeadCheck(published, profile.audit.head(), problem) if problem else None
        check = check or compare(profile, published)
        if not check.ok:
            profile.audit.record(
                "sync.audit_head_mismatch",
                bucket,
                {
                    "problem": check.problem,
                    "published": published.as_json() if published else None,
                    "local": {"sequence": check.local.seq, "hash": check.local.hash.hex()},
                },
            )
            return check
        if check.local.seq == 0:
            return check
        body = PublishedHead(check.local, now_iso()).as_json()
        value = seal(
            derived_key(profile, _PURPOSE),
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
    return HeadCheck(None, profile.audit.head(), "Audit head: the queue kept changing it.")
