"""Checking out batches: claim a manifest, download its objects, store them, then acknowledge.

Order of durability (so a crash or a network loss at any point resumes, never duplicates):

1. fetch a manifest from ``batches.<track>`` (invisible to others while we hold it),
2. claim its lease (KV create: exactly one workstation wins),
3. record the checkout, manifest included, in the encrypted store,
4. download each object not yet stored, verify it, seal it into the blob store,
5. create the project, items, batch and tasks in one transaction,
6. acknowledge the manifest (or, after a restart, delete it by its stream sequence).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import select

from storage.models import SyncCheckout
from workspace.annotations import now_iso
from workspace.sync import protocol
from workspace.sync.config import SyncConfigError, project_key
from workspace.sync.connection import refusal
from workspace.sync.documents import DocumentError, decode, manifest_files
from workspace.sync.envelope import EnvelopeError, open_sealed
from workspace.sync.leases import Lease, claim, read_lease
from workspace.sync.materialize import materialize_batch
from workspace.sync.payloads import PayloadError, download

if TYPE_CHECKING:
    from storage.profile import Profile

#: Headers a manifest message carries in clear (no PHI: names and ids only).
PROJECT_HEADER = "Caliper-Project"
BATCH_HEADER = "Caliper-Batch"
#: Seconds between "still working" signals to the server during a download.
HEARTBEAT_S = 10.0
#: How long a manifest another workstation holds stays away before we see it again.
BUSY_DELAY_S = 60.0

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware (tests pass their own clock)."""
    return datetime.now(UTC)


def manifest_context(batch_id: str) -> str:
    """The envelope context of a batch manifest."""
    return f"manifest:{batch_id}"


@dataclass
class BatchProgress:
    """Download progress of one batch, for the sync panel and the CLI."""

    batch_id: str
    bytes_total: int
    files_total: int
    bytes_done: int = 0
    files_done: int = 0
    started: float = field(default_factory=time.monotonic)
    state: str = "downloading"

    def seconds_left(self) -> float | None:
        """Estimated time to finish at the rate so far (None before any progress)."""
        elapsed = time.monotonic() - self.started
        if self.bytes_done <= 0 or elapsed <= 0:
            return None
        rate = self.bytes_done / elapsed
        return max(0.0, (self.bytes_total - self.bytes_done) / rate)


ProgressCallback = Callable[[BatchProgress], None]


class Checkout:
    """The workstation side of pulling batches from the queue."""

    def __init__(
        self,
        profile: Profile,
        holder: str,
        *,
        lease_days: float = protocol.DEFAULT_LEASE_DAYS,
        clock: Clock = utc_now,
        progress: ProgressCallback | None = None,
        paused: Callable[[], bool] | None = None,
        on_stored: Callable[[], None] | None = None,
    ) -> None:
        self.profile = profile
        self.holder = holder
        self.lease_days = lease_days
        self.clock = clock
        self.progress = progress or (lambda _p: None)
        self.paused = paused or (lambda: False)
        #: Told each time a batch's tasks and items are stored (the item list refreshes).
        self.on_stored = on_stored or (lambda: None)
        self.messages: list[str] = []

    # ------------------------------------------------------------------ pulling
    async def pull(self, js: JetStreamContext, tracks: list[str], count: int) -> list[str]:
        """Check out up to ``count`` new batches from ``tracks``; returns their ids."""
        done: list[str] = []
        for track in tracks:
            if len(done) >= count:
                break
            subscription = await js.pull_subscribe_bind(
                protocol.BATCH_CONSUMER, stream=protocol.batch_stream(track)
            )
            try:
                while len(done) < count:
                    try:
                        messages = await subscription.fetch(1, timeout=1.0)
                    except TimeoutError:  # nats-py raises its own subclass or the plain one
                        violation = refusal(js)
                        if violation is not None:
                            self.messages.append(
                                f"The queue server refused track {track} to this user "
                                f"({violation}): ask the site to add the track to the user."
                            )
                        break
                    for message in messages:
                        try:
                            batch_id = await self._take(js, track, message)
                        except PayloadError as exc:
                            self.messages.append(f"Batch download stopped: {exc}")
                            continue
                        if batch_id is not None:
                            done.append(batch_id)
            finally:
                await subscription.unsubscribe()
        return done

    async def _take(self, js: JetStreamContext, track: str, message: Msg) -> str | None:
        headers = message.headers or {}
        project, batch_id = headers.get(PROJECT_HEADER, ""), headers.get(BATCH_HEADER, "")
        try:
            key = project_key(self.profile, project)
        except SyncConfigError as exc:
            self.messages.append(str(exc))
            await message.nak(delay=BUSY_DELAY_S)
            return None
        try:
            plain = open_sealed(key, message.data, manifest_context(batch_id))
            manifest = decode("manifest", plain)
            if manifest["batch_id"] != batch_id or manifest["track"] != track:
                raise DocumentError("the manifest does not match its message headers")
        except (EnvelopeError, DocumentError) as exc:
            self.messages.append(f"Rejected batch {batch_id or '?'} on {track}: {exc}")
            await message.term()
            return None

        existing = self._checkout(batch_id)
        if existing is not None and existing.state in ("stored", "acked"):
            if manifest["issue"] > existing.issue:
                # Reissued after our lease was given up; we still hold the data: take it back.
                lease = await self._claim(js, key, manifest)
                if lease is None:
                    await message.nak(delay=BUSY_DELAY_S)
                    return None
                self._reclaimed(batch_id, manifest["issue"], lease)
            await message.ack_sync()  # delivered again after we stored it: just remove it
            self._set_state(batch_id, "acked")
            return None
        if existing is None:
            if self._holds_group(manifest["group"]):
                await message.nak(delay=BUSY_DELAY_S)  # redundancy: another annotator's copy
                return None
            lease = await self._claim(js, key, manifest)
            if lease is None:
                await message.nak(delay=BUSY_DELAY_S)
                return None
            self._record(manifest, lease, message.metadata.sequence.stream)
        await self._download(js, key, batch_id, message)
        await message.ack_sync()
        self._set_state(batch_id, "acked")
        return batch_id

    async def _claim(
        self, js: JetStreamContext, key: bytes, manifest: dict[str, Any]
    ) -> Lease | None:
        kv = await js.key_value(protocol.LEASE_BUCKET)
        now = self.clock()
        wanted = Lease(
            track=manifest["track"],
            batch_id=manifest["batch_id"],
            project=manifest["project"],
            issue=manifest["issue"],
            holder=self.holder,
            claimed_at=now.isoformat(),
            expires_at=(now + timedelta(days=self.lease_days)).isoformat(),
        )
        won = await claim(kv, key, wanted)
        if won is not None:
            return won
        current = await read_lease(kv, key, manifest["track"], manifest["batch_id"])
        if current is not None and current.holder == self.holder:
            return current  # our own claim from before a crash
        return None

    # ------------------------------------------------------------------ resuming
    async def resume(self, js: JetStreamContext) -> list[str]:
        """Finish checkouts a crash or a network loss interrupted; returns their ids."""
        finished: list[str] = []
        for row in self._unfinished():
            key = project_key(self.profile, row.project)
            if row.state == "downloading":
                try:
                    await self._download(js, key, row.batch_id, None)
                except PayloadError as exc:
                    # One damaged batch must not hold back the others or the results.
                    self.messages.append(f"Batch {row.batch_id} is still incomplete: {exc}")
                    continue
            if row.stream_seq is not None:
                try:
                    await js.delete_msg(protocol.batch_stream(row.track), row.stream_seq)
                except NotFoundError:
                    pass  # already acknowledged before the crash
            self._set_state(row.batch_id, "acked")
            finished.append(row.batch_id)
        return finished

    # ------------------------------------------------------------------ downloading
    async def _download(
        self, js: JetStreamContext, key: bytes, batch_id: str, message: Msg | None
    ) -> None:
        row = self._checkout(batch_id)
        assert row is not None
        files = manifest_files(row.manifest)
        blobs = self.profile.blobs
        progress = BatchProgress(batch_id, sum(f.size for f in files), len(files))
        self.progress(progress)
        last_beat = time.monotonic()
        for payload in files:
            while self.paused():
                last_beat = await self._heartbeat(message, last_beat, force=False)
                await asyncio.sleep(0.2)
            if not blobs.contains(payload.digest):
                plaintext = await download(js, protocol.PAYLOAD_BUCKET, key, payload.digest)
                await asyncio.get_running_loop().run_in_executor(
                    None, partial(blobs.put, plaintext, blob_id=payload.digest)
                )
                del plaintext
            progress.bytes_done += payload.size
            progress.files_done += 1
            self._save_progress(batch_id, progress.bytes_done)
            self.progress(progress)
            last_beat = await self._heartbeat(message, last_beat, force=False)
        with self.profile.database.write() as session:
            materialize_batch(session, row.manifest, self.profile.user)
            stored = session.get(SyncCheckout, batch_id)
            assert stored is not None
            stored.state = "stored"
            stored.updated_at = now_iso()
            self.profile.audit.append(session, "sync.checkout", batch_id, {"objects": len(files)})
        progress.state = "stored"
        self.progress(progress)
        self.on_stored()

    @staticmethod
    async def _heartbeat(message: Msg | None, last: float, *, force: bool) -> float:
        now = time.monotonic()
        if message is not None and (force or now - last >= HEARTBEAT_S):
            await message.in_progress()
            return now
        return last

    # ------------------------------------------------------------------ local records
    def _checkout(self, batch_id: str) -> SyncCheckout | None:
        with self.profile.database.read() as session:
            row = session.get(SyncCheckout, batch_id)
            if row is not None:
                session.expunge(row)
            return row

    def _unfinished(self) -> list[SyncCheckout]:
        with self.profile.database.read() as session:
            rows = list(
                session.scalars(
                    select(SyncCheckout).where(SyncCheckout.state.in_(("downloading", "stored")))
                )
            )
            for row in rows:
                session.expunge(row)
            return rows

    def _holds_group(self, group: str) -> bool:
        with self.profile.database.read() as session:
            found = session.scalar(
                select(SyncCheckout.batch_id).where(SyncCheckout.group_id == group).limit(1)
            )
            return found is not None

    def _record(self, manifest: dict[str, Any], lease: Lease, sequence: int) -> None:
        files = manifest_files(manifest)
        with self.profile.database.write() as session:
            session.add(
                SyncCheckout(
                    batch_id=manifest["batch_id"],
                    project=manifest["project"],
                    track=manifest["track"],
                    group_id=manifest["group"],
                    issue=manifest["issue"],
                    stream_seq=sequence,
                    state="downloading",
                    manifest=manifest,
                    lease_revision=lease.revision,
                    lease_expires_at=lease.expires_at,
                    lease_lost=0,
                    bytes_total=sum(f.size for f in files),
                    bytes_done=0,
                    checked_out_at=now_iso(),
                    updated_at=now_iso(),
                )
            )

    def _reclaimed(self, batch_id: str, issue: int, lease: Lease) -> None:
        with self.profile.database.write() as session:
            row = session.get(SyncCheckout, batch_id)
            if row is not None:
                row.issue = issue
                row.lease_revision = lease.revision
                row.lease_expires_at = lease.expires_at
                row.lease_lost = 0
                row.manifest = {**row.manifest, "issue": issue}
                row.updated_at = now_iso()

    def _set_state(self, batch_id: str, state: str) -> None:
        with self.profile.database.write() as session:
            row = session.get(SyncCheckout, batch_id)
            if row is not None:
                row.state = state
                row.updated_at = now_iso()

    def _save_progress(self, batch_id: str, done: int) -> None:
        with self.profile.database.write() as session:
            row = session.get(SyncCheckout, batch_id)
            if row is not None:
                row.bytes_done = done
