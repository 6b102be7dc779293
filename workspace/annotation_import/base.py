"""What an annotation importer is given and returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workspace.annotation_kinds.base import mark_source
from workspace.errors import WorkspaceError

if TYPE_CHECKING:
    from workspace.annotations import Annotation
    from workspace.item_payloads import ItemPayloads
    from workspace.items import ItemSummary
    from workspace.schema import LabelSchema
    from workspace.volume.model import LabelMap


class AnnotationImportError(WorkspaceError):
    """A file of annotations that cannot be read onto the item; one clear sentence."""


def reason(exc: BaseException) -> str:
    """The last line of a field library's error, or its type when it says nothing."""
    text = str(exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


@dataclass(frozen=True)
class ImportTarget:
    """The item annotations are read onto, and what an importer may read of it."""

    item: ItemSummary
    schema: LabelSchema
    payloads: ItemPayloads
    user: str = ""
    #: Names of label values 1, 2, 3... for a label map (``--labels``), else None.
    label_names: Sequence[str] | None = None

    def data(self, values: dict[str, Any], path: Path, fmt: str) -> dict[str, Any]:
        """``values`` marked as read from ``path`` in format ``fmt``."""
        return mark_source(values, path.name, fmt)


@dataclass
class ReadAnnotations:
    """What one file held: annotations, and for a label map the segmentation."""

    annotations: list[Annotation] = field(default_factory=list)
    labels: LabelMap | None = None


class AnnotationImporter(Protocol):
    """Reads one annotation format back.

    ``format_id`` is the export format it reads (``brat``, ``wfdb``...): it reads onto the
    items whose :class:`~workspace.modalities.ModalitySpec` lists that export format.
    """

    format_id: str

    def claims(self, path: Path) -> bool:
        """Cheap sniff (extension, magic bytes): is ``path`` in this format?"""
        ...

    def siblings(self, data_file: Path) -> list[Path]:
        """Annotation files in this format lying beside an item's data file (``note.ann``)."""
        ...

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """Read ``path`` onto ``target`` (AnnotationImportError naming the file if it is bad)."""
        ...
