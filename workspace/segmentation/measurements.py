"""3D boxes, landmarks, rulers, polygons and the volume-level classification, as annotations.

Each helper validates its label and attributes against the label schema and returns an
:class:`~workspace.annotations.Annotation` to push with
:class:`~workspace.annotations.AddAnnotation` on the item's stack. Points are continuous array
indices ``(k, j, i)``; patient coordinates (LPS, mm) are stored beside them, and ruler ``start``
and ``end`` and the classification's ``finding`` and ``attributes`` are what
:mod:`workspace.export.measurement_report` reads.

A polygon is a closed outline on one slice (of any of the three array axes; a 2D image has one
slice): its vertices, its area in mm² and the count, mean, minimum and maximum of the voxel
values whose centres lie inside it (HU for CT), as OHIF's and ITK-SNAP's ROI statistics. The
statistics cost a pass over the slice (a few hundred ms on a 4k radiograph): a viewer places
the outline first and reads them off its GUI thread with :func:`polygon_values`, for the
outline :func:`polygon_key` names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.annotation_kinds.names import BOX3D, CLASSIFICATION, LANDMARK, POLYGON, RULER
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


def polygon(
    item_id: str,
    geometry: VolumeGeometry,
    points: Sequence[Point],
    label: str | None = None,
    *,
    voxels: npt.NDArray[Any] | None = None,
    values: Mapping[str, float | int | None] | None = None,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    author: str = "",
) -> Annotation:
    """A closed outline through ``points`` (three or more, all in one slice: the same whole
    index along one array axis); with ``voxels``, the statistics of the values inside (or
    ``values``, those statistics read earlier, as :func:`polygon_values` returns them)."""
    if len(points) < 3:
        raise ValueError("a polygon needs at least three points")
    _check_inside(geometry, *points)
    kji = np.asarray(points, dtype=np.float64)
    axis = _slice_axis(kji)
    corners = geometry.index_to_lps(kji[:, ::-1])
    rows, cols = (a for a in range(3) if a != axis)
    origin, *steps = geometry.index_to_lps(np.eye(4, 3)[[3, 2 - rows, 2 - cols]])  # (i, j, k)
    pixel_mm2 = float(np.linalg.norm(np.cross(steps[0] - origin, steps[1] - origin)))
    area = _outline(kji, axis).area * pixel_mm2  # a crossed outline: both its loops
    if area < 1e-9:
        raise ValueError("a polygon's points must enclose an area")
    data: dict[str, Any] = {
        "points_kji": kji.tolist(),
        "points": [[float(v) for v in p] for p in corners],
        "axis": axis,
        "slice": round(float(kji[0, axis])),
        "area_mm2": area,
        "attributes": _attributes(schema, label, attributes or {}),
    }
    if values is not None:
        data["values"] = dict(values)
    elif voxels is not None:
        data["values"] = _values_inside(voxels, kji, axis)
    return Annotation(item_id, POLYGON, label, data, author=author)


#: What names a polygon's outline: its axis, slice and vertices (continuous indices).
PolygonKey = tuple[int, int, tuple[tuple[float, float, float], ...]]


def polygon_key(data: Mapping[str, Any]) -> PolygonKey:
    """The outline of a polygon's ``data``: the statistics inside depend on it alone."""
    points = tuple((float(k), float(j), float(i)) for k, j, i in data["points_kji"])
    return int(data["axis"]), int(data["slice"]), points


def polygon_values(voxels: npt.NDArray[Any], key: PolygonKey) -> dict[str, float | int | None]:
    """Count, mean, min and max of the voxels inside outline ``key`` (a pass over its slice:
    run it off a GUI thread on big images)."""
    axis, _slice, points = key
    return _values_inside(voxels, np.asarray(points, dtype=np.float64), axis)


def _slice_axis(kji: npt.NDArray[np.float64]) -> int:
    """The array axis along which every point has the same whole index (the slice's axis)."""
    for axis in range(3):
        column = kji[:, axis]
        if np.allclose(column, column[0], atol=1e-6) and abs(column[0] - round(column[0])) < 1e-6:
            return axis
    raise ValueError("a polygon's points must all lie in one slice")


def _outline(kji: npt.NDArray[np.float64], axis: int) -> Any:
    """The outline as a shapely geometry in (column, row) indices of its slice; one that crosses
    itself (a vertex dragged over an edge) as the loops it makes."""
    import shapely

    rows, cols = (a for a in range(3) if a != axis)
    return shapely.make_valid(shapely.Polygon(kji[:, [cols, rows]]))


def _values_inside(
    voxels: npt.NDArray[Any], kji: npt.NDArray[np.float64], axis: int
) -> dict[str, float | int | None]:
    """Count, mean, min and max of the voxels of the slice whose centres lie inside the outline
    (or on it): each pixel row's centre line is cut by the polygon (shapely, vectorised), and
    the pixels between the cuts' ends are counted in. No Python loop over the rows: run on a
    worker, it leaves the GIL to the GUI thread most of the time."""
    import shapely

    rows, cols = (a for a in range(3) if a != axis)
    where: list[slice | int] = [slice(None)] * 3
    where[axis] = round(float(kji[0, axis]))
    plane = voxels[tuple(where)]  # (rows, cols), a view
    outline = _outline(kji, axis)
    first = max(int(np.ceil(kji[:, rows].min())), 0)
    last = min(int(np.floor(kji[:, rows].max())), plane.shape[0] - 1)
    left, right = float(kji[:, cols].min()) - 1.0, float(kji[:, cols].max()) + 1.0
    heights = np.arange(first, last + 1, dtype=np.float64)
    ends = np.empty((heights.size, 2, 2))
    ends[:, 0, 0], ends[:, 1, 0], ends[:, :, 1] = left, right, heights[:, None]
    lines = shapely.linestrings(ends)
    parts = shapely.get_parts(shapely.intersection(lines, outline))
    bounds = shapely.bounds(parts) if len(parts) else np.empty((0, 4))
    bounds = bounds[np.isfinite(bounds).all(axis=1)]  # empty parts have none
    row = np.rint(bounds[:, 1]).astype(np.intp)
    start = np.maximum(np.ceil(bounds[:, 0] - 1e-9), 0).astype(np.intp)
    stop = np.minimum(np.floor(bounds[:, 2] + 1e-9), plane.shape[1] - 1).astype(np.intp)
    runs = stop >= start
    row, start, stop = row[runs], start[runs], stop[runs]
    if row.size == 0:
        return {"count": 0, "mean": None, "min": None, "max": None}
    # the runs of each row, within their bounding box: +1 where one begins, -1 after it ends
    top, low = int(row.min()), int(start.min())
    edges = np.zeros((int(row.max()) - top + 1, int(stop.max()) - low + 2), dtype=np.int16)
    np.add.at(edges, (row - top, start - low), 1)
    np.add.at(edges, (row - top, stop - low + 1), -1)
    inside = np.cumsum(edges, axis=1, dtype=np.int16)[:, :-1] > 0
    values = plane[top : top + inside.shape[0], low : low + inside.shape[1]][inside]
    return {
        "count": int(values.size),
        "mean": float(values.mean(dtype=np.float64)),
        "min": float(values.min()),
        "max": float(values.max()),
    }


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
