"""Importing a slide: the file opened by its format's source, sealed, and indexed as an item.

The importers (:mod:`workspace.importers.slides`) only recognise and check the file; the
tiles are read here, once, straight into the encrypted store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from storage.profile import Profile
from workspace.importers.base import ImportedItem, ScanCancelledError
from workspace.items import ItemSummary, find_by_identity, store_item
from workspace.slides.model import SlideError
from workspace.slides.sources import SOURCE_KEY, open_source
from workspace.slides.store import META_KEY, Progress, seal_slide


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
    again gives the same item."""
    paths = [f.path for f in imported.files]
    try:
        source = open_source(str(imported.meta[SOURCE_KEY]), paths)
        try:
            sealed, entry = seal_slide(profile.blobs, source, progress, cancelled)
        finally:
            source.close()
    except ScanCancelledError:
        return None
    except SlideError as exc:
        if on_problem is None:
            raise
        on_problem(paths[0], f"{paths[0]}: {str(exc).removeprefix(f'{paths[0].name}: ')}")
        return None
    existing = find_by_identity(profile, sealed.identity)
    if existing is not None:
        return existing
    imported.meta[META_KEY] = entry
    return store_item(profile, imported, project_id, sealed=sealed)
