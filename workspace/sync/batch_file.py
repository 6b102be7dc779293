"""Batch files: the queue's manifests, objects and results carried on a disk instead.

A site with no network path to the queue moves work as files. The manager exports a batch
(its manifest and every object); the workstation imports it, annotates, and exports the
batch's results; the manager imports those. Layout::

    b"CALIPERB" | format (1 byte) | len + project | len + batch id      (clear: names only)
    record*                                                             (sealed, in order)

Each record is a length-prefixed project-key envelope whose context binds the batch, the
record's index and its kind, so records cannot be altered, reordered, dropped or spliced
from another file. Record 0 is the JSON index (what follows), the last is an end marker with
the record count: a truncated file, bytes after the end record and an unknown format are
refused.

This module only reads and writes files and the local profile; taking and releasing the
batch's lease on the queue server is :mod:`workspace.sync.batch_transfer`'s part.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import select

from storage.blob_format import id_bytes, is_random_id
from storage.fileio import atomic_file
from storage.models import QueueBatch, QueueResult, SyncCheckout, SyncOutboxEntry
from workspace.annotations import now_iso
from workspace.errors import NotFoundError, WorkspaceError
from workspace.settings import get_setting, set_setting
from workspace.sync.config import project_key
from workspace.sync.documents import DocumentError, decode, encode, manifest_files
from workspace.sync.envelope import EnvelopeError, open_sealed, seal
from workspace.sync.materialize import materialize_batch
from workspace.sync.protocol import check_name
from workspace.sync.signers import check_signature, remembered
from workspace.sync.signing import sign_result

if TYPE_CHECKING:
    from storage.profile import Profile

MAGIC = b"CALIPERB"
FORMAT = 1
_LENGTH = struct.Struct(">Q")
_MAX_RECORD = 8 * 1024**3
#: Workstation setting: batch id -> the lease holder named by the file it came from.
SOURCES_KEY = "sync.batch_file_sources"


class BatchFileError(WorkspaceError, ValueError):
    """A batch file that cannot be used (damaged, truncated, wrong key); one clear message."""


@dataclass(frozen=True)
class ImportedFile:
    """What exporting or importing a batch file did."""

    kind: str  # "batch" | "results"
    batch_id: str
    count: int
    flagged: int = 0
    holder: str = ""  # the file's lease holder (exports of a batch)
    released: bool = False  # importing results gave the batch's lease back


@dataclass(frozen=True)
class BatchFile:
    """An authenticated batch file, read whole."""

    project: str
    batch_id: str
    index: dict[str, Any]
    objects: list[bytes | bytearray]

    @property
    def kind(self) -> str:
        """``batch`` or ``results``."""
        return str(self.index.get("kind"))


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


def write_batch_file(
    profile: Profile, out: Path, project: str, batch_id: str, index: dict[str, Any]
) -> int:
    """Write ``index`` and the objects it names to ``out`` (atomically); the object count."""
    key = project_key(profile, project)
    with atomic_file(out, out.name) as handle:
        handle.write(_header(project, batch_id))
        writer = _Writer(handle, key, batch_id)
        writer.record("index", json.dumps(index, sort_keys=True).encode())
        for digest in index["objects"]:
            writer.record("object", bytes(profile.blobs.get(digest)))
        writer.record("end", json.dumps({"records": writer.index + 1}).encode())
    return len(index["objects"])


def batch_index(
    profile: Profile, batch_id: str, lease: dict[str, str] | None
) -> tuple[str, dict[str, Any]]:
    """(project, index) of a batch this manager made; ``lease`` names the file's holder."""
    with profile.database.read() as session:
        pushed = session.get(QueueBatch, batch_id)
        if pushed is None:
            raise BatchFileError(f"No batch {batch_id} was made in this profile.")
        manifest = dict(pushed.manifest)
        project = pushed.project
    objects = [f.digest for f in manifest_files(manifest)]
    return project, {"kind": "batch", "manifest": manifest, "objects": objects, "lease": lease}


def results_index(profile: Profile, batch_id: str) -> tuple[str, dict[str, Any]]:
    """(project, index) of a checked-out batch's submitted results (workstation)."""
    with profile.database.read() as session:
        checkout = session.get(SyncCheckout, batch_id)
        if checkout is None:
            raise NotFoundError(f"No batch {batch_id} in this profile (made or checked out).")
        entries = list(
            session.scalars(
                select(SyncOutboxEntry)
                .where(SyncOutboxEntry.batch_id == batch_id)
                .order_by(SyncOutboxEntry.created_at)
            )
        )
        sources = get_setting(session, SOURCES_KEY, {}) or {}
        project = checkout.project
    if not entries:
        raise BatchFileError(f"Batch {batch_id} has no submitted results to export.")
    results = [sign_result(profile, e.document) for e in entries]
    objects = [r["labelmap"]["digest"] for r in results if r["labelmap"]]
    index = {"kind": "results", "results": results, "objects": objects}
    return project, {**index, "source": sources.get(batch_id)}


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


def _open_record(key: bytes, sealed: bytes, batch_id: str, index: int) -> tuple[str, bytes]:
    """The record's kind and plaintext; the kind is proven by the context that opens it."""
    kinds = ("index",) if index == 0 else ("object", "end")
    problem = ""
    for kind in kinds:
        try:
            return kind, bytes(open_sealed(key, sealed, f"batchfile:{batch_id}:{index}:{kind}"))
        except EnvelopeError as exc:
            problem = str(exc)
    if "different project key" in problem:
        raise BatchFileError("The batch file was sealed with a different project key.")
    raise BatchFileError(
        f"The batch file failed authentication at record {index} (tampered or damaged)."
    )


def _read_records(handle: IO[bytes], key: bytes, batch_id: str) -> list[tuple[str, bytes]]:
    """Every record up to and including the end record; nothing may follow it."""
    records: list[tuple[str, bytes]] = []
    while True:
        raw = handle.read(_LENGTH.size)
        if not raw:
            raise BatchFileError("The batch file is truncated (no end record).")
        if len(raw) != _LENGTH.size:
            raise BatchFileError("The batch file is truncated (record length cut short).")
        (length,) = _LENGTH.unpack(raw)
        if length > _MAX_RECORD:
            raise BatchFileError("The batch file is damaged (impossible record length).")
        sealed = _read_exact(handle, length, f"record {len(records)}")
        records.append(_open_record(key, sealed, batch_id, len(records)))
        if records[-1][0] == "end":
            if handle.read(1):
                raise BatchFileError(
                    "The batch file has data after its end record (damaged or altered)."
                )
            return records


def _names(digest: str, data: bytes | bytearray) -> bool:
    """True when ``digest`` names ``data``: its SHA-256, or a well-formed random id (an
    internal object, vouched for by its record's GCM tag, which binds its place)."""
    if is_random_id(digest):
        try:
            id_bytes(digest)
        except ValueError:
            return False
        return True
    return hashlib.sha256(data).hexdigest() == digest


def read_batch_file(profile: Profile, path: Path) -> BatchFile:
    """Read and authenticate a whole batch file; :class:`BatchFileError` says what is wrong."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BatchFileError(f"Cannot read {path}: {exc.strerror}.") from None
    with handle:
        head = _read_exact(handle, len(MAGIC) + 1, "header")
        if head[: len(MAGIC)] != MAGIC:
            raise BatchFileError(f"{path.name} is not a Caliper batch file.")
        if head[-1] != FORMAT:
            raise BatchFileError(
                f"{path.name} uses batch file format {head[-1]}; this Caliper reads format "
                f"{FORMAT}. Update Caliper."
            )
        project, batch_id = _read_name(handle), _read_name(handle)
        key = project_key(profile, project)
        records = _read_records(handle, key, batch_id)
    try:
        index = json.loads(records[0][1])
        count = int(json.loads(records[-1][1])["records"])
        objects: list[bytes | bytearray] = [data for _kind, data in records[1:-1]]
        named = list(index["objects"])
    except (ValueError, KeyError, TypeError):
        raise BatchFileError("The batch file's index is damaged.") from None
    if count != len(records) or len(objects) != len(named):
        raise BatchFileError("The batch file's records do not match its index.")
    for digest, data in zip(named, objects, strict=True):
        if not _names(str(digest), data):
            raise BatchFileError(f"Object {str(digest)[:12]} in the batch file is damaged.")
    if index.get("kind") not in ("batch", "results"):
        raise BatchFileError(f"Unknown batch file kind {index.get('kind')!r}.")
    return BatchFile(project, batch_id, index, objects)


# ---------------------------------------------------------------------- importing
def import_batch(profile: Profile, batch_file: BatchFile) -> ImportedFile:
    """Create the batch a file carries, to annotate here (workstation); all or nothing."""
    try:
        manifest = decode("manifest", encode("manifest", batch_file.index["manifest"]))
    except DocumentError as exc:
        raise BatchFileError(f"The batch file holds an invalid document: {exc}") from None
    batch_id = manifest["batch_id"]
    if batch_id != batch_file.batch_id or manifest["project"] != batch_file.project:
        raise BatchFileError("The batch file's manifest does not match its header.")
    lease = batch_file.index.get("lease") or {}
    for digest, data in zip(batch_file.index["objects"], batch_file.objects, strict=True):
        profile.blobs.put(data, blob_id=digest)
    files = manifest_files(manifest)
    with profile.database.write() as session:
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
                    lease_expires_at=lease.get("expires_at"),
                    lease_lost=0,
                    bytes_total=sum(f.size for f in files),
                    bytes_done=sum(f.size for f in files),
                    checked_out_at=now_iso(),
                    updated_at=now_iso(),
                )
            )
        sources = dict(get_setting(session, SOURCES_KEY, {}) or {})
        sources[batch_id] = lease.get("holder")
        set_setting(session, SOURCES_KEY, sources)
        materialize_batch(session, manifest, profile.user)
        profile.audit.append(
            session,
            "batch.file.import",
            batch_id,
            {"kind": "batch", "objects": len(batch_file.objects)},
        )
    return ImportedFile("batch", batch_id, len(manifest["tasks"]))


def checked_results(profile: Profile, batch_file: BatchFile) -> list[dict[str, Any]]:
    """The results a file carries, each validated, of the file's batch and signature-checked.

    Each is checked against the keys enrolled for its annotator as this manager last saw
    them (:func:`~workspace.sync.signers.remembered`); one refused result refuses the file.
    The documents returned carry the outcome as ``signature_check``, as collect stores them.
    """
    results = batch_file.index.get("results")
    if not isinstance(results, list):
        raise BatchFileError("The batch file's index is damaged.")
    try:
        checked = [decode("result", encode("result", document)) for document in results]
    except DocumentError as exc:
        raise BatchFileError(f"The batch file holds an invalid document: {exc}") from None
    for document in checked:
        if (document["batch_id"], document["project"]) != (batch_file.batch_id, batch_file.project):
            raise BatchFileError("A result in the batch file belongs to another batch.")
    stored = []
    for document in checked:
        enrolled = remembered(profile, document["project"], document["annotator"])
        check = check_signature(document, enrolled)
        if check.status == "refused":
            raise BatchFileError(
                f"Result {document['result_id']} in the batch file is refused: {check.detail}."
            )
        stored.append({**document, "signature_check": check.as_json()})
    return stored


def record_results(
    profile: Profile,
    batch_file: BatchFile,
    results: list[dict[str, Any]],
    flag: Callable[[dict[str, Any]], str],
) -> tuple[int, int]:
    """Record new results (manager), each with ``flag(result)``; (added, flagged)."""
    batch_id = batch_file.batch_id
    with profile.database.read() as session:
        if session.get(QueueBatch, batch_id) is None:
            raise BatchFileError(f"Batch {batch_id} was not made in this profile.")
    for digest, data in zip(batch_file.index["objects"], batch_file.objects, strict=True):
        profile.blobs.put(data, blob_id=digest)
    added = flagged = 0
    with profile.database.write() as session:
        for document in results:
            if session.get(QueueResult, document["result_id"]) is not None:
                continue
            reason = flag(document)
            session.add(
                QueueResult(
                    result_id=document["result_id"],
                    project=document["project"],
                    batch_id=batch_id,
                    task_id=document["task_id"],
                    annotator=document["annotator"],
                    received_at=now_iso(),
                    flag=reason,
                    document=document,
                    exported_at=None,
                )
            )
            added += 1
            flagged += bool(reason)
        profile.audit.append(
            session,
            "batch.file.import",
            batch_id,
            {"kind": "results", "results": added, "flagged": flagged},
        )
    return added, flagged


def all_tasks_returned(profile: Profile, batch_id: str) -> bool:
    """True once every task of a batch this manager made has a recorded result."""
    with profile.database.read() as session:
        row = session.get(QueueBatch, batch_id)
        if row is None:
            return False
        wanted = {t["task_id"] for t in row.manifest["tasks"]}
        done = set(
            session.scalars(select(QueueResult.task_id).where(QueueResult.batch_id == batch_id))
        )
    return wanted <= done
