"""Segment surfaces in patient coordinates, built in blocks and refreshed in blocks (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from viewers.volume.surface import (
    FLOOR,
    LEVEL,
    SegmentSurface,
    block_grid,
    blocks_of_bbox,
    build_blocks,
    build_segment,
    occupied_blocks,
    smooth,
)
from workspace.volume.geometry import VolumeGeometry

BLOCK = 16  # small blocks, so the test volumes span several


def _points(surface: SegmentSurface) -> np.ndarray:
    from vtkmodules.util.numpy_support import vtk_to_numpy

    return vtk_to_numpy(surface.output.GetPoints().GetData()).astype(np.float64)


def _surface(labels: np.ndarray, geometry: VolumeGeometry, value: int) -> SegmentSurface:
    surface = SegmentSurface()
    surface.update(build_segment(labels, geometry, value, BLOCK))
    return surface


def _physical_extent(labels: np.ndarray, geometry: VolumeGeometry, value: int) -> np.ndarray:
    """LPS bounds of the voxels' outer faces (the segment's physical extent)."""
    k, j, i = np.nonzero(labels == value)
    corners = [
        (ii, jj, kk)
        for ii in (i.min() - 0.5, i.max() + 0.5)
        for jj in (j.min() - 0.5, j.max() + 0.5)
        for kk in (k.min() - 0.5, k.max() + 0.5)
    ]
    lps = geometry.index_to_lps(corners)
    return np.stack([lps.min(axis=0), lps.max(axis=0)], axis=1).ravel()


def _box_labels(shape=(30, 40, 36)) -> np.ndarray:
    labels = np.zeros(shape, dtype=np.uint8)
    labels[5:21, 8:30, 4:33] = 2
    labels[10:12, 12:14, 14:16] = 3  # another segment inside
    return labels


@pytest.mark.parametrize(
    "direction",
    [
        ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
        ((-1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.0, -1.0, 0.0)),  # mirrored and permuted
    ],
)
def test_surface_sits_on_the_segment_in_patient_coordinates(direction) -> None:
    geometry = VolumeGeometry((30, 40, 36), (0.7, 0.8, 2.5), (-50.0, 20.0, 100.0), direction)
    labels = _box_labels()
    surface = _surface(labels, geometry, 2)
    extent = _physical_extent(labels, geometry, 2)
    # smoothing rounds the box's edges; its faces stay on the voxels' outer faces
    assert np.allclose(surface.bounds(), extent, atol=0.3)
    assert surface.triangles > 100


def test_normals_point_out_of_the_segment() -> None:
    geometry = VolumeGeometry(
        (24, 24, 24), (1.0, 1.0, 1.0), (0, 0, 0), ((-1.0, 0, 0), (0, 1.0, 0), (0, 0, -1.0))
    )
    k, j, i = np.ogrid[:24, :24, :24]
    labels = (((k - 12) ** 2 + (j - 11) ** 2 + (i - 12.5) ** 2) <= 49).astype(np.uint8)
    from vtkmodules.util.numpy_support import vtk_to_numpy

    surface = _surface(labels, geometry, 1)
    points = _points(surface)
    normals = vtk_to_numpy(surface.output.GetPointData().GetNormals())
    centre = geometry.index_to_lps([12.5, 11, 12])
    outward = np.einsum("ij,ij->i", points - centre, normals)
    assert (outward > 0).all()
    radii = np.linalg.norm(points - centre, axis=1)
    assert radii.min() > 6.0 and radii.max() < 8.0


def test_pieces_meet_exactly_across_block_faces() -> None:
    geometry = VolumeGeometry((30, 40, 36), (1.0, 1.0, 1.0))
    labels = _box_labels()
    pieces = build_segment(labels, geometry, 2, BLOCK)
    assert sum(p is not None for p in pieces.values()) > 4
    surface = SegmentSurface()
    surface.update(pieces)
    from vtkmodules.vtkFiltersCore import vtkCleanPolyData, vtkFeatureEdges

    clean = vtkCleanPolyData()
    clean.SetInputData(surface.output)
    clean.SetTolerance(0.0)
    edges = vtkFeatureEdges()
    edges.SetInputConnection(clean.GetOutputPort())
    edges.BoundaryEdgesOn()
    edges.FeatureEdgesOff()
    edges.NonManifoldEdgesOff()
    edges.ManifoldEdgesOff()
    edges.Update()
    assert edges.GetOutput().GetNumberOfCells() == 0  # closed: no crack between pieces


def test_a_block_refresh_matches_a_full_rebuild() -> None:
    geometry = VolumeGeometry((30, 40, 36), (0.7, 0.8, 2.5))
    labels = _box_labels()
    surface = _surface(labels, geometry, 2)
    bbox = (14, 17, 26, 35, 30, 36)  # a dab sticking out of the box, at the volume's edge
    labels[14:17, 26:35, 30:36] = 2
    keys = blocks_of_bbox(bbox, labels.shape, BLOCK)
    assert len(keys) < len(occupied_blocks(labels, 2, BLOCK))
    surface.update(build_blocks(labels, geometry, 2, keys, BLOCK))
    fresh = _surface(labels, geometry, 2)
    assert surface.triangles == fresh.triangles
    assert np.allclose(surface.bounds(), fresh.bounds())
    ours = np.unique(np.round(_points(surface), 4), axis=0)
    theirs = np.unique(np.round(_points(fresh), 4), axis=0)
    assert np.array_equal(ours, theirs)


def test_erasing_a_segment_empties_its_blocks() -> None:
    geometry = VolumeGeometry((30, 40, 36), (1.0, 1.0, 1.0))
    labels = _box_labels()
    surface = _surface(labels, geometry, 3)
    assert surface.triangles > 0
    labels[labels == 3] = 2
    surface.update(
        build_blocks(
            labels,
            geometry,
            3,
            blocks_of_bbox((10, 12, 12, 14, 14, 16), labels.shape, BLOCK),
            BLOCK,
        )
    )
    assert surface.triangles == 0
    assert occupied_blocks(labels, 3, BLOCK) == set()


def test_one_painted_slice_shows_in_3d() -> None:
    geometry = VolumeGeometry((20, 30, 30), (0.7, 0.7, 5.0))
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    labels[10, 5:25, 8:20] = 1
    surface = _surface(labels, geometry, 1)
    x0, x1, _, _, z0, z1 = surface.bounds()
    assert surface.triangles > 0
    assert 0.5 < z1 - z0 < 5.0  # thinner than its 5 mm voxels, but there
    assert x1 - x0 == pytest.approx(12 * 0.7, abs=0.7)  # within half a voxel a side
    labels[10] = 0
    labels[2:18, 15, 15] = 1  # a one-voxel line, as a small vessel
    line = _surface(labels, geometry, 1)
    x0, x1, y0, y1, z0, z1 = line.bounds()
    assert line.triangles > 0
    assert max(x1 - x0, y1 - y0) < 0.7 < z1 - z0


def test_grid_and_smoothing_arithmetic() -> None:
    assert block_grid((30, 40, 36), BLOCK) == (3, 3, 3)
    mask = np.zeros((9, 9, 9), dtype=np.uint16)
    mask[4, 4, 4] = 1
    field = smooth(mask)
    assert field.shape == (5, 5, 5)
    assert field[2, 2, 2] == FLOOR > LEVEL  # a lone voxel keeps a (small) surface
    assert field.sum() == 16**3 - 6**3 + FLOOR
    assert blocks_of_bbox((0, 0, 0, 1, 0, 1), (30, 40, 36), BLOCK) == set()
