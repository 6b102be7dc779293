"""Batch leases in the ``leases`` KV bucket: claimed by create, renewed by compare-and-swap.

A lease value is sealed with the project key (it names the holder); its key
``<track>.<batch id>`` is not secret. The manager deletes a lease to reissue a batch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from nats.js.errors import (
    APIError,
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
)
from nats.js.kv import KeyValue

from workspace.sync.envelope import open_sealed, seal
from workspace.sync.protocol import lease_key

#: JetStream's error code for a compare-and-swap that found another revision.
WRONG_LAST_SEQUENCE = 10071


class LeaseLostError(RuntimeError):
    """The lease changed on the server (reissued or taken over) since it was last seen."""


@dataclass(frozen=True)
class Lease:
    """Who holds a batch, until when, for which issue of it."""

    track: str
    batch_id: str
    project: str
    issue: int
    holder: str
    claimed_at: str
    expires_at: str
    revision: int = 0

    @property
    def key(self) -> str:
        """The KV key of this lease."""
        return lease_key(self.track, self.batch_id)

    def expired(self, now: datetime) -> bool:
        """True once ``now`` is past the expiry."""
        return now >= datetime.fromisoformat(self.expires_at)

    def _value(self, project_key: bytes) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k != "revision"}
        return seal(project_key, json.dumps(body).encode(), f"lease:{self.key}")


def _decode(project_key: bytes, key: str, value: bytes, revision: int) -> Lease:
    body = json.loads(open_sealed(project_key, value, f"lease:{key}"))
    return Lease(**body, revision=revision)


async def read_lease(kv: KeyValue, project_key: bytes, track: str, batch_id: str) -> Lease | None:
    """The current lease of a batch, or None when it has none (never claimed or reissued)."""
    key = lease_key(track, batch_id)
    try:
        entry = await kv.get(key)
    except (KeyNotFoundError, KeyDeletedError):
        return None
    if entry.value is None or entry.operation in ("DEL", "PURGE"):
        return None
    return _decode(project_key, key, entry.value, int(entry.revision or 0))


async def claim(kv: KeyValue, project_key: bytes, lease: Lease) -> Lease | None:
    """Take the lease if nobody holds it; the stored lease, or None if someone else won."""
    try:
        revision = await kv.create(lease.key, lease._value(project_key))
    except KeyWrongLastSequenceError:
        return None
    return replace(lease, revision=int(revision))


async def renew(
    kv: KeyValue, project_key: bytes, lease: Lease, now: datetime, days: float
) -> Lease:
    """Extend the lease to ``now + days`` if it is still ours (:class:`LeaseLostError` if not)."""
    renewed = replace(lease, expires_at=(now + timedelta(days=days)).isoformat())
    try:
        revision = await kv.update(lease.key, renewed._value(project_key), last=lease.revision)
    except (KeyWrongLastSequenceError, KeyNotFoundError, KeyDeletedError):
        raise LeaseLostError(f"The lease on batch {lease.batch_id} is no longer ours.") from None
    return replace(renewed, revision=int(revision))


async def release(kv: KeyValue, lease: Lease) -> bool:
    """Delete the lease if it is still the one seen (compare-and-swap); False if it changed."""
    try:
        await kv.delete(lease.key, last=lease.revision)
    except APIError as exc:
        if exc.err_code == WRONG_LAST_SEQUENCE:
            return False
        raise
    return True
