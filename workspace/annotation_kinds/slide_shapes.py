"""Shapes drawn on a whole slide: regions, lines and counted points, in level-0 pixels.

Layout of ``data`` of a :data:`~workspace.annotation_kinds.names.SLIDE_SHAPE` annotation:

- ``"shape"``: what the user drew — ``point``, ``line``, ``rectangle``, ``ellipse``,
  ``polygon`` or ``multipolygon`` (freehand and brush strokes are polygons);
- ``"geometry"``: a GeoJSON geometry (``Point``, ``MultiPoint``, ``LineString``,
  ``Polygon``, ``MultiPolygon``) in level-0 pixel coordinates, x right and y down, as floats
  kept exactly (sub-pixel). Polygon rings are closed; rings after the first are holes. A
  rectangle is its four-corner polygon and an ellipse its polygon outline; both also keep
  ``"box": [x, y, width, height]`` so that a tool can edit them as drawn;
- optional ``"attributes"`` (checked by the schema) and ``"note"``.

Geometry is checked with shapely (valid rings, no self-crossing); the label is the class.
Union and subtraction of regions are single undo steps (:func:`union_regions`,
:func:`subtract_regions`). shapely is imported inside functions so start-up stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workspace.annotation_kinds.base import (
    ATTRIBUTES,
    AnnotationKindError,
    checked_attributes,
    describe,
)
from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotations import (
    AddAnnotation,
    Annotation,
    AnnotationDocument,
    DeleteAnnotation,
    UpdateAnnotation,
)
from workspace.commands import Command
from workspace.schema import AttributeValue, LabelSchema
from workspace.segmentation.compound import CompoundCommand

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

SHAPE = "shape"
GEOMETRY = "geometry"
BOX = "box"
SHAPES = ("point", "line", "rectangle", "ellipse", "polygon", "multipolygon")
#: Which GeoJSON geometry types each drawn shape may have.
GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "point": ("Point", "MultiPoint"),
    "line": ("LineString",),
    "rectangle": ("Polygon",),
    "ellipse": ("Polygon",),
    "polygon": ("Polygon",),
    "multipolygon": ("MultiPolygon", "Polygon"),
}
REGION_SHAPES = ("rectangle", "ellipse", "polygon", "multipolygon")
#: More vertices than this in one annotation is a hostile or damaged file.
MAX_VERTICES = 2_000_000
#: Coordinates beyond this (pixels) are no slide's (the slide model allows 2**24-wide levels).
MAX_COORDINATE = float(1 << 26)
#: Vertices of an ellipse's outline.
ELLIPSE_VERTICES = 72

Point = tuple[float, float]


# ---------------------------------------------------------------------- checks
def _coordinate(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnnotationKindError(f"{where}: a coordinate must be a number, not {value!r:.40}.")
    number = float(value)
    if not math.isfinite(number) or abs(number) > MAX_COORDINATE:
        raise AnnotationKindError(f"{where}: the coordinate {number!r} is not a slide position.")
    return number


def _position(value: object, where: str, count: list[int]) -> list[float]:
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise AnnotationKindError(f"{where}: a position must be a pair [x, y].")
    count[0] += 1
    if count[0] > MAX_VERTICES:
        raise AnnotationKindError(f"{where}: more than {MAX_VERTICES:,} vertices.")
    return [_coordinate(value[0], where), _coordinate(value[1], where)]


def _positions(value: object, where: str, count: list[int]) -> list[list[float]]:
    if not isinstance(value, list | tuple):
        raise AnnotationKindError(f"{where}: coordinates must be a list of positions.")
    return [_position(p, where, count) for p in value]


def _rings(value: object, where: str, count: list[int]) -> list[list[list[float]]]:
    if not isinstance(value, list | tuple) or not value:
        raise AnnotationKindError(f"{where}: a polygon must be a list of rings.")
    rings = [_positions(ring, where, count) for ring in value]
    for ring in rings:
        if len(ring) < 4 or ring[0] != ring[-1]:
            raise AnnotationKindError(
                f"{where}: a polygon ring must be closed and have at least 4 positions."
            )
    return rings


def checked_geometry(value: object, where: str = "geometry") -> dict[str, Any]:
    """A GeoJSON geometry of a slide shape, its coordinates as floats (AnnotationKindError
    for a wrong type, NaN, infinities, open rings, absurd sizes or invalid polygons)."""
    if not isinstance(value, Mapping):
        raise AnnotationKindError(f"{where}: the geometry must be a GeoJSON object.")
    kind, raw = value.get("type"), value.get("coordinates")
    count = [0]
    coordinates: Any
    if kind == "Point":
        coordinates = _position(raw, where, count)
    elif kind in ("MultiPoint", "LineString"):
        coordinates = _positions(raw, where, count)
        if not coordinates or (kind == "LineString" and len(coordinates) < 2):
            raise AnnotationKindError(f"{where}: a {kind} needs more positions.")
    elif kind == "Polygon":
        coordinates = _rings(raw, where, count)
    elif kind == "MultiPolygon":
        if not isinstance(raw, list | tuple) or not raw:
            raise AnnotationKindError(f"{where}: a MultiPolygon must be a list of polygons.")
        coordinates = [_rings(polygon, where, count) for polygon in raw]
    else:
        raise AnnotationKindError(
            f"{where}: the geometry type {kind!r:.40} is not one Caliper draws on a slide "
            "(Point, MultiPoint, LineString, Polygon, MultiPolygon)."
        )
    geometry = {"type": kind, "coordinates": coordinates}
    if kind in ("Polygon", "MultiPolygon"):
        from shapely import validation

        shape = shapely_geometry(geometry)
        if not shape.is_valid:
            raise AnnotationKindError(
                f"{where}: the polygon is not valid ({validation.explain_validity(shape)})."
            )
    return geometry


def geometry_of(annotation: Annotation) -> dict[str, Any]:
    """The checked GeoJSON geometry of a slide shape."""
    return checked_geometry(annotation.data.get(GEOMETRY), describe(annotation))


def shape_of(annotation: Annotation) -> str:
    """What the user drew (``polygon``, ``point``...)."""
    shape = annotation.data.get(SHAPE)
    if shape not in SHAPES:
        raise AnnotationKindError(f"{describe(annotation)}: unknown shape {shape!r:.40}.")
    return str(shape)


def check_shape(annotation: Annotation) -> None:
    """Raise AnnotationKindError if ``annotation`` is no valid slide shape."""
    if annotation.kind != SLIDE_SHAPE:
        raise AnnotationKindError(f"{describe(annotation)} is not a slide shape.")
    if not annotation.label:
        raise AnnotationKindError(f"{describe(annotation)}: a slide shape needs a class.")
    geometry = geometry_of(annotation)
    if geometry["type"] not in GEOMETRY_TYPES[shape_of(annotation)]:
        raise AnnotationKindError(
            f"{describe(annotation)}: a {annotation.data[SHAPE]} cannot be a {geometry['type']}."
        )


# ---------------------------------------------------------------------- shapely
def shapely_geometry(geometry: Mapping[str, Any]) -> BaseGeometry:
    """The shapely geometry of a GeoJSON geometry."""
    from shapely.geometry import shape

    return shape(geometry)


def geojson_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    """A shapely geometry as GeoJSON with lists and floats (as :func:`checked_geometry`)."""
    from shapely.geometry import mapping

    def lists(value: Any) -> Any:
        if isinstance(value, list | tuple):
            if value and isinstance(value[0], int | float):
                return [float(v) for v in value[:2]]
            return [lists(v) for v in value]
        return value

    found = mapping(geometry)
    return {"type": found["type"], "coordinates": lists(found["coordinates"])}


def region_geometry(annotation: Annotation) -> BaseGeometry:
    """The shapely (Multi)Polygon of a region (AnnotationKindError for points and lines)."""
    check_shape(annotation)
    if annotation.data[SHAPE] not in REGION_SHAPES:
        raise AnnotationKindError(
            f"{describe(annotation)} is a {annotation.data[SHAPE]}, not a region."
        )
    return shapely_geometry(annotation.data[GEOMETRY])


def scaled(geometry: BaseGeometry, mpp: tuple[float, float]) -> BaseGeometry:
    """``geometry`` in micrometres, given the slide's (x, y) micrometres per pixel."""
    from shapely import affinity

    return affinity.scale(geometry, xfact=mpp[0], yfact=mpp[1], origin=(0, 0))


def area_um2(annotation: Annotation, mpp: tuple[float, float]) -> float:
    """A region's area in µm² (holes taken out)."""
    return float(region_geometry(annotation).area) * mpp[0] * mpp[1]


def length_um(annotation: Annotation, mpp: tuple[float, float]) -> float:
    """A line's length, or a region's perimeter (holes included), in µm."""
    check_shape(annotation)
    return float(scaled(shapely_geometry(annotation.data[GEOMETRY]), mpp).length)


def point_count(annotation: Annotation) -> int:
    """How many points a point annotation holds (0 for other shapes)."""
    geometry = geometry_of(annotation)
    if geometry["type"] == "Point":
        return 1
    return len(geometry["coordinates"]) if geometry["type"] == "MultiPoint" else 0


# ---------------------------------------------------------------------- constructors
def slide_shape(
    item_id: str,
    shape: str,
    geometry: Mapping[str, Any],
    label: str,
    *,
    box: Sequence[float] | None = None,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    data: Mapping[str, Any] | None = None,
    author: str = "",
) -> Annotation:
    """A checked slide shape of class ``label`` (AnnotationKindError if it is not valid)."""
    if not label or not label.strip():
        raise AnnotationKindError(f"a slide {shape} needs a class.")
    checked = checked_attributes(schema, label, attributes or {})
    merged: dict[str, Any] = {**(data or {}), SHAPE: shape, GEOMETRY: checked_geometry(geometry)}
    if box is not None:
        merged[BOX] = [_coordinate(v, "box") for v in box]
    if checked:
        merged[ATTRIBUTES] = checked
    annotation = Annotation(item_id, SLIDE_SHAPE, label, merged, author=author)
    if shape not in SHAPES:
        raise AnnotationKindError(f"unknown slide shape {shape!r:.40}.")
    check_shape(annotation)
    return annotation


def points(item_id: str, positions: Sequence[Point], label: str, **kw: Any) -> Annotation:
    """Counted points of one class (one cell, or many as a MultiPoint)."""
    geometry: dict[str, Any] = (
        {"type": "Point", "coordinates": list(positions[0])}
        if len(positions) == 1
        else {"type": "MultiPoint", "coordinates": [list(p) for p in positions]}
    )
    return slide_shape(item_id, "point", geometry, label, **kw)


def line(item_id: str, positions: Sequence[Point], label: str, **kw: Any) -> Annotation:
    """A polyline through ``positions`` (a measured distance)."""
    geometry = {"type": "LineString", "coordinates": [list(p) for p in positions]}
    return slide_shape(item_id, "line", geometry, label, **kw)


def _ring(positions: Iterable[Point]) -> list[list[float]]:
    ring = [[float(x), float(y)] for x, y in positions]
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def polygon(
    item_id: str,
    exterior: Sequence[Point],
    label: str,
    holes: Sequence[Sequence[Point]] = (),
    **kw: Any,
) -> Annotation:
    """A polygon (freehand outline) with optional holes; rings are closed for you."""
    rings = [_ring(exterior), *(_ring(hole) for hole in holes)]
    return slide_shape(item_id, "polygon", {"type": "Polygon", "coordinates": rings}, label, **kw)


def rectangle(
    item_id: str, x: float, y: float, width: float, height: float, label: str, **kw: Any
) -> Annotation:
    """An axis-aligned rectangle from its top-left corner."""
    if not (width > 0 and height > 0):
        raise AnnotationKindError("a rectangle needs a width and height above 0.")
    corners = [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
    ring = {"type": "Polygon", "coordinates": [_ring(corners)]}
    return slide_shape(item_id, "rectangle", ring, label, box=(x, y, width, height), **kw)


def ellipse_outline(x: float, y: float, width: float, height: float) -> list[Point]:
    """The outline of the ellipse inside box ``(x, y, width, height)``."""
    cx, cy, rx, ry = x + width / 2, y + height / 2, width / 2, height / 2
    return [
        (
            cx + rx * math.cos(2 * math.pi * i / ELLIPSE_VERTICES),
            cy + ry * math.sin(2 * math.pi * i / ELLIPSE_VERTICES),
        )
        for i in range(ELLIPSE_VERTICES)
    ]


def ellipse(
    item_id: str, x: float, y: float, width: float, height: float, label: str, **kw: Any
) -> Annotation:
    """The ellipse inside box ``(x, y, width, height)``, kept as its outline polygon."""
    if not (width > 0 and height > 0):
        raise AnnotationKindError("an ellipse needs a width and height above 0.")
    ring = {"type": "Polygon", "coordinates": [_ring(ellipse_outline(x, y, width, height))]}
    return slide_shape(item_id, "ellipse", ring, label, box=(x, y, width, height), **kw)


def region(item_id: str, geometry: BaseGeometry, label: str, **kw: Any) -> Annotation:
    """A polygon or multipolygon region from a shapely geometry (a brush stroke, a union)."""
    found = geojson_geometry(geometry)
    shape = "multipolygon" if found["type"] == "MultiPolygon" else "polygon"
    if found["type"] not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise AnnotationKindError("a region must be a non-empty polygon.")
    return slide_shape(item_id, shape, found, label, **kw)


# ---------------------------------------------------------------------- commands
def _reshaped(annotation: Annotation, geometry: BaseGeometry) -> dict[str, Any]:
    """``annotation``'s data with a new region geometry (no longer a rectangle/ellipse)."""
    if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise AnnotationKindError(f"{describe(annotation)}: nothing of the region would be left.")
    found = checked_geometry(geojson_geometry(geometry), describe(annotation))
    data = {k: v for k, v in annotation.data.items() if k != BOX}
    data[GEOMETRY] = found
    data[SHAPE] = "multipolygon" if found["type"] == "MultiPolygon" else "polygon"
    return data


def _regions(document: AnnotationDocument, ids: Iterable[str], least: int) -> list[Annotation]:
    picked = [document.get(i) for i in dict.fromkeys(ids) if i in document]
    if len(picked) < least:
        raise AnnotationKindError(f"choose at least {least} regions.")
    for annotation in picked:
        region_geometry(annotation)
    return picked


def union_regions(document: AnnotationDocument, ids: Iterable[str]) -> Command:
    """One undo step merging the regions ``ids`` into the first (its class and attributes)."""
    from shapely import union_all

    first, *rest = _regions(document, ids, 2)
    merged = union_all([region_geometry(a) for a in (first, *rest)])
    parts: list[Command] = [UpdateAnnotation(document, first.id, data=_reshaped(first, merged))]
    parts += [DeleteAnnotation(document, a.id) for a in rest]
    return CompoundCommand(f"merge {len(rest) + 1} regions", parts)


def subtract_regions(document: AnnotationDocument, ids: Iterable[str]) -> Command:
    """One undo step cutting the other regions out of the first and removing them (as
    QuPath's *Subtract* does); a region cut in two becomes a multipolygon."""
    from shapely import union_all

    first, *rest = _regions(document, ids, 2)
    cut = region_geometry(first).difference(union_all([region_geometry(a) for a in rest]))
    parts: list[Command] = [UpdateAnnotation(document, first.id, data=_reshaped(first, cut))]
    parts += [DeleteAnnotation(document, a.id) for a in rest]
    return CompoundCommand(f"subtract {len(rest)} region(s)", parts)


def add_shape(document: AnnotationDocument, annotation: Annotation) -> Command:
    """Add a checked slide shape (the drawing tools' one way in)."""
    check_shape(annotation)
    return AddAnnotation(document, annotation)


def move_vertex(
    document: AnnotationDocument, annotation_id: str, path: Sequence[int], to: Point
) -> Command:
    """Move one vertex: ``path`` indexes into ``geometry["coordinates"]`` down to a position
    (``[ring, vertex]`` for a polygon); a ring's closing vertex moves with its first."""
    annotation = document.get(annotation_id)
    geometry = geometry_of(annotation)
    coordinates: Any = geometry["coordinates"]
    try:
        parent = coordinates
        for index in path[:-1]:
            parent = parent[index]
        parent[path[-1]] = [float(to[0]), float(to[1])]
        if geometry["type"] in ("Polygon", "MultiPolygon") and path[-1] in (0, len(parent) - 1):
            parent[0] = parent[-1] = [float(to[0]), float(to[1])]
    except (IndexError, TypeError):
        raise AnnotationKindError(f"{describe(annotation)} has no vertex {list(path)}.") from None
    data = {k: v for k, v in annotation.data.items() if k != BOX}
    data[GEOMETRY] = checked_geometry(geometry, describe(annotation))
    if data[SHAPE] in ("rectangle", "ellipse"):
        data[SHAPE] = "polygon"
    return UpdateAnnotation(document, annotation_id, data=data)


def grow_region(
    document: AnnotationDocument, annotation_id: str, geometry: BaseGeometry, *, cut: bool = False
) -> Command:
    """One undo step adding ``geometry`` to a region (a brush stroke over it), or cutting it
    out when ``cut`` (an eraser)."""
    annotation = document.get(annotation_id)
    current = region_geometry(annotation)
    changed = current.difference(geometry) if cut else current.union(geometry)
    return UpdateAnnotation(document, annotation_id, data=_reshaped(annotation, changed))
