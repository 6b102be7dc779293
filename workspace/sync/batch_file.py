"""Batch files: the queue's manifests, objects and results carried on a disk instead.

A site with no network path to the queue moves work as files. The manager exports a pushed
batch (its manifest and every object); the workstation imports it, annotates, and exports
the batch's results; the manager imports those. Layout::

    b"CALIPERB" | format (1 byte) | len + project | len + batch id      (clear: names only)
    record*                                                             (sealed, in order)

Each record is a length-prefixed project-key envelope whose context binds the batch, the
record's index and its kind, so records cannot be altered, reordered, dropped or spliced
from another file. Record 0 is the JSON index (what follows), the last is an end marker with
the record count: a truncated file is refused.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import select

from storage.fileio import atomic_file
from storage.models import QueueBatch, QueueResult, SyncCheckout, SyncOutboxEntry
from workspace.annotations import now_iso
from workspace.sync.config import project_key
from workspace.sync.documents import DocumentError, decode, encode, manifest_files
from workspace.sync.envelope import EnvelopeError, open_sealed, seal
from workspace.sync.materialize import materialize_batch
from workspace.sync.protocol import check_name
from workspace.sync.signers import check_signature, remembered
from workspace.sync.signing import sign_result

if TYPE_CHECKING:
    from workspace.workspace import Workspace

MAGIC = b"CALIPERB"
FORMAT = 1
_LENGTH = struct.Struct(">Q")
_MAX_RECORD = 8 * 1024**3


class BatchFileError(ValueError):
    """A batch file that cannot be used (damaged, truncated, wrong key); one clear message."""


@dataclass(frozen=True)
class ImportedFile:
    """What importing a batch file did."""

    kind: str  # "batch" | "results"
    batch_id: str
    count: int


# ---------------------------------------------------------------------- writing
class _Writer:
    def __init__(self, handle: IO[bytes], key: bytes, batch_id: str) -> None:
        self.handle, self.key, self.batch_id, self.index = handle, key, batch_id, 0

    def record(self, kind: str, data: bytes) -> None:
        sealed = seal(self.key, data, f"batchfile:{self.batch_id}:{self.index}:{kind}")
        self.handle.write(_LENGTH.pack(len(sealed)))
        self.handle.write(sealed)
        self.index += 1


def _header(project: str, batch_id: str) -> bytes:
    p, b = project.encode(), batch_id.encode()
    return MAGIC + bytes([FORMAT]) + bytes([len(p)]) + p + bytes([len(b)]) + b


def _write(
    workspace: Workspace, out: Path, project: str, batch_id: str, index: dict[str, Any]
) -> int:
    key = project_key(workspace, project)
    with atomic_file(out, out.name) as handle:
        handle.write(_header(project, batch_id))
        writer = _Writer(handle, key, batch_id)
        writer.record("index", json.dumps(index, sort_keys=True).encode())
        for digest in index["objects"]:
            writer.record("object", bytes(workspace.profile.blobs.get(digest)))
        writer.record("end", json.dumps({"records": writer.index + 1}).encode())
    return len(index["objects"])


def export_batch(workspace: Workspace, batch_id: str, out: Path) -> ImportedFile:
    """Write a batch file: a pushed batch (manager) or a checked-out batch's results."""
    with workspace.profile.database.read() as session:
        pushed = session.get(QueueBatch, batch_id)
        checkout = session.get(SyncCheckout, batch_id)
        if pushed is not None:
            manifest = dict(pushed.manifest)
            objects = [f.digest for f in manifest_files(manifest)]
            index: dict[str, Any] = {"kind": "batch", "manifest": manifest, "objects": objects}
            project = pushed.project
        elif checkout is not None:
            entries = list(
                session.scalars(
                    select(SyncOutboxEntry)
                    .where(SyncOutboxEntry.batch_id == batch_id)
                    .order_by(SyncOutboxEntry.created_at)
                )
            )
            if not entries:
                raise BatchFileError(f"Batch {batch_id} has no submitted results to export.")
            results = [sign_result(workspace, e.document) for e in entries]
            objects = [r["labelmap"]["digest"] for r in results if r["labelmap"]]
            index = {"kind": "results", "results": results, "objects": objects}
            project = checkout.project
        else:
            raise BatchFileError(f"No batch {batch_id} in this profile (pushed or checked out).")
    count = _write(workspace, out, project, batch_id, index)
    workspace.profile.audit.record(
        "batch.file.export", batch_id, {"kind": index["kind"], "objects": count}
    )
    return ImportedFile(str(index["kind"]), batch_id, len(index.get("results", [])) or count)


# ---------------------------------------------------------------------- reading
def _read_exact(handle: IO[bytes], size: int, what: str) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise BatchFileError(f"The batch file is truncated ({what} cut short).")
    return data


def _read_name(handle: IO[bytes]) -> str:
    length = _read_exact(handle, 1, "header")[0]
    try:
        return check_name("Name", _read_exact(handle, length, "header").decode())
    except (UnicodeDecodeError, ValueError):
        raise BatchFileError("The batch file's header is damaged.") from None


def _records(
    handle: IO[bytes], key: bytes, batch_id: str
) -> Iterator[tuple[str, bytes | bytearray]]:
    index = 0
    kinds = ("index", "object", "end")
    while True:
        raw = handle.read(_LENGTH.size)
        if not raw:
            raise BatchFileError("The batch file is truncated (no end record).")
        if len(raw) != _LENGTH.size:
            raise BatchFileError("The batch file is truncated (record length cut short).")
        (length,) = _LENGTH.unpack(raw)
        if length > _MAX_RECORD:
            raise BatchFileError("The batch file is damaged (impossible record length).")
        sealed = _read_exact(handle, length, f"record {index}")
        wanted = "index" if index == 0 else None
        opened = None
        for kind in (wanted,) if wanted else kinds[1:]:
            try:
                opened = (kind, open_sealed(key, sealed, f"batchfile:{batch_id}:{index}:{kind}"))
                break
            except EnvelopeError as exc:
                last = exc
        if opened is None:
            if "different project key" in str(last):
                raise BatchFileError(
                    "The batch file was sealed with a different project key."
                ) from None
            raise BatchFileError(
                f"The batch file failed authentication at record {index} (tampered or damaged)."
            ) from None
        yield opened
        if opened[0] == "end":
            if handle.read(1):
                raise BatchFileError("The batch file has data after its end record.")
            return
        index += 1


def import_batch_file(workspace: Workspace, path: Path) -> ImportedFile:
    """Import a batch file (a batch to annotate, or results to record); all or nothing."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BatchFileError(f"Cannot read {path}: {exc.strerror}.") from None
    with handle:
        if _read_exact(handle, len(MAGIC) + 1, "header")[: len(MAGIC)] != MAGIC:
            raise BatchFileError(f"{path.name} is not a Caliper batch file.")
        project, batch_id = _read_name(handle), _read_name(handle)
        key = project_key(workspace, project)
        records = _records(handle, key, batch_id)
        _, raw_index = next(records)
        index = json.loads(raw_index)
        objects: list[bytes | bytearray] = []
        count = 0
        for kind, data in records:
            if kind == "end":
                count = int(json.loads(data)["records"])
                break
            objects.append(data)
        if count != len(objects) + 2 or len(objects) != len(index["objects"]):
            raise BatchFileError("The batch file's records do not match its index.")
        for digest, data in zip(index["objects"], objects, strict=True):
            if hashlib.sha256(data).hexdigest() != digest:
                raise BatchFileError(f"Object {digest[:12]} in the batch file is damaged.")
    try:
        if index["kind"] == "batch":
            return _import_batch(workspace, index["manifest"], objects)
        if index["kind"] == "results":
            return _import_results(workspace, batch_id, index["results"], objects)
    except DocumentError as exc:
        raise BatchFileError(f"The batch file holds an invalid document: {exc}") from None
    raise BatchFileError(f"Unknown batch file kind {index['kind']!r}.")


def _import_batch(
    workspace: Workspace, manifest: dict[str, Any], objects: list[bytes | bytearray]
) -> ImportedFile:
    manifest = decode("manifest", encode("manifest", manifest))
    for data in objects:
        workspace.profile.blobs.put(data)
    batch_id = manifest["batch_id"]
    files = manifest_files(manifest)
    with workspace.profile.database.write() as session:
        if session.get(SyncCheckout, batch_id) is None:
            session.add(
                SyncCheckout(
                    batch_id=batch_id,
                    project=manifest["project"],
                    track=manifest["track"],
                    group_id=manifest["group"],
                    issue=manifest["issue"],
                    stream_seq=None,
                    state="acked",
                    manifest=manifest,
                    lease_revision=None,
                    lease_expires_at=None,
                    lease_lost=0,
                    bytes_total=sum(f.size for f in files),
                    bytes_done=sum(f.size for f in files),
                    checked_out_at=now_iso(),
                    updated_at=now_iso(),
                )
            )
        materialize_batch(session, manifest, workspace.user)
        workspace.profile.audit.append(
            session, "batch.file.import", batch_id, {"kind": "batch", "objects": len(objects)}
        )
    workspace.tasks_changed.emit()
    workspace.items_changed.emit()
    return ImportedFile("batch", batch_id, len(manifest["tasks"]))


def _import_results(
    workspace: Workspace,
    batch_id: str,
    results: list[dict[str, Any]],
    objects: list[bytes | bytearray],
) -> ImportedFile:
    checks = {}
    for document in results:
        decode("result", encode("result", document))
        if document["batch_id"] != batch_id:
            raise BatchFileError("A result in the batch file belongs to another batch.")
        enrolled = remembered(workspace, document["project"], document["annotator"])
        checks[document["result_id"]] = check = check_signature(document, enrolled)
        if check.status == "refused":
            raise BatchFileError(
                f"Result {document['result_id']} in the batch file is refused: {check.detail}."
            )
    for data in objects:
        workspace.profile.blobs.put(data)
    added = 0
    with workspace.profile.database.write() as session:
        pushed = session.get(QueueBatch, batch_id)
        if pushed is None:
            raise BatchFileError(f"Batch {batch_id} was not pushed from this profile.")
        for document in results:
            if session.get(QueueResult, document["result_id"]) is not None:
                continue
            flag = "submitted after its lease expired" if document["late"] else ""
            session.add(
                QueueResult(
                    result_id=document["result_id"],
                    project=document["project"],
                    batch_id=batch_id,
                    task_id=document["task_id"],
                    annotator=document["annotator"],
                    received_at=now_iso(),
                    flag=flag,
                    document={
                        **document,
                        "signature_check": checks[document["result_id"]].as_json(),
                    },
                    exported_at=None,
                )
            )
            added += 1
        workspace.profile.audit.append(
            session, "batch.file.import", batch_id, {"kind": "results", "results": added}
        )
    return ImportedFile("results", batch_id, added)
