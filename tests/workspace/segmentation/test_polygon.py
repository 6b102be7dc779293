"""Polygon measurements: area in patient space, the voxels inside on any slice axis."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workspace.segmentation.measurements import polygon, polygon_key, polygon_values
from workspace.volume.geometry import VolumeGeometry

GEOMETRY = VolumeGeometry((6, 10, 12), (0.5, 0.7, 2.0), (1.0, 2.0, 3.0), np.eye(3).tolist())
VOXELS = np.arange(6 * 10 * 12, dtype=np.int16).reshape(6, 10, 12)


def test_an_axial_rectangle_s_area_and_values() -> None:
    made = polygon("item", GEOMETRY, [(2, 1, 1), (2, 1, 4), (2, 3, 4), (2, 3, 1)], voxels=VOXELS)
    assert made.data["axis"] == 0 and made.data["slice"] == 2
    assert made.data["area_mm2"] == pytest.approx(3 * 0.5 * 2 * 0.7)
    inside = VOXELS[2, 1:4, 1:5]  # centres on the outline count
    assert made.data["values"] == {
        "count": inside.size,
        "mean": pytest.approx(inside.mean()),
        "min": float(inside.min()),
        "max": float(inside.max()),
    }
    assert np.allclose(made.data["points"][0], GEOMETRY.index_to_lps([1, 1, 2]))


def test_a_sagittal_triangle_reads_its_own_slice() -> None:
    made = polygon("item", GEOMETRY, [(0, 1, 3), (5, 1, 3), (5, 8, 3)], voxels=VOXELS)
    assert made.data["axis"] == 2 and made.data["slice"] == 3
    # row k spans j = 1 .. 1 + 1.4 k: 1 + 2 + 3 + 5 + 6 + 8 voxels
    expected = [VOXELS[k, j, 3] for k in range(6) for j in range(1, math.floor(1 + 1.4 * k) + 1)]
    values = made.data["values"]
    assert values["count"] == len(expected) == 25
    assert values["mean"] == pytest.approx(np.mean(expected))
    assert made.data["area_mm2"] == pytest.approx(0.5 * 5 * 2.0 * 7 * 0.7)


def test_a_sliver_between_pixel_centres_has_no_values() -> None:
    made = polygon("item", GEOMETRY, [(0, 1.2, 3), (0, 1.8, 3), (0, 1.5, 5)], voxels=VOXELS)
    assert made.data["values"] == {"count": 0, "mean": None, "min": None, "max": None}
    assert "values" not in polygon("item", GEOMETRY, [(0, 1, 1), (0, 1, 4), (0, 3, 4)]).data


def test_outside_the_volume_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the volume"):
        polygon("item", GEOMETRY, [(0, 1, 1), (0, 1, 40), (0, 3, 4)])


def test_values_read_apart_are_those_of_the_outline_they_were_read_for() -> None:
    corners = [(0, 1, 3), (5, 1, 3), (5, 8, 3)]
    outline = polygon("item", GEOMETRY, corners)  # placed first, without its values
    assert "values" not in outline.data
    key = polygon_key(outline.data)
    assert key == (2, 3, ((0.0, 1.0, 3.0), (5.0, 1.0, 3.0), (5.0, 8.0, 3.0)))
    values = polygon_values(VOXELS, key)  # as a worker reads them
    assert values == polygon("item", GEOMETRY, corners, voxels=VOXELS).data["values"]
    given = polygon("item", GEOMETRY, corners, values=values)
    assert given.data["values"] == values and given.data["values"] is not values
    moved = polygon("item", GEOMETRY, [(0, 1, 3), (5, 1, 3), (5, 9, 3)])
    assert polygon_key(moved.data) != key


def test_a_crossed_outline_counts_the_voxels_of_both_its_loops() -> None:
    # a bow tie (a vertex dragged across the opposite edge): two triangles touching at (2, 5, 5)
    bow_tie = [(2, 1, 1), (2, 1, 9), (2, 9, 1), (2, 9, 9)]
    made = polygon("item", GEOMETRY, bow_tie)
    assert made.data["area_mm2"] == pytest.approx(2 * 0.5 * 8 * 4 * 0.5 * 0.7)  # two triangles
    values = polygon_values(VOXELS, polygon_key(made.data))
    top = [VOXELS[2, j, i] for j in range(1, 6) for i in range(j, 11 - j)]
    bottom = [VOXELS[2, j, i] for j in range(6, 10) for i in range(10 - j, j + 1)]
    assert values["count"] == len(top) + len(bottom)
    assert values["mean"] == pytest.approx(np.mean(top + bottom))
