"""Praat TextGrids read back onto a recording (through ``praatio``).

Each interval tier's non-empty intervals become intervals in seconds: a tier named
``"<class> <speaker>"`` (as :mod:`workspace.export.textgrid` writes speaker turns) gives the
class as label and the speaker as ``speaker_id``; any other tier name is the label. An
interval's text is its ``transcript`` unless it merely repeats the label. A tier named
``"<tier>: <attribute>"`` after an attribute of the schema (as the export writes dialogue acts,
SOAP sections...) gives that attribute to the interval of ``<tier>`` at the same times. Point
tiers give points labelled with their marks. Times must lie inside the recording.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.signal_marks import time_interval, time_point
from workspace.annotations import Annotation
from workspace.export.base import ExportError
from workspace.export.textgrid import (
    ATTRIBUTE_TIER_SEPARATOR,
    TEXTGRID_SUFFIX,
    recording_seconds,
    value_of,
)
from workspace.schema import AttributeValue, LabelSchema

if TYPE_CHECKING:
    from praatio.textgrid import Textgrid

FORMAT = "textgrid"
#: Slack allowed past the recording's end (TextGrid times are printed rounded).
_TOLERANCE_S = 1e-6


def _tier_label(name: str, classes: set[str]) -> tuple[str, str | None]:
    """``(label, speaker)`` of a tier name."""
    if name in classes:
        return name, None
    head, _, speaker = name.partition(" ")
    if head in classes and speaker.strip():
        return head, speaker.strip()
    return name, None


def _attribute_tier(name: str, names: list[str], schema: LabelSchema) -> tuple[str, str] | None:
    """``(tier, attribute)`` when ``name`` is the attribute tier of another tier, else None."""
    tier, separator, attribute = name.rpartition(ATTRIBUTE_TIER_SEPARATOR)
    known = {a.name for a in schema.attributes}
    if separator and tier in names and attribute in known:
        return tier, attribute
    return None


def _attribute_values(
    grid: Textgrid, schema: LabelSchema
) -> tuple[dict[tuple[str, float, float], dict[str, AttributeValue]], set[str]]:
    """The attribute values of the attribute tiers, by ``(tier, start, end)``; and their
    names."""
    names = list(grid.tierNames)
    values: dict[tuple[str, float, float], dict[str, AttributeValue]] = {}
    found: set[str] = set()
    for name in names:
        pair = _attribute_tier(name, names, schema)
        if pair is None:
            continue
        found.add(name)
        tier, attribute = pair
        for start, end, text in grid.getTier(name).entries:
            try:
                value = value_of(schema.attribute_named(attribute), text.strip())
            except ValueError as exc:
                raise AnnotationKindError(f"tier {name!r} at {start} s: {exc}") from None
            values.setdefault((tier, float(start), float(end)), {})[attribute] = value
    return values, found


def _clamped(value: float, duration: float) -> float:
    return duration if duration < value <= duration + _TOLERANCE_S else value


class TextGridImporter:
    """``textgrid``: a Praat TextGrid onto a recording."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """Claim ``.TextGrid`` files."""
        return path.suffix.lower() == TEXTGRID_SUFFIX

    def siblings(self, data_file: Path) -> list[Path]:
        """``visit.TextGrid`` beside ``visit.wav``."""
        return [
            path
            for suffix in (".TextGrid", ".textgrid")
            if (path := data_file.with_suffix(suffix)).is_file() and path != data_file
        ][:1]

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """Intervals and points of every tier of ``path``."""
        from praatio import textgrid

        try:
            duration = recording_seconds(target.item.meta)
        except ExportError:
            duration = None
        try:
            grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
        except Exception as exc:  # noqa: BLE001 - praatio raises many types on a bad file
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise AnnotationImportError(
                f"{path.name}: not a readable TextGrid ({reason})."
            ) from None
        classes = set(target.schema.class_names)
        item_id, user = target.item.id, target.user
        annotations: list[Annotation] = []
        try:
            attributes, attribute_tiers = _attribute_values(grid, target.schema)
            for name in grid.tierNames:
                if name in attribute_tiers:
                    continue
                tier = grid.getTier(name)
                label, speaker = _tier_label(name, classes)
                for entry in tier.entries:
                    data = target.data({}, path, FORMAT)
                    if isinstance(tier, textgrid.IntervalTier):
                        start, end, text = entry
                        given = attributes.get((name, float(start), float(end)), {})
                        if duration is not None:
                            end = _clamped(float(end), duration)
                        annotations.append(
                            time_interval(
                                item_id,
                                float(start),
                                float(end),
                                label,
                                duration_s=duration,
                                speaker=speaker,
                                text=text if text.strip() and text != label else None,
                                schema=target.schema if given else None,
                                attributes=given,
                                data=data,
                                author=user,
                            )
                        )
                    else:
                        time, mark = entry
                        annotations.append(
                            time_point(
                                item_id,
                                float(time),
                                mark,
                                duration_s=duration,
                                data=data,
                                author=user,
                            )
                        )
        except AnnotationKindError as exc:
            raise AnnotationImportError(f"{path.name}: {exc}") from None
        if not annotations:
            raise AnnotationImportError(f"{path.name}: holds no intervals or points.")
        return ReadAnnotations(annotations)


register_annotation_importer(TextGridImporter())
