"""The export formats ``caliper export`` knows (kept light: the CLI parser imports it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workspace.annotations import Annotation

#: The item modality each format writes (``items.modality``: volume, text, waveform, audio).
FORMAT_MODALITY: dict[str, str] = {
    "dicom-seg": "volume",
    "nifti": "volume",
    "nrrd": "volume",
    "sr": "volume",
    "json": "volume",
    "brat": "text",
    "wfdb": "waveform",
    "textgrid": "audio",
}
FORMATS = tuple(FORMAT_MODALITY)


def formats_for(modality: str) -> tuple[str, ...]:
    """The formats that items of ``modality`` can be exported in."""
    return tuple(fmt for fmt, target in FORMAT_MODALITY.items() if target == modality)


def annotation_name(annotation: Annotation) -> str:
    """How an export message names an annotation: short id and label (or kind)."""
    return f"annotation {annotation.id[:8]} ({annotation.label or annotation.kind})"
