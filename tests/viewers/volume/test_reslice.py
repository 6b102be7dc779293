"""Slice orientation, window/level and overlay, checked against known arrays (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from viewers.volume.reslice import (
    LABELS,
    View,
    WindowLevel,
    color_table,
    compose,
    slice_frame,
    unpack_rgb,
)
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Segment

SHAPE = (4, 5, 6)  # k, j, i


def _geometry(direction=((1.0, 0, 0), (0, 1.0, 0), (0, 0, 1.0))) -> VolumeGeometry:
    return VolumeGeometry(SHAPE, (0.5, 0.6, 2.0), (0.0, 0.0, 0.0), direction)


def _marked() -> np.ndarray:
    array = np.zeros(SHAPE, dtype=np.int16)
    array[3, 1, 5] = 7  # superior-most slice, anterior row 1, patient-left column 5
    return array


def test_axial_is_seen_from_the_feet() -> None:
    frame = slice_frame(_geometry(), View.AXIAL)
    plane = frame.extract(_marked(), 3)
    assert plane.shape == (5, 6)
    assert plane[1, 5] == 7  # anterior near the top, patient's left on the right
    assert frame.voxel(SHAPE, 3, 1, 5) == (3, 1, 5)
    assert (frame.row_spacing, frame.col_spacing) == (0.6, 0.5)
    assert LABELS[View.AXIAL] == ("A", "P", "R", "L")


def test_coronal_and_sagittal_put_superior_on_top() -> None:
    array = _marked()
    coronal = slice_frame(_geometry(), View.CORONAL)
    plane = coronal.extract(array, 1)
    assert plane.shape == (4, 6)
    assert plane[0, 5] == 7  # k = 3 (superior) is row 0
    assert coronal.voxel(SHAPE, 1, 0, 5) == (3, 1, 5)
    sagittal = slice_frame(_geometry(), View.SAGITTAL)
    plane = sagittal.extract(array, 5)
    assert plane.shape == (4, 5)
    assert plane[0, 1] == 7  # superior top, anterior (j = 1) near the left
    assert sagittal.voxel(SHAPE, 5, 0, 1) == (3, 1, 5)


def test_flipped_axes_still_show_patient_left_on_the_right() -> None:
    flipped = _geometry(((-1.0, 0, 0), (0, 1.0, 0), (0, 0, 1.0)))  # i runs to the patient's right
    frame = slice_frame(flipped, View.AXIAL)
    assert frame.flip_cols
    plane = frame.extract(_marked(), 3)
    assert plane[1, 0] == 7
    assert frame.voxel(SHAPE, 3, 1, 0) == (3, 1, 5)


def test_window_level_lut_matches_the_formula() -> None:
    wl = WindowLevel(400, 40)
    values = np.array([[-1000, -160, 40, 240, 3000]], dtype=np.int16)
    assert wl.apply(values).tolist() == [[0, 0, 127, 255, 255]]
    assert wl.apply(values.astype(np.float32)).tolist() == [[0, 0, 127, 255, 255]]


def test_overlay_blends_visible_segments_only() -> None:
    grey = np.full((2, 2), 100, dtype=np.uint8)
    labels = np.array([[0, 1], [2, 0]], dtype=np.uint8)
    segments = [
        Segment(1, "liver", "#ff0000", opacity=1.0),
        Segment(2, "spleen", "#00ff00", visible=False),
    ]
    rgb = unpack_rgb(compose(grey, labels, color_table(segments)))
    assert rgb[0, 1].tolist() == [255, 0, 0]
    assert rgb[1, 0].tolist() == [100, 100, 100]
    assert rgb[0, 0].tolist() == [100, 100, 100]
    half = unpack_rgb(
        compose(grey, labels, color_table([Segment(1, "liver", "#ff0000", opacity=0.5)]))
    )
    assert half[0, 1].tolist() == pytest.approx([177, 50, 50], abs=1)
