"""A slide's shapes as QuPath-compatible GeoJSON (``File > Export objects as GeoJSON``).

A ``FeatureCollection`` with one ``Feature`` per shape, as QuPath writes and reads it::

    {"type": "Feature", "id": "<uuid>",
     "geometry": {"type": "Polygon", "coordinates": [[[x, y], ...], [hole...]]},
     "properties": {"objectType": "annotation",
                    "classification": {"name": "tumour", "color": [200, 0, 30]}}}

Coordinates are level-0 pixels written exactly as stored (floats printed by :func:`repr`, so
sub-pixel positions come back bit for bit); holes are a polygon's rings after the first and
counted points a ``MultiPoint`` (or a ``Point``). The colour is the one read from a file, else
the schema class's. Properties read from a file (``isLocked``, ``name``, ``measurements``...)
are written back as they were; Caliper's attributes are the ``attributes`` property.
Suggestions are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workspace.annotation_kinds.base import ATTRIBUTES
from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import check_shape
from workspace.annotation_kinds.suggestions import is_suggestion
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema
from workspace.schema import LabelSchema

FORMAT = "geojson"
SUFFIXES = (".geojson", ".json")
#: ``data`` keys of what a GeoJSON file held beyond the geometry, written back as read.
FEATURE_ID = "feature_id"
PROPERTIES = "properties"
COLOR = "color"


def slide_shapes(annotations: Sequence[Annotation]) -> list[Annotation]:
    """The checked slide shapes among ``annotations``, suggestions left out."""
    found = [a for a in annotations if a.kind == SLIDE_SHAPE and not is_suggestion(a)]
    for annotation in found:
        check_shape(annotation)
    return found


def feature(annotation: Annotation, schema: LabelSchema) -> dict[str, Any]:
    """One shape as a QuPath GeoJSON feature."""
    label = annotation.label or ""
    color = annotation.data.get(COLOR)
    if not isinstance(color, list):
        known = label in schema.class_names
        color = list(schema.class_named(label).rgb) if known else [128, 128, 128]
    properties: dict[str, Any] = {"objectType": "annotation"}
    stored = annotation.data.get(PROPERTIES)
    if isinstance(stored, dict):
        properties.update(stored)
    properties["classification"] = {"name": label, "color": color}
    if annotation.data.get(ATTRIBUTES):
        properties[ATTRIBUTES] = annotation.data[ATTRIBUTES]
    return {
        "type": "Feature",
        "id": str(annotation.data.get(FEATURE_ID, annotation.id)),
        "geometry": annotation.data["geometry"],
        "properties": properties,
    }


def feature_collection(annotations: Sequence[Annotation], schema: LabelSchema) -> dict[str, Any]:
    """The FeatureCollection of the slide shapes (ExportError if there are none)."""
    shapes = slide_shapes(annotations)
    if not shapes:
        raise ExportError("There are no slide regions or points to write.")
    return {"type": "FeatureCollection", "features": [feature(a, schema) for a in shapes]}


class GeoJsonExporter:
    """``geojson``: a slide's regions and points for QuPath and GIS tools."""

    format_id = FORMAT
    result_file: str | None = "annotations.geojson"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.geojson``)."""
        require_suffix(out, "GeoJSON", SUFFIXES)
        shapes = slide_shapes(source.annotations)
        check_schema(source.schema, shapes)
        text = json.dumps(feature_collection(shapes, source.schema), allow_nan=False)
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
        return [out]


register_exporter(GeoJsonExporter())
