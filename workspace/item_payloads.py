"""What format readers and writers may read of a stored item besides its annotations.

Exporters and annotation importers take an :class:`ItemPayloads` — the item's text, its
segmentation, its source DICOM headers, each loaded only when asked for — rather than the
whole :class:`~workspace.workspace.Workspace`; :class:`StoredPayloads` serves it from an
unlocked profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from workspace.errors import NotFoundError

if TYPE_CHECKING:
    from storage.profile import Profile
    from workspace.items import ItemSummary
    from workspace.volume.model import LabelMap


class ItemPayloads(Protocol):
    """Lazy access to what is stored for an item besides its annotations."""

    def text(self, item: ItemSummary) -> str:
        """The item's decoded text (a note); NotFoundError if it has none."""
        ...

    def segmentation(self, item: ItemSummary) -> LabelMap:
        """The item's segmentation (NoSegmentationError / DamagedSegmentationError)."""
        ...

    def source_headers(self, item: ItemSummary) -> list[Any]:
        """The DICOM headers of the instances the item's volume was made from."""
        ...

    def reference_headers(self, item: ItemSummary) -> list[Any]:
        """The same headers as an export that only references them needs them: the first in
        full, the others with what identifies and places an image (faster to read)."""
        ...


class StoredPayloads:
    """:class:`ItemPayloads` read from an unlocked profile's store (no facade needed)."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile

    def text(self, item: ItemSummary) -> str:
        """The first stored file of the item, decoded as a note is."""
        from workspace import items as item_store
        from workspace.importers.text import decode_text

        with self._profile.database.read() as session:
            files = item_store.item_files(session, item.id)
        if not files:
            raise NotFoundError(f"Item {item.id} has no stored text.")
        text, _ = decode_text(bytes(self._profile.blobs.get(files[0].digest)))
        return text

    def segmentation(self, item: ItemSummary) -> LabelMap:
        """The item's newest segmentation with its edits."""
        from workspace.segmentation.store import load_segmentation

        return load_segmentation(self._profile, item.id)

    def source_headers(self, item: ItemSummary) -> list[Any]:
        """The volume's source instance headers, from the blob store."""
        from workspace.volume.store import load_source_headers

        return list(load_source_headers(self._profile.blobs, item.meta))

    def reference_headers(self, item: ItemSummary) -> list[Any]:
        """The volume's source headers for referencing, from the blob store."""
        from workspace.volume.store import load_reference_headers

        return list(load_reference_headers(self._profile.blobs, item.meta))
