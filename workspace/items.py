"""Items: imported data of any modality, stored as encrypted blobs plus an index row."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Item, ItemBlob
from storage.profile import Profile
from workspace.errors import NotFoundError
from workspace.importers.base import ImportedItem


@dataclass(frozen=True)
class ItemFile:
    """One stored file of an item."""

    name: str
    digest: str


#: ``meta`` keys that stay on the workstation that imported the item: the source file and
#: folder names (which can name a patient, or a gold-standard folder) never go into a batch.
LOCAL_ONLY_META = frozenset({"source"})


def shared_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` without the keys that stay local (what a batch manifest carries)."""
    return {key: value for key, value in meta.items() if key not in LOCAL_ONLY_META}


@dataclass(frozen=True)
class ItemSummary:
    """What a list or a viewer needs to know of an item (never an ORM object)."""

    id: str
    modality: str
    title: str
    content_digest: str
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    project_id: str | None = None


def _summary(row: Item) -> ItemSummary:
    return ItemSummary(
        id=row.id,
        modality=row.modality,
        title=row.title,
        content_digest=row.content_digest,
        meta=dict(row.meta),
        created_at=row.created_at,
        project_id=row.project_id,
    )


def content_digest(file_digests: list[str]) -> str:
    """Identity of an item: the SHA-256 itself for one file, else a hash of the sorted digests."""
    if len(file_digests) == 1:
        return file_digests[0]
    return hashlib.sha256("\n".join(sorted(file_digests)).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class SealedFiles:
    """What an importer already sealed for an item, and the identity of its source files."""

    files: list[ItemFile]
    identity: str


def find_by_identity(profile: Profile, identity: str) -> ItemSummary | None:
    """The item imported from exactly these source files, if any."""
    with profile.database.read() as session:
        row = session.scalars(select(Item).where(Item.content_digest == identity)).first()
        return _summary(row) if row is not None else None


def store_item(
    profile: Profile,
    imported: ImportedItem,
    project_id: str | None = None,
    cancelled: Callable[[], bool] | None = None,
    sealed: SealedFiles | None = None,
) -> ItemSummary | None:
    """Seal the item's files in the blob store and index it; an identical item is reused.

    ``sealed`` replaces the item's source files by blobs already stored (a DICOM series keeps
    its voxels and headers, not its files). Returns None when ``cancelled`` reports true part
    way (no item row is written then).
    """
    if sealed is None:
        files: list[ItemFile] = []
        for source in imported.files:
            if cancelled is not None and cancelled():
                return None
            # a stored copy found damaged is sealed again from the file (re-import repairs)
            files.append(ItemFile(source.name, profile.blobs.put_file(source.path, repair=True)))
        sealed = SealedFiles(files, content_digest([f.digest for f in files]))
    files, identity = sealed.files, sealed.identity
    with profile.database.write() as session:
        existing = session.scalars(select(Item).where(Item.content_digest == identity)).first()
        if existing is not None:
            return _summary(existing)
        row = Item(
            id=str(uuid.uuid4()),
            project_id=project_id,
            modality=imported.modality,
            title=imported.title,
            content_digest=identity,
            meta=imported.meta,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        session.add(row)
        session.flush()
        session.add_all(
            ItemBlob(item_id=row.id, position=i, name=f.name, digest=f.digest)
            for i, f in enumerate(files)
        )
        profile.audit.append(
            session, "item.import", row.id, {"modality": row.modality, "files": len(files)}
        )
        return _summary(row)


def list_items(session: Session, modality: str | None = None) -> list[ItemSummary]:
    """Every item, oldest first, optionally of one modality."""
    query = select(Item).order_by(Item.created_at, Item.id)
    if modality:
        query = query.where(Item.modality == modality)
    return [_summary(row) for row in session.scalars(query)]


def get_item(session: Session, item_id: str) -> ItemSummary:
    """The item with ``item_id``; :class:`NotFoundError` if absent."""
    row = session.get(Item, item_id)
    if row is None:
        raise NotFoundError(f"No item with id {item_id} in this profile.")
    return _summary(row)


def item_files(session: Session, item_id: str) -> list[ItemFile]:
    """The stored files of an item, in import order."""
    rows = session.scalars(
        select(ItemBlob).where(ItemBlob.item_id == item_id).order_by(ItemBlob.position)
    )
    return [ItemFile(r.name, r.digest) for r in rows]
