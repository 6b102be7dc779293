"""The export formats ``caliper export`` knows, read from the modality registry.

Each :class:`~workspace.modalities.ModalitySpec` names the formats its items are exported in,
so these are functions, not constants: a modality registered later brings its formats along.
Kept light: the CLI parser imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workspace.modalities import modalities, modality

if TYPE_CHECKING:
    from workspace.annotations import Annotation


def export_formats() -> tuple[str, ...]:
    """Every export format of every registered modality, each once, in registration order."""
    return tuple(dict.fromkeys(fmt for spec in modalities() for fmt in spec.export_formats))


def formats_for(modality_id: str) -> tuple[str, ...]:
    """The formats that items of ``modality_id`` can be exported in (UnknownModalityError)."""
    return modality(modality_id).export_formats


def modalities_of(fmt: str) -> tuple[str, ...]:
    """The modalities whose items ``fmt`` is for (empty for an unknown format)."""
    return tuple(spec.id for spec in modalities() if fmt in spec.export_formats)


def annotation_name(annotation: Annotation) -> str:
    """How an export message names an annotation: short id and label (or kind)."""
    from workspace.annotation_kinds.base import describe

    return describe(annotation)
