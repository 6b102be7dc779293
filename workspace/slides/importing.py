"""Importing a slide: the file opened by its format's source, sealed, and indexed as an item.

The importers (:mod:`workspace.importers.slides`) only recognise and check the file; the
tiles are read here, once, straight into the encrypted store. A slide imported again is the
same item: its new segments are dropped, unless the stored copy is damaged, which the new one
then replaces (its segments have random ids, so a damaged one cannot be sealed anew under its
own name the way a content-addressed blob is).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from storage.blob_format import is_random_id
from storage.models import Item, ItemBlob
from storage.profile import Profile
from workspace.importers.base import ImportedItem, ScanCancelledError
from workspace.items import (
    ItemSummary,
    SealedFiles,
    find_by_identity,
    get_item,
    item_files,
    store_item,
)
from workspace.slides.model import SlideError
from workspace.slides.sources import SOURCE_KEY, open_source
from workspace.slides.store import META_KEY, Progress, seal_tiles


def store_slide_item(
    profile: Profile,
    imported: ImportedItem,
    project_id: str | None = None,
    on_problem: Callable[[Path, str], None] | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ItemSummary | None:
    """Seal the slide's tiles and index it as an item; None (and a report) when its file
    cannot be read after all, or when ``cancelled()`` turned true. The same file imported
    again gives the same item (repaired if its stored copy was damaged)."""
    paths = [f.path for f in imported.files]
    try:
        source = open_source(str(imported.meta[SOURCE_KEY]), paths)
        try:
            with seal_tiles(profile.blobs, source, progress, cancelled) as sealed:
                existing = find_by_identity(profile, sealed.identity)
                if existing is not None and not _damaged(profile, existing):
                    return existing  # the new segments are dropped on leaving
                files, entry = sealed.commit()
        finally:
            source.close()
    except ScanCancelledError:
        return None
    except SlideError as exc:
        if on_problem is None:
            raise
        on_problem(paths[0], f"{paths[0]}: {str(exc).removeprefix(f'{paths[0].name}: ')}")
        return None
    if existing is not None:
        return _replace_files(profile, existing, files, entry)
    imported.meta[META_KEY] = entry
    return store_item(profile, imported, project_id, sealed=files)


def _damaged(profile: Profile, item: ItemSummary) -> bool:
    """True when a stored file of ``item`` is missing or fails its check."""
    with profile.database.read() as session:
        stored = item_files(session, item.id)
    return any(profile.blobs.damage(f.digest) for f in stored)


def _replace_files(
    profile: Profile, item: ItemSummary, sealed: SealedFiles, entry: dict[str, Any]
) -> ItemSummary:
    """Point ``item`` at the slide sealed anew (its damaged copy replaced), then remove the
    old copy's segments (their random ids belong to this item alone)."""
    with profile.database.write() as session:
        row = session.get(Item, item.id)
        assert row is not None
        named = session.scalars(select(ItemBlob.digest).where(ItemBlob.item_id == item.id))
        old = [digest for digest in named if is_random_id(digest)]
        session.execute(delete(ItemBlob).where(ItemBlob.item_id == item.id))
        session.add_all(
            ItemBlob(item_id=item.id, position=i, name=f.name, digest=f.digest)
            for i, f in enumerate(sealed.files)
        )
        row.meta = {**row.meta, META_KEY: entry}
        profile.audit.append(session, "item.repair", item.id, {"files": len(sealed.files)})
    profile.blobs.discard(old)
    with profile.database.read() as session:
        return get_item(session, item.id)
