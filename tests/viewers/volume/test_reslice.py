"""Slice orientation and coordinates, checked against known arrays (no Qt)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from viewers.volume.reslice import (
    View,
    orientation_labels,
    patient_position,
    slice_frame,
    voxel_of_patient,
)
from workspace.volume.geometry import VolumeGeometry

SHAPE = (4, 5, 6)  # k, j, i
IDENTITY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def _geometry(direction=IDENTITY, origin=(0.0, 0.0, 0.0)) -> VolumeGeometry:
    return VolumeGeometry(SHAPE, (0.5, 0.6, 2.0), origin, direction)


def _marked() -> np.ndarray:
    array = np.zeros(SHAPE, dtype=np.int16)
    array[3, 1, 5] = 7  # superior-most slice, anterior row 1, patient-left column 5
    return array


def _screen_direction(geometry: VolumeGeometry, view: View, row: int, col: int) -> np.ndarray:
    """LPS step from display pixel (row, col) to the next one along a row/column."""
    frame = slice_frame(geometry, view)
    index = frame.slice_count // 2

    def lps(r: int, c: int) -> np.ndarray:
        k, j, i = frame.voxel(index, r, c)
        return geometry.index_to_lps([i, j, k])

    return np.stack([lps(row + 1, col) - lps(row, col), lps(row, col + 1) - lps(row, col)])


def test_axial_is_seen_from_the_feet() -> None:
    frame = slice_frame(_geometry(), View.AXIAL)
    plane = frame.extract(_marked(), 3)
    assert plane.shape == (5, 6) == frame.size
    assert plane[1, 5] == 7  # anterior near the top, patient's left on the right
    assert frame.voxel(3, 1, 5) == (3, 1, 5)
    assert frame.pixel((3, 1, 5)) == (3, 1, 5)
    assert (frame.row_spacing, frame.col_spacing) == (0.6, 0.5)
    assert orientation_labels(_geometry(), frame) == ("A", "P", "R", "L")


def test_coronal_and_sagittal_put_superior_on_top() -> None:
    array = _marked()
    coronal = slice_frame(_geometry(), View.CORONAL)
    plane = coronal.extract(array, 1)
    assert plane.shape == (4, 6)
    assert plane[0, 5] == 7  # k = 3 (superior) is row 0
    assert coronal.voxel(1, 0, 5) == (3, 1, 5)
    assert orientation_labels(_geometry(), coronal) == ("S", "I", "R", "L")
    sagittal = slice_frame(_geometry(), View.SAGITTAL)
    plane = sagittal.extract(array, 5)
    assert plane.shape == (4, 5)
    assert plane[0, 1] == 7  # superior top, anterior (j = 1) near the left
    assert sagittal.voxel(5, 0, 1) == (3, 1, 5)
    assert orientation_labels(_geometry(), sagittal) == ("S", "I", "A", "P")


def test_extract_returns_views_not_copies() -> None:
    array = _marked()
    for view in View:
        frame = slice_frame(_geometry(), view)
        assert np.shares_memory(frame.extract(array, 1), array)


def test_flipped_axes_still_show_patient_left_on_the_right() -> None:
    flipped = _geometry(((-1.0, 0, 0), (0, 1.0, 0), (0, 0, 1.0)))  # i runs to the patient's right
    frame = slice_frame(flipped, View.AXIAL)
    assert frame.flip_cols
    plane = frame.extract(_marked(), 3)
    assert plane[1, 0] == 7
    assert frame.voxel(3, 1, 0) == (3, 1, 5)
    assert orientation_labels(flipped, frame) == ("A", "P", "R", "L")


@pytest.mark.parametrize(
    "columns", list(itertools.product(itertools.permutations(range(3)), [1, -1], [1, -1], [1, -1]))
)
def test_every_permuted_and_flipped_grid_keeps_the_radiological_layout(columns) -> None:
    """Whatever the array order, the screen's right is the patient's left (+x) in axial and
    coronal, down is posterior (+y) in axial and inferior (-z) in coronal and sagittal."""
    permutation, *signs = columns
    matrix = np.zeros((3, 3))
    for array_axis, patient_axis in enumerate(permutation):  # column n: direction of i, j, k
        matrix[patient_axis, array_axis] = signs[array_axis]
    geometry = _geometry(tuple(map(tuple, matrix)))
    expected = {  # (down, right) unit LPS directions
        View.AXIAL: ((0, 1, 0), (1, 0, 0)),
        View.CORONAL: ((0, 0, -1), (1, 0, 0)),
        View.SAGITTAL: ((0, 0, -1), (0, 1, 0)),
    }
    for view, (down, right) in expected.items():
        steps = _screen_direction(geometry, view, 0, 0)
        assert np.allclose(steps[0] / np.linalg.norm(steps[0]), down), view
        assert np.allclose(steps[1] / np.linalg.norm(steps[1]), right), view
        frame = slice_frame(geometry, view)
        assert {frame.fixed_axis, frame.row_axis, frame.col_axis} == {0, 1, 2}
        spacing_of = {2: 0.5, 1: 0.6, 0: 2.0}
        assert (frame.row_spacing, frame.col_spacing) == (
            spacing_of[frame.row_axis],
            spacing_of[frame.col_axis],
        )


def test_oblique_volume_uses_the_nearest_axes_and_honest_letters() -> None:
    angle = np.radians(30)  # i and j turned 30 degrees about z
    c, s = np.cos(angle), np.sin(angle)
    geometry = _geometry(((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0)))
    frame = slice_frame(geometry, View.AXIAL)
    assert (frame.fixed_axis, frame.row_axis, frame.col_axis) == (0, 1, 2)
    assert orientation_labels(geometry, frame) == ("A", "P", "R", "L")
    # at 45 degrees each patient axis still gets its own array axis
    half = np.sqrt(0.5)
    diagonal = _geometry(((half, -half, 0.0), (half, half, 0.0), (0.0, 0.0, 1.0)))
    axes = {slice_frame(diagonal, v).fixed_axis for v in View}
    assert axes == {0, 1, 2}


def test_display_size_follows_the_spacing() -> None:
    frame = slice_frame(_geometry(), View.CORONAL)  # rows along k (2 mm), columns along i
    assert frame.size_mm == (8.0, 3.0)
    assert frame.display_size(10.0) == (80, 30)


def test_display_positions_map_to_patient_coordinates() -> None:
    geometry = _geometry(origin=(-10.0, 20.0, 5.0))
    for view in View:
        frame = slice_frame(geometry, view)
        index = 2
        for row, col in ((0, 0), (1, 2), (frame.size[0] - 1, frame.size[1] - 1)):
            k, j, i = frame.voxel(index, row, col)
            centre = patient_position(geometry, frame, index, row + 0.5, col + 0.5)
            assert np.allclose(centre, geometry.index_to_lps([i, j, k]))
            assert voxel_of_patient(geometry, centre) == (k, j, i)
            assert frame.voxel_at(index, row + 0.9, col + 0.1) == (k, j, i)
        assert frame.voxel_at(index, -0.1, 0) is None
        assert frame.voxel_at(index, 0, frame.size[1]) is None
    assert voxel_of_patient(geometry, (1000.0, 0.0, 0.0)) is None
