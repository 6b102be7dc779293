"""Slide shapes: typed constructors, shapely checks, µm² areas, union and subtraction."""

from __future__ import annotations

import math

import pytest

from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.slide_shapes import (
    area_um2,
    checked_geometry,
    ellipse,
    length_um,
    line,
    move_vertex,
    points,
    polygon,
    rectangle,
    subtract_regions,
    union_regions,
)
from workspace.annotations import AnnotationDocument
from workspace.schema import load_preset
from workspace.slides.measurements import area_per_class, counts_per_class, measure_shapes

MPP = (0.25, 0.5)


def test_sub_pixel_coordinates_are_kept_exactly() -> None:
    shape = polygon(
        "s", [(0.1, 0.2), (10.123456789012345, 0.3), (5.5, 7.000000000000001)], "tumour"
    )
    ring = shape.data["geometry"]["coordinates"][0]
    assert ring[1] == [10.123456789012345, 0.3] and ring[2] == [5.5, 7.000000000000001]
    assert ring[0] == ring[-1]


def test_area_and_perimeter_in_micrometres_take_holes_out() -> None:
    square = [(0, 0), (100, 0), (100, 100), (0, 100)]
    hole = [(40, 40), (60, 40), (60, 60), (40, 60)]
    shape = polygon("s", square, "tumour", holes=[hole])
    assert area_um2(shape, MPP) == pytest.approx((100 * 100 - 20 * 20) * 0.25 * 0.5)
    ruler = line("s", [(0, 0), (0, 10), (4, 10)], "other")
    assert length_um(ruler, MPP) == pytest.approx(10 * 0.5 + 4 * 0.25)
    oval = ellipse("s", 0, 0, 200, 100, "stroma")
    assert area_um2(oval, (1.0, 1.0)) == pytest.approx(math.pi * 100 * 50, rel=0.01)


def test_measurements_count_points_per_class_and_sum_areas() -> None:
    schema = load_preset("pathology-regions")
    shapes = [
        points("s", [(1.5, 2.5), (3, 4), (5, 6)], "lymphocyte", schema=schema),
        points("s", [(7.25, 8)], "lymphocyte"),
        points("s", [(9, 9)], "mitosis"),
        rectangle("s", 0, 0, 10, 20, "tumour", schema=schema, attributes={"grade": "G2"}),
    ]
    rows = measure_shapes(shapes, MPP)
    assert counts_per_class(rows) == {"lymphocyte": 4, "mitosis": 1}
    assert area_per_class(rows) == {"tumour": pytest.approx(200 * 0.125)}
    assert {r.unit for r in rows} == {"µm"}
    assert measure_shapes(shapes, None)[3].area == 200


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, float("nan")], [1, 1], [0, 0]]]},
            "not a",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}, "valid"),
        ({"type": "GeometryCollection", "geometries": []}, "geometry type"),
        ({"type": "Point", "coordinates": ["1", 2]}, "number"),
        ({"type": "Point", "coordinates": [1e300, 2]}, "not a slide position"),
        ("polygon", "GeoJSON object"),
    ],
)
def test_bad_geometry_is_one_clear_error(geometry: object, message: str) -> None:
    with pytest.raises(AnnotationKindError, match=message):
        checked_geometry(geometry)


def test_schema_classes_and_attributes_are_checked() -> None:
    schema = load_preset("pathology-regions")
    with pytest.raises(AnnotationKindError):
        rectangle("s", 0, 0, 1, 1, "unicorn", schema=schema)
    with pytest.raises(AnnotationKindError):
        rectangle("s", 0, 0, 1, 1, "tumour", schema=schema, attributes={"grade": "G9"})
    with pytest.raises(AnnotationKindError, match="width"):
        rectangle("s", 0, 0, 0, 1, "tumour")


def _document():
    a = rectangle("s", 0, 0, 100, 100, "tumour")
    b = rectangle("s", 50.5, 0, 100, 100, "stroma")
    return AnnotationDocument("s", [a, b]), a, b


def test_union_is_one_undo_step() -> None:
    document, a, b = _document()
    command = union_regions(document, [a.id, b.id])
    command.do()
    assert [x.id for x in document.all()] == [a.id]
    merged = document.get(a.id)
    assert merged.label == "tumour" and merged.data["shape"] == "polygon"
    assert "box" not in merged.data
    assert area_um2(merged, (1, 1)) == pytest.approx(150.5 * 100)
    command.undo()
    assert document.get(a.id) == a and document.get(b.id) == b


def test_subtract_cuts_holes_and_pieces_and_undoes() -> None:
    document, a, b = _document()
    hole = rectangle("s", 20, 20, 10, 10, "other")
    document.put(hole)
    command = subtract_regions(document, [a.id, b.id, hole.id])
    command.do()
    cut = document.get(a.id)
    assert len(document) == 1
    assert len(cut.data["geometry"]["coordinates"]) == 2  # outer ring + hole
    assert area_um2(cut, (1, 1)) == pytest.approx(50.5 * 100 - 100)
    command.undo()
    assert [x.id for x in document.all()][:1] == [a.id] and len(document) == 3
    middle = rectangle("s", 40, -10, 20, 200, "other")
    document.put(middle)
    command = subtract_regions(document, [a.id, middle.id])
    command.do()
    assert document.get(a.id).data["shape"] == "multipolygon"
    everything = rectangle("s", -1, -1, 500, 500, "other")
    document.put(everything)
    with pytest.raises(AnnotationKindError, match="nothing"):
        subtract_regions(document, [b.id, everything.id])
    with pytest.raises(AnnotationKindError, match="at least 2"):
        union_regions(document, [b.id])


def test_points_are_not_regions_for_union() -> None:
    document, a, _ = _document()
    cell = points("s", [(1, 1)], "lymphocyte")
    document.put(cell)
    with pytest.raises(AnnotationKindError, match="not a region"):
        union_regions(document, [a.id, cell.id])


def test_moving_a_vertex_keeps_the_ring_closed_and_undoes() -> None:
    document, a, _ = _document()
    command = move_vertex(document, a.id, [0, 0], (-5.25, -5.5))
    command.do()
    ring = document.get(a.id).data["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == [-5.25, -5.5]
    assert document.get(a.id).data["shape"] == "polygon"
    command.undo()
    assert document.get(a.id) == a
    with pytest.raises(AnnotationKindError, match="valid"):
        move_vertex(document, a.id, [0, 1], (0, 200))
