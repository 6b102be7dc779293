"""QuPath GeoJSON read back onto a slide (as :mod:`workspace.export.geojson` writes it).

A ``FeatureCollection`` (or one ``Feature``, or a list of features, as QuPath also writes)
whose features each become a slide shape: ``Point``/``MultiPoint`` counted points,
``LineString`` a line, ``Polygon`` and ``MultiPolygon`` regions with their holes. The class is
``properties.classification.name`` (a class of the item's schema; ``"name"`` on its own as
older QuPath writes it is also read) and its colour is kept; other properties are kept to be
written back. Coordinates must be finite numbers (``NaN`` is refused) and polygons valid;
files over :data:`MAX_BYTES` are refused before they are parsed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError
from workspace.annotation_kinds.slide_shapes import slide_shape
from workspace.annotations import Annotation
from workspace.export.geojson import COLOR, FEATURE_ID, FORMAT, PROPERTIES, SUFFIXES

#: A larger GeoJSON file is refused unread (QuPath's exports of 100,000 cells are ~100 MB).
MAX_BYTES = 512 * 1024 * 1024
_SHAPES = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "multipolygon",
}
_OWN_PROPERTIES = ("classification", "objectType", ATTRIBUTES)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number GeoJSON allows")


def _features(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        if isinstance(features, list):
            return features
    if isinstance(document, dict) and document.get("type") == "Feature":
        return [document]
    raise ValueError("it is not a GeoJSON FeatureCollection")


def _class(properties: dict[str, Any], target: ImportTarget) -> tuple[str, list[int] | None]:
    classification = properties.get("classification")
    name: object = None
    color: object = None
    if isinstance(classification, dict):
        name, color = classification.get("name"), classification.get("color")
    elif isinstance(classification, str):
        name = classification
    if not isinstance(name, str) or not name:
        raise ValueError("it has no classification name")
    if name not in target.schema.class_names:
        raise ValueError(
            f"its class {name!r:.60} is not in the schema ({', '.join(target.schema.class_names)})"
        )
    if (
        isinstance(color, list)
        and len(color) == 3
        and all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in color)
    ):
        return name, list(color)
    return name, None


def _shape(feature: object, target: ImportTarget, path: Path) -> Annotation:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("it is not a GeoJSON Feature")
    geometry = feature.get("geometry")
    properties = feature.get("properties") or {}
    if not isinstance(geometry, dict) or not isinstance(properties, dict):
        raise ValueError("its geometry or properties are not objects")
    shape = _SHAPES.get(str(geometry.get("type")))
    if shape is None:
        raise ValueError(f"its geometry type {geometry.get('type')!r:.40} is not one Caliper reads")
    label, color = _class(properties, target)
    attributes = properties.get(ATTRIBUTES)
    if attributes is not None and not isinstance(attributes, dict):
        raise ValueError("its attributes are not an object")
    data: dict[str, Any] = {}
    kept = {k: v for k, v in properties.items() if k not in _OWN_PROPERTIES}
    if kept:
        data[PROPERTIES] = kept
    if properties.get("objectType", "annotation") != "annotation":
        data.setdefault(PROPERTIES, {})["objectType"] = properties["objectType"]
    if color is not None:
        data[COLOR] = color
    if isinstance(feature.get("id"), str | int) and not isinstance(feature.get("id"), bool):
        data[FEATURE_ID] = feature["id"]
    return slide_shape(
        target.item.id,
        shape,
        geometry,
        label,
        schema=target.schema,
        attributes=attributes,
        data=target.data(data, path, FORMAT),
        author=target.user,
    )


class GeoJsonImporter:
    """``geojson``: QuPath annotations onto a slide."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """Claim ``.geojson`` files (and ``.json`` ones that start like GeoJSON)."""
        name = path.name.lower()
        if name.endswith(".geojson"):
            return True
        if not name.endswith(".json"):
            return False
        with path.open("rb") as handle:
            head = handle.read(4096)
        return b'"Feature' in head

    def siblings(self, data_file: Path) -> list[Path]:
        """``case.geojson`` beside ``case.svs``."""
        candidate = data_file.with_suffix(SUFFIXES[0])
        return [candidate] if candidate != data_file and candidate.is_file() else []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """One slide shape per feature."""
        try:
            if path.stat().st_size > MAX_BYTES:
                raise AnnotationImportError(
                    f"{path.name}: larger than {MAX_BYTES // (1024 * 1024)} MB; not read."
                )
            document = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
            features = _features(document)
        except AnnotationImportError:
            raise
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            text = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise AnnotationImportError(
                f"{path.name}: not a readable GeoJSON file ({text})."
            ) from None
        annotations: list[Annotation] = []
        for number, feature in enumerate(features, start=1):
            try:
                annotations.append(_shape(feature, target, path))
            except (ValueError, AnnotationKindError, RecursionError) as exc:
                text = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
                raise AnnotationImportError(f"{path.name}: feature {number}: {text}.") from None
        if not annotations:
            raise AnnotationImportError(f"{path.name}: holds no features.")
        return ReadAnnotations(annotations)


register_annotation_importer(GeoJsonImporter())
