"""The manager collects results: each counted once, then written out in open formats.

A result is first recorded in the manager's store (its UUID is the primary key, so a message
delivered twice counts once) and only then acknowledged; writing the files is a second step
that marks each result exported, so a crash at any point neither loses nor doubles one.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.kv import KeyValue
from sqlalchemy import select

from storage.fileio import atomic_file, owner_only_files
from storage.models import Item, QueueBatch, QueueResult
from workspace import item_schemas
from workspace.annotations import Annotation, now_iso
from workspace.export.base import ExportInput
from workspace.export.labelmap_files import ExportError, write_labelmap
from workspace.export.registry import exporter, result_files
from workspace.item_payloads import StoredPayloads
from workspace.items import ItemSummary, get_item
from workspace.modalities import modality
from workspace.schema import LabelSchema, parse_schema
from workspace.segmentation.snapshots import unpack_labels
from workspace.sync import protocol, safe_names
from workspace.sync.config import project_key
from workspace.sync.connection import raise_if_refused
from workspace.sync.documents import DocumentError, decode, task_schema_documents
from workspace.sync.envelope import EnvelopeError, open_sealed
from workspace.sync.leases import read_lease
from workspace.sync.outbox import RESULT_ID_HEADER, result_context
from workspace.sync.payloads import PayloadError, download
from workspace.sync.safe_names import UnsafeNameError
from workspace.sync.signers import SignerDirectory
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment

if TYPE_CHECKING:
    from storage.profile import Profile

#: Results fetched per request while collecting.
FETCH_BATCH = 64


@dataclass
class CollectReport:
    """What one collect run did."""

    received: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)
    exported: list[Path] = field(default_factory=list)
    flagged: int = 0
    refused: int = 0
    #: Results written but not verified (their annotator has no enrolled key), one line each.
    unverified: list[str] = field(default_factory=list)


async def receive(js: JetStreamContext, profile: Profile, project: str) -> CollectReport:
    """Record every result waiting on ``results.<project>`` (each exactly once)."""
    report = CollectReport()
    key = project_key(profile, project)
    subscription = await js.pull_subscribe_bind(
        protocol.RESULT_CONSUMER, stream=protocol.result_stream(project)
    )
    context = _FlagContext(
        await js.key_value(protocol.LEASE_BUCKET),
        SignerDirectory(js, profile, project, key),
    )
    try:
        while True:
            try:
                messages = await subscription.fetch(FETCH_BATCH, timeout=1.0)
            except TimeoutError:  # nats-py raises its own subclass or the plain one
                raise_if_refused(js, f"reading the results of project {project}")
                break
            for message in messages:
                await _receive_one(js, profile, project, key, message, report, context)
            if len(messages) < FETCH_BATCH:
                break  # drained: no need to wait out another fetch's timeout
    finally:
        await subscription.unsubscribe()
    return report


async def _receive_one(
    js: JetStreamContext,
    profile: Profile,
    project: str,
    key: bytes,
    message: Msg,
    report: CollectReport,
    context: _FlagContext,
) -> None:
    result_id = (message.headers or {}).get(RESULT_ID_HEADER, "")
    try:
        document = decode("result", open_sealed(key, message.data, result_context(result_id)))
        if document["result_id"] != result_id or document["project"] != project:
            raise DocumentError("the result does not match its message headers")
    except (EnvelopeError, DocumentError) as exc:
        report.rejected.append(f"result {result_id or '?'}: {exc}")
        report.refused += 1
        await message.term()
        return
    with profile.database.read() as session:
        seen = session.get(QueueResult, result_id) is not None
    if seen:
        report.duplicates += 1
        await message.ack_sync()
        return
    signature = await context.signers.check(document)
    if signature.status == "refused":
        report.rejected.append(f"result {result_id} by {document['annotator']}: {signature.detail}")
        profile.audit.record("queue.refuse", result_id, signature.as_json())
        report.refused += 1
        await message.term()
        return
    document = {**document, "signature_check": signature.as_json()}
    labelmap = document["labelmap"]
    if labelmap is not None and not profile.blobs.contains(labelmap["digest"]):
        try:
            data = await download(js, labelmap["bucket"], key, labelmap["digest"])
        except PayloadError as exc:
            report.rejected.append(f"result {result_id}: {exc}")
            await message.nak(delay=30)
            return
        profile.blobs.put(data, sha256=labelmap["digest"])
    flag = await _flag(profile, key, document, context)
    with profile.database.write() as session:
        session.merge(
            QueueResult(
                result_id=result_id,
                project=project,
                batch_id=document["batch_id"],
                task_id=document["task_id"],
                annotator=document["annotator"],
                received_at=now_iso(),
                flag=flag,
                document=document,
                exported_at=None,
            )
        )
        profile.audit.append(
            session, "queue.collect", result_id, {"batch": document["batch_id"], "flag": flag}
        )
    await message.ack_sync()
    report.received += 1
    report.flagged += bool(flag)
    if signature.status == "unverified":
        report.unverified.append(
            f"result {result_id} by {document['annotator']}: {signature.detail}"
        )


@dataclass
class _FlagContext:
    """What flagging needs across one receive run: leases, enrolled keys, batches seen."""

    leases: KeyValue
    signers: SignerDirectory
    batches: dict[str, tuple[str, int] | None] = field(default_factory=dict)

    def batch(self, profile: Profile, batch_id: str) -> tuple[str, int] | None:
        """(track, current issue) of a pushed batch, None if this manager never pushed it."""
        if batch_id not in self.batches:
            with profile.database.read() as session:
                row = session.execute(
                    select(QueueBatch.track, QueueBatch.issue).where(
                        QueueBatch.batch_id == batch_id
                    )
                ).first()
            self.batches[batch_id] = (row[0], row[1]) if row else None
        return self.batches[batch_id]


async def _flag(
    profile: Profile, key: bytes, document: dict[str, Any], context: _FlagContext
) -> str:
    """Why a result needs a second look ("" when it does not): late, or for a reissued batch."""
    reasons = []
    if document["late"]:
        reasons.append("submitted after its lease expired")
    known = context.batch(profile, document["batch_id"])
    if known is None:
        reasons.append("batch unknown to this manager")
    else:
        track, issue = known
        if document["issue"] < issue:
            reasons.append(f"for issue {document['issue']}, the batch was reissued (issue {issue})")
        lease = await read_lease(context.leases, key, track, document["batch_id"])
        holder = lease.holder.split("@", 1)[0] if lease else None
        if lease is not None and holder != document["annotator"]:
            reasons.append(f"the lease is held by {lease.holder}")
    return "; ".join(reasons)


# ---------------------------------------------------------------------- writing out
def _item_by_digest(profile: Profile, digest: str) -> ItemSummary | None:
    with profile.database.read() as session:
        row = session.scalars(select(Item.id).where(Item.content_digest == digest)).first()
        return get_item(session, row) if row else None


def _labelmap(profile: Profile, entry: dict[str, Any]) -> LabelMap:
    geometry = VolumeGeometry.from_json(entry["geometry"])
    try:
        labels = unpack_labels(profile.blobs.get(entry["digest"]), entry["dtype"], geometry)
    except (ValueError, zlib.error) as exc:
        raise ExportError(f"the label map does not fit its geometry ({exc})") from None
    return LabelMap(labels, geometry, [Segment(**s) for s in entry["segments"]])


def _annotations(document: dict[str, Any], item_id: str) -> list[Annotation]:
    return [
        Annotation(
            item_id=item_id,
            kind=a["kind"],
            label=a["label"],
            data=a["data"],
            author=a["author"],
            id=a["id"],
            updated_at=a["updated_at"],
        )
        for a in document["annotations"]
    ]


def _task_schema(manifest: dict[str, Any], task_id: str) -> LabelSchema | None:
    """The schema task ``task_id`` was sent with (None if the manifest has no such task)."""
    if not any(task["task_id"] == task_id for task in manifest.get("tasks", [])):
        return None
    document = task_schema_documents(manifest)[task_id]
    return parse_schema(document, f"batch {manifest['batch_id']}")


def revision_of(document: dict[str, Any]) -> int:
    """Which submission of its task a result is (1 for results that do not say), checked."""
    return safe_names.revision_component(document.get("revision", 1))


def result_folder(out_dir: Path, row: QueueResult) -> Path:
    """Where one result's files go: ``<batch>/<task>/<annotator>-<result id>`` for revision 1,
    ``<batch>/<task>/<annotator>-r<N>-<result id>`` for revision N (checked by safe_names)."""
    return safe_names.result_folder(
        out_dir,
        row.batch_id,
        row.task_id,
        row.annotator,
        row.result_id,
        row.document.get("revision", 1),
    )


def write_newest(profile: Profile, out_dir: Path, batch_id: str, task_id: str) -> Path:
    """``<batch>/<task>/newest.json``: each annotator's newest revision of the task (its
    folder, revision and result id), from every result of the task this manager holds that
    can be written (a result refused by :mod:`safe_names` is never named)."""
    with profile.database.read() as session:
        rows = list(
            session.scalars(
                select(QueueResult).where(
                    QueueResult.batch_id == batch_id, QueueResult.task_id == task_id
                )
            )
        )
        newest: dict[str, dict[str, Any]] = {}
        for row in rows:
            try:
                folder = result_folder(out_dir, row).name
            except UnsafeNameError:
                continue
            revision = revision_of(row.document)
            key = (revision, str(row.document.get("submitted_at", "")), row.result_id)
            best = newest.get(row.annotator)
            if best is None or key > best["key"]:
                newest[row.annotator] = {
                    "key": key,
                    "revision": revision,
                    "result_id": row.result_id,
                    "folder": folder,
                }
    marks = {
        annotator: {k: v for k, v in entry.items() if k != "key"}
        for annotator, entry in sorted(newest.items())
    }
    path = safe_names.task_folder(out_dir, batch_id, task_id) / "newest.json"
    with atomic_file(path, "newest.json") as handle:
        handle.write(json.dumps(marks, indent=2, sort_keys=True).encode())
    return path


def export_result(profile: Profile, row: QueueResult, out_dir: Path) -> list[Path]:
    """Write one result: ``result.json`` always, plus its modality's ``collect_format``."""
    folder = result_folder(out_dir, row)
    folder.mkdir(parents=True, exist_ok=True)
    document = row.document
    with profile.database.read() as session:
        batch = session.get(QueueBatch, row.batch_id)
        gold = bool(batch and row.task_id in batch.gold_task_ids)
        task_schema = _task_schema(batch.manifest, row.task_id) if batch else None
    summary = {**document, "flag": row.flag, "gold": gold, "received_at": row.received_at}
    summary["revision"] = revision_of(document)
    written = [folder / "result.json"]
    with atomic_file(written[0], "result.json") as handle:
        handle.write(json.dumps(summary, indent=2, sort_keys=True).encode())
    item = _item_by_digest(profile, document["item_digest"])
    if item is None:
        return written
    if document["labelmap"] is not None:
        written += write_labelmap(
            _labelmap(profile, document["labelmap"]), folder / "labels.nii.gz"
        )
    fmt = modality(item.modality).collect_format  # a label map is written above, as NIfTI
    open_formats = result_files()  # the formats written from a result's annotations alone
    if fmt in open_formats and document["annotations"]:
        annotations = _annotations(document, item.id)
        out = folder / open_formats[fmt]
        if task_schema is None:
            with profile.database.read() as session:
                task_schema = item_schemas.schema_for(session, item)
        source = ExportInput(item, annotations, task_schema, StoredPayloads(profile))
        written += exporter(fmt).write(source, out)
    return written


def _write_result(profile: Profile, row: QueueResult, out_dir: Path, report: CollectReport) -> bool:
    """Write one result and its task's ``newest.json``; False if its names are refused."""
    try:
        report.exported += export_result(profile, row, out_dir)
    except UnsafeNameError as exc:
        report.rejected.append(f"result {row.result_id!r} refused, nothing written: {exc}")
        report.refused += 1
        return False
    except ExportError as exc:
        report.rejected.append(f"result {row.result_id}: written as JSON only ({exc})")
    write_newest(profile, out_dir, row.batch_id, row.task_id)
    return True


def write_out(profile: Profile, project: str, out_dir: Path, report: CollectReport) -> None:
    """Write every recorded, not yet exported result of ``project`` under ``out_dir``."""
    with profile.database.read() as session:
        rows = list(
            session.scalars(
                select(QueueResult)
                .where(QueueResult.project == project, QueueResult.exported_at.is_(None))
                .order_by(QueueResult.received_at, QueueResult.result_id)
            )
        )
        for row in rows:
            session.expunge(row)
    for row in rows:
        with owner_only_files():  # 0600 files (0700 folders), or stricter under the umask
            if not _write_result(profile, row, out_dir, report):
                continue
        with profile.database.write() as session:
            stored = session.get(QueueResult, row.result_id)
            assert stored is not None
            stored.exported_at = now_iso()


async def collect(
    js: JetStreamContext, profile: Profile, project: str, out_dir: Path
) -> CollectReport:
    """Receive new results of ``project`` and write every unexported one under ``out_dir``."""
    report = await receive(js, profile, project)
    write_out(profile, project, out_dir, report)
    return report
