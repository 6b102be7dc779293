"""The modalities Caliper knows, each described once by a :class:`ModalitySpec`.

Everything that lists modalities derives from this registry: the schema parser (which
modality names a schema may declare), the default schema of an item, the export formats, the
format ``queue collect`` writes, the item list's group headings and the sync manifest's
``modality`` enum (a test keeps ``resources/sync/manifest.schema.json`` in step). A new
modality is one :func:`register_modality` call (plus a viewer, registered in
:mod:`viewers.base`); an unknown one is an :class:`UnknownModalityError`, never a fallback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workspace.annotation_kinds.names import (
    BOX3D,
    CLASSIFICATION,
    INTERVAL,
    LANDMARK,
    POINT,
    POLYGON,
    RELATION,
    RULER,
    SEGMENTATION,
    SLIDE_SHAPE,
    SPAN,
)
from workspace.errors import WorkspaceError

if TYPE_CHECKING:
    from workspace.items import ItemSummary

_MODALITY_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class UnknownModalityError(WorkspaceError, ValueError):
    """A modality id that no :class:`ModalitySpec` is registered for."""


@dataclass(frozen=True)
class ModalitySpec:
    """One modality: its name, how an item's schema is chosen, what formats it reads and writes.

    ``default_schema`` picks the preset schema id for an item (e.g. by its signal names);
    ``import_formats`` are importer ``format_id``\\s, ``export_formats`` the ``caliper export``
    formats, ``collect_format`` what ``queue collect`` writes for a result (None: only
    ``result.json``); ``variants`` are finer modality names a schema may declare (ct, ecg);
    ``viewer_module`` names the module whose import registers the modality's viewer (None: the
    item-information view), loaded by :func:`viewers.builtins.load_builtin_viewers`.
    """

    id: str
    display_name: str
    default_schema: Callable[[ItemSummary], str]
    import_formats: tuple[str, ...] = ()
    export_formats: tuple[str, ...] = ()
    collect_format: str | None = None
    annotation_kinds: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    viewer_module: str | None = None

    def __post_init__(self) -> None:
        if not _MODALITY_ID.match(self.id):
            raise ValueError(f"modality id {self.id!r} is not lower-case letters, digits and '-'")
        if self.collect_format is not None and self.collect_format not in self.export_formats:
            raise ValueError(
                f"modality {self.id!r}: collect format {self.collect_format!r} is not among its "
                f"export formats ({', '.join(self.export_formats) or 'none'})"
            )

    def schema_id_for(self, item: ItemSummary) -> str:
        """The preset schema id an item of this modality gets when no project names one."""
        return self.default_schema(item)


_REGISTRY: dict[str, ModalitySpec] = {}


def register_modality(spec: ModalitySpec) -> ModalitySpec:
    """Add ``spec``; a second spec with the same id is a ValueError."""
    if spec.id in _REGISTRY:
        raise ValueError(f"a modality with id {spec.id!r} is already registered")
    _REGISTRY[spec.id] = spec
    return spec


def unregister_modality(modality_id: str) -> None:
    """Remove a registration (tests, plug-in reload)."""
    _REGISTRY.pop(modality_id, None)


def modality(modality_id: str) -> ModalitySpec:
    """The spec registered as ``modality_id``; :class:`UnknownModalityError` if there is none."""
    spec = _REGISTRY.get(modality_id)
    if spec is None:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise UnknownModalityError(f"unknown modality {modality_id!r} (known: {known})")
    return spec


def modalities() -> tuple[ModalitySpec, ...]:
    """Every registered modality, in registration order."""
    return tuple(_REGISTRY.values())


def modality_ids() -> tuple[str, ...]:
    """The ids of every registered modality, in registration order."""
    return tuple(_REGISTRY)


def schema_modality_names() -> frozenset[str]:
    """Every name a schema's ``modalities`` may use: modality ids and their variants."""
    return frozenset(n for spec in _REGISTRY.values() for n in (spec.id, *spec.variants))


def default_schema_id(item: ItemSummary) -> str:
    """The preset schema id for ``item`` by its modality (UnknownModalityError if unknown)."""
    return modality(item.modality).schema_id_for(item)


# ---------------------------------------------------------------------- built-ins
def _signal_names(meta: Mapping[str, Any]) -> list[str]:
    names = meta.get("signal_names")
    return [str(n).strip().upper() for n in names] if isinstance(names, list) else []


def waveform_schema(item: ItemSummary) -> str:
    """By the record type the importer found (else by signal names): mostly EEG electrodes,
    the EEG schema; any ECG lead, the ECG one; else generic events."""
    from workspace.waveform.kinds import record_type

    kind = item.meta.get("record_type")
    if kind not in ("ecg", "eeg", "generic"):
        kind = record_type(_signal_names(item.meta))
    return {"eeg": "eeg-events", "ecg": "ecg-beats-rhythms"}.get(kind, "waveform-events")


def _fixed(schema_id: str) -> Callable[[ItemSummary], str]:
    def choose(item: ItemSummary) -> str:
        del item
        return schema_id

    return choose


BUILTIN_MODALITIES = (
    ModalitySpec(
        id="volume",
        display_name="Volumes (CT/MR)",
        default_schema=_fixed("ct-abdomen-organs"),
        import_formats=("dicom", "sitk-image"),
        export_formats=("dicom-seg", "nifti", "nrrd", "sr", "json"),
        collect_format="nifti",
        annotation_kinds=(SEGMENTATION, RULER, LANDMARK, BOX3D, POLYGON, CLASSIFICATION),
        variants=("ct", "mr", "pet", "us", "xr"),
        viewer_module="viewers.volume.volume_viewer",
    ),
    ModalitySpec(
        id="text",
        display_name="Clinical text",
        default_schema=_fixed("clinical-ner"),
        import_formats=("text",),
        export_formats=("brat", "bioc", "jsonl", "deid-text"),
        collect_format="brat",
        annotation_kinds=(SPAN, RELATION, CLASSIFICATION),
        viewer_module="viewers.text.viewer",
    ),
    ModalitySpec(
        id="waveform",
        display_name="Waveforms",
        default_schema=waveform_schema,
        import_formats=("wfdb", "edf", "dicom-waveform", "csv-signals"),
        export_formats=("wfdb", "edf", "csv"),
        collect_format="wfdb",
        annotation_kinds=(POINT, INTERVAL),
        variants=("ecg", "eeg"),
        viewer_module="viewers.waveform.waveform_viewer",
    ),
    ModalitySpec(
        id="audio",
        display_name="Audio",
        default_schema=_fixed("audio-conversation"),
        import_formats=("audio",),
        export_formats=("textgrid", "rttm", "vtt", "json"),
        collect_format="textgrid",
        annotation_kinds=(INTERVAL, POINT),
        viewer_module="viewers.audio.audio_viewer",
    ),
    ModalitySpec(
        id="slide",
        display_name="Whole-slide images",
        default_schema=_fixed("pathology-regions"),
        import_formats=("slide-tiff", "slide-openslide", "slide-dicom"),
        export_formats=("geojson", "dicom-ann"),
        annotation_kinds=(SLIDE_SHAPE, CLASSIFICATION),
        viewer_module="viewers.slide.slide_viewer",
    ),
)
for _spec in BUILTIN_MODALITIES:
    register_modality(_spec)
