"""SQLAlchemy 2 typed models: the structured half of a profile (the blob store is the other)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every table in the profile database."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Setting(Base):
    """A user setting (kept here, encrypted, because values can name patients)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class LabelSchemaRecord(Base):
    """A label schema document as loaded from a preset or a batch."""

    __tablename__ = "label_schemas"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(50))
    document: Mapped[dict[str, Any]]


class Project(Base):
    """A project groups items, batches and tasks under one label schema."""

    __tablename__ = "projects"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    schema_id: Mapped[str] = mapped_column(ForeignKey("label_schemas.id"))
    created_at: Mapped[str] = mapped_column(String(40))


class BlobRecord(Base):
    """Index of one object in the encrypted blob store."""

    __tablename__ = "blobs"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    chunk_size: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))


class Item(Base):
    """An imported piece of data of any modality (a CT series, a note, an ECG, a recording)."""

    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    modality: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(Text)
    content_digest: Mapped[str] = mapped_column(String(64), index=True)
    meta: Mapped[dict[str, Any]]
    created_at: Mapped[str] = mapped_column(String(40))


class ItemBlob(Base):
    """One stored file of an item (a DICOM instance, a WFDB header or signal, a WAV)."""

    __tablename__ = "item_blobs"
    item_id: Mapped[str] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(ForeignKey("blobs.digest"))


class Batch(Base):
    """A batch of tasks checked out or created together."""

    __tablename__ = "batches"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    track: Mapped[str | None] = mapped_column(String(100))
    due: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[str] = mapped_column(String(40))


class Task(Base):
    """One item to annotate in a batch, moving through the QA workflow states."""

    __tablename__ = "tasks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    assignee: Mapped[str | None] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[str] = mapped_column(String(40))
    #: The submission this task works towards: 1, then one more each time it is reopened.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    #: When the current revision was submitted (None until it is).
    submitted_at: Mapped[str | None] = mapped_column(String(40), default=None)


class Annotation(Base):
    """The current state of one annotation; its history is in the audit log."""

    __tablename__ = "annotations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    label: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    author: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[str] = mapped_column(String(40))

    # The primary key is the table's b-tree: one page fewer to write (and encrypt) per edit.
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012


class AuditEntry(Base):
    """Append-only, hash-chained audit row (triggers forbid UPDATE and DELETE).

    Annotation saves carry the command's before/after values in ``detail``: the audit log is
    also the tamper-evident history of every edit (as 21 CFR Part 11 audit trails require).
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40))
    user: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class RecentItem(Base):
    """Items the user opened, most recent first."""

    __tablename__ = "recent_items"
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), primary_key=True)
    opened_at: Mapped[str] = mapped_column(String(40), index=True)


class LabelMapDeltaRecord(Base):
    """One persisted step of a label-map edit: the voxels it wrote inside its bounding box."""

    __tablename__ = "labelmap_deltas"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"))
    bbox: Mapped[list[Any]]
    dtype: Mapped[str] = mapped_column(String(8))
    voxels: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_labelmap_deltas_item_seq", "item_id", "seq"),)


class LabelMapSnapshotRecord(Base):
    """A compacted snapshot: a segmentation record's snapshot with its edits up to a row folded in.

    It continues the record whose snapshot is ``base`` and whose ``after_seq`` is ``base_seq``:
    that snapshot with the item's ``labelmap_deltas`` rows up to ``after_seq`` replayed is
    ``snapshot``. Readers start from it and replay only the rows after ``after_seq``; a record
    it does not continue ignores it.
    """

    __tablename__ = "labelmap_snapshots"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"))
    base: Mapped[str] = mapped_column(String(64))
    base_seq: Mapped[int] = mapped_column(Integer)
    after_seq: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_labelmap_snapshots_item", "item_id", "base", "base_seq"),)


class SyncCheckout(Base):
    """A batch this workstation claimed from the queue: its manifest, lease and progress."""

    __tablename__ = "sync_checkouts"
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project: Mapped[str] = mapped_column(String(64))
    track: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[str] = mapped_column(String(64), index=True)
    issue: Mapped[int] = mapped_column(Integer)
    stream_seq: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    manifest: Mapped[dict[str, Any]]
    lease_revision: Mapped[int | None] = mapped_column(Integer)
    lease_expires_at: Mapped[str | None] = mapped_column(String(40))
    lease_lost: Mapped[int] = mapped_column(Integer, default=0)
    bytes_total: Mapped[int] = mapped_column(Integer, default=0)
    bytes_done: Mapped[int] = mapped_column(Integer, default=0)
    checked_out_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))


class SyncOutboxEntry(Base):
    """A task result waiting to be sent, written in the transaction that submits the task."""

    __tablename__ = "sync_outbox"
    result_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(64), index=True)
    task_id: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    created_at: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[str | None] = mapped_column(String(40), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class QueueBatch(Base):
    """A batch the manager pushed; which of its tasks are gold is known only here."""

    __tablename__ = "queue_batches"
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    track: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[str] = mapped_column(String(64), index=True)
    issue: Mapped[int] = mapped_column(Integer)
    manifest: Mapped[dict[str, Any]]
    gold_task_ids: Mapped[list[Any]]
    pushed_at: Mapped[str] = mapped_column(String(40))


class QueueResult(Base):
    """A result the manager collected (the primary key makes each result count once)."""

    __tablename__ = "queue_results"
    result_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    batch_id: Mapped[str] = mapped_column(String(64), index=True)
    task_id: Mapped[str] = mapped_column(String(64))
    annotator: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[str] = mapped_column(String(40))
    flag: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[dict[str, Any]]
    exported_at: Mapped[str | None] = mapped_column(String(40))


class TerminologyRelease(Base):
    """The imported release of one code system (a re-import replaces it).

    Its terms hold the ids ``first_id``..``last_id``: one range per release, so a search of one
    system is a rowid range of the full-text index (see workspace/terminology/store.py).
    """

    __tablename__ = "terminology_releases"
    system: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(Text)
    terms: Mapped[int] = mapped_column(Integer)
    first_id: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[str] = mapped_column(String(40))


class TerminologyTerm(Base):
    """One searchable term of a code: its name or a synonym (several rows may share a code).

    The FTS5 table ``terminology_fts`` (created by migration 0005, not modelled) indexes
    ``display`` with this table as its external content.
    """

    __tablename__ = "terminology_terms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    system: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(64))
    display: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_terminology_terms_system_code", "system", "code"),)


class TerminologyWord(Base):
    """A word of the full-text index, as its tokenizer folded it (rebuilt by every import).

    A search expands a typed prefix to the words it starts ("tab" -> tablet, tablets) and asks
    FTS5 for those exact terms, which it reads lazily in rowid order; a long prefix given to
    FTS5 as such would first merge the lists of every matching term.
    """

    __tablename__ = "terminology_words"
    word: Mapped[str] = mapped_column(Text, primary_key=True)

    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012
