"""What format readers and writers may read of a stored item besides its annotations.

Exporters and annotation importers take an :class:`ItemPayloads` — the item's text, its
segmentation, its source DICOM headers, each loaded only when asked for — rather than the
whole :class:`~workspace.workspace.Workspace`; :class:`WorkspacePayloads` serves it from an
unlocked workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from workspace.errors import NotFoundError

if TYPE_CHECKING:
    from workspace.items import ItemSummary
    from workspace.volume.model import LabelMap
    from workspace.workspace import Workspace


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


class WorkspacePayloads:
    """:class:`ItemPayloads` read from an unlocked workspace's store."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def text(self, item: ItemSummary) -> str:
        """The first stored file of the item, decoded as a note is."""
        from workspace.importers.text import decode_text

        files = self._workspace.item_files(item.id)
        if not files:
            raise NotFoundError(f"Item {item.id} has no stored text.")
        text, _ = decode_text(bytes(self._workspace.read_file(files[0])))
        return text

    def segmentation(self, item: ItemSummary) -> LabelMap:
        """The item's newest segmentation with its edits."""
        return self._workspace.load_segmentation(item.id)

    def source_headers(self, item: ItemSummary) -> list[Any]:
        """The volume's source instance headers, from the blob store."""
        from workspace.volume.store import load_source_headers

        return list(load_source_headers(self._workspace.profile.blobs, item.meta))
