"""3D boxes, landmarks, rulers and the volume-level classification, as annotations.

Each helper validates its label and attributes against the label schema and returns an
:class:`~workspace.annotations.Annotation` to push with
:class:`~workspace.annotations.AddAnnotation` on the item's stack. Points are continuous array
indices ``(k, j, i)``; patient coordinates (LPS, mm) are stored beside them, and ruler ``start``
and ``end`` and the classification's ``finding`` and ``attributes`` are what
:mod:`workspace.export.measurement_report` reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from workspace.annotation_kinds.names import BOX3D, CLASSIFICATION, LANDMARK, RULER
from workspace.annotations import Annotation
from workspace.schema import AttributeValue, AttributeValueError, LabelSchema
from workspace.volume.geometry import VolumeGeometry

#: A continuous array index ``(k, j, i)``.
Point = Sequence[float]


def lps(geometry: VolumeGeometry, point: Point) -> list[float]:
    """Patient coordinates (LPS, mm) of the array index ``(k, j, i)``."""
    k, j, i = (float(v) for v in point)
    return [float(v) for v in geometry.index_to_lps([i, j, k])]


def _json(value: AttributeValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _attributes(
    schema: LabelSchema | None, label: str | None, attributes: Mapping[str, AttributeValue]
) -> dict[str, Any]:
    """Check the label and attributes against the schema; the attributes as JSON values."""
    if schema is not None:
        if label is not None:
            schema.class_named(label)
        for name, value in attributes.items():
            schema.check_attribute(name, value, label)
    return {name: _json(value) for name, value in attributes.items()}


def _check_inside(geometry: VolumeGeometry, *points: Point) -> None:
    for point in points:
        if len(point) != 3 or not all(
            -0.5 <= float(v) <= n - 0.5 for v, n in zip(point, geometry.shape, strict=True)
        ):
            raise ValueError(f"point {tuple(point)} lies outside the volume {geometry.shape}")


def box3d(
    item_id: str,
    geometry: VolumeGeometry,
    corner: Sequence[int],
    opposite: Sequence[int],
    label: str | None = None,
    *,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    author: str = "",
) -> Annotation:
    """A box of voxels from ``corner`` to ``opposite`` (array indices, both included)."""
    _check_inside(geometry, corner, opposite)
    low = [min(int(a), int(b)) for a, b in zip(corner, opposite, strict=True)]
    high = [max(int(a), int(b)) for a, b in zip(corner, opposite, strict=True)]
    si, sj, sk = geometry.spacing
    size = [(h - lo + 1) * s for lo, h, s in zip(low, high, (sk, sj, si), strict=True)]
    data = {
        "min_kji": low,
        "max_kji": high,
        "corners": [lps(geometry, [v - 0.5 for v in low]), lps(geometry, [v + 0.5 for v in high])],
        "size_mm_kji": size,
        "volume_ml": float(np.prod(size)) / 1000.0,
        "attributes": _attributes(schema, label, attributes or {}),
    }
    return Annotation(item_id, BOX3D, label, data, author=author)


def landmark(
    item_id: str,
    geometry: VolumeGeometry,
    point: Point,
    label: str | None = None,
    *,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    author: str = "",
) -> Annotation:
    """A named point."""
    _check_inside(geometry, point)
    data = {
        "point_kji": [float(v) for v in point],
        "point": lps(geometry, point),
        "attributes": _attributes(schema, label, attributes or {}),
    }
    return Annotation(item_id, LANDMARK, label, data, author=author)


def ruler(
    item_id: str,
    geometry: VolumeGeometry,
    start: Point,
    end: Point,
    label: str | None = None,
    *,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    author: str = "",
) -> Annotation:
    """A length between two points, measured in millimetres in patient space."""
    _check_inside(geometry, start, end)
    start_lps, end_lps = lps(geometry, start), lps(geometry, end)
    data = {
        "start": start_lps,
        "end": end_lps,
        "start_kji": [float(v) for v in start],
        "end_kji": [float(v) for v in end],
        "length_mm": math.dist(start_lps, end_lps),
        "attributes": _attributes(schema, label, attributes or {}),
    }
    return Annotation(item_id, RULER, label, data, author=author)


def classification(
    item_id: str,
    schema: LabelSchema,
    values: Mapping[str, AttributeValue],
    *,
    author: str = "",
) -> Annotation:
    """The study-level labels (finding, severity, laterality, certainty...) of a volume.

    Every value must be an item-level attribute of the schema; ``finding`` is required.
    """
    for name in values:
        attribute = schema.attribute_named(name)
        if not attribute.applies(None):
            raise AttributeValueError(
                f"attribute {name!r} in schema {schema.id} describes a label, not the study"
            )
    checked = _attributes(schema, None, values)
    if "finding" not in checked:
        raise AttributeValueError("a classification needs a finding")
    finding = checked.pop("finding")
    data = {"finding": finding, "attributes": checked}
    return Annotation(item_id, CLASSIFICATION, None, data, author=author)
