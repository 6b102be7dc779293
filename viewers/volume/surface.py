"""Segment surfaces for the 3D view, built block by block so an edit rebuilds only its blocks.

Each segment's 0/1 mask is smoothed with a binomial kernel (1, 4, 6, 4, 1) along each axis
(a Gaussian of one voxel's sigma, in exact integer arithmetic, as ITK-SNAP smooths before
meshing) and contoured at half height with ``vtkFlyingEdges3D``, which also gives normals from
the smoothed field's gradient. The marching-cubes cells are cut into blocks of ``BLOCK``³;
a block computes the field over its own cells plus a margin and keeps only the triangles of
its cells, so neighbouring pieces are computed from identical numbers and meet without seams.
After a brush stroke only the blocks around the stroke's bounding box are rebuilt, and the 3D
view appends the pieces of a segment into one mesh. Points are placed in patient coordinates
(LPS mm) through the volume's spacing, origin and direction, so oblique volumes sit right.

Pure logic: VTK and numpy, no Qt; safe on a worker thread (it only reads the label array).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.volume.geometry import VolumeGeometry

BLOCK = 64
KERNEL = 2  # radius of the smoothing kernel in voxels
MARGIN = KERNEL + 1  # cells beyond the volume's edge, so that surfaces close there
FULL = 16**3  # the smoothed field inside a segment (the kernel's weights sum to 16 per axis)
LEVEL = FULL / 2 - 0.5  # the surface: half height
THIN = round(0.4 * FULL)  # a segment's own voxel below this belongs to a thin part ...
FLOOR = round(0.6 * FULL)  # ... and is raised to this
BlockKey = tuple[int, int, int]
BBox = tuple[int, int, int, int, int, int]  # k0, k1, j0, j1, i0, i1 (ends exclusive)


def block_grid(shape: tuple[int, int, int], block: int = BLOCK) -> tuple[int, int, int]:
    """Blocks along each axis. Cells ``c`` (between grid points ``c`` and ``c + 1``) run
    from ``-MARGIN`` to ``n + MARGIN - 2`` on an axis of ``n`` voxels."""
    nk, nj, ni = (math.ceil((n + 2 * MARGIN - 1) / block) for n in shape)
    return nk, nj, ni


def _cells(key: int, size: int, block: int) -> tuple[int, int]:
    low = key * block - MARGIN
    return low, min(low + block, size + MARGIN - 1)


def blocks_of_bbox(bbox: BBox, shape: tuple[int, int, int], block: int = BLOCK) -> set[BlockKey]:
    """Blocks whose surface depends on the voxels in ``bbox`` (ends exclusive)."""
    grid = block_grid(shape, block)
    ranges = []
    for axis in range(3):
        low, high = bbox[2 * axis], bbox[2 * axis + 1]
        if high <= low:
            return set()
        # voxel v moves the field at points v-2..v+2 and their gradients at v-3..v+3: the
        # corners of cells v-4..v+3
        first = (low - KERNEL - 2 + MARGIN) // block
        last = (high - 1 + KERNEL + 1 + MARGIN) // block
        ranges.append(range(max(0, first), min(grid[axis] - 1, last) + 1))
    return {(k, j, i) for k in ranges[0] for j in ranges[1] for i in ranges[2]}


def occupied_blocks(labels: npt.NDArray[Any], value: int, block: int = BLOCK) -> set[BlockKey]:
    """Blocks that may hold part of segment ``value``'s surface (one pass over the labels)."""
    shape = (int(labels.shape[0]), int(labels.shape[1]), int(labels.shape[2]))
    grid = block_grid(shape, block)
    found: set[BlockKey] = set()
    for bk in range(grid[0]):
        k0, k1 = max(0, bk * block - MARGIN), min(shape[0], (bk + 1) * block - MARGIN)
        if k1 <= k0:
            continue
        plane = np.equal(labels[k0:k1], value).any(axis=0)
        padded = np.zeros((grid[1] * block, grid[2] * block), dtype=np.bool_)
        padded[MARGIN : shape[1] + MARGIN, MARGIN : shape[2] + MARGIN] = plane
        coarse = padded.reshape(grid[1], block, grid[2], block).any(axis=(1, 3))
        found.update((bk, int(bj), int(bi)) for bj, bi in zip(*np.nonzero(coarse), strict=True))
    # a voxel reaches a few cells into the neighbouring blocks (see blocks_of_bbox)
    return {
        (bk + dk, bj + dj, bi + di)
        for bk, bj, bi in found
        for dk in (-1, 0, 1)
        for dj in (-1, 0, 1)
        for di in (-1, 0, 1)
        if 0 <= bk + dk < grid[0] and 0 <= bj + dj < grid[1] and 0 <= bi + di < grid[2]
    }


def region_mask(
    labels: npt.NDArray[Any], value: int, low: tuple[int, int, int], high: tuple[int, int, int]
) -> npt.NDArray[np.uint16]:
    """0/1 of ``labels == value`` over voxel indices ``low`` to ``high`` (exclusive) per axis
    ``(k, j, i)``; voxels outside the volume count as background."""
    mask = np.zeros([h - lo for lo, h in zip(low, high, strict=True)], dtype=np.uint16)
    source, target = [], []
    for axis in range(3):
        a, b = max(0, low[axis]), min(int(labels.shape[axis]), high[axis])
        if b <= a:
            return mask
        source.append(slice(a, b))
        target.append(slice(a - low[axis], b - low[axis]))
    mask[tuple(target)] = labels[tuple(source)] == value
    return mask


def smooth(mask: npt.NDArray[np.uint16]) -> npt.NDArray[np.uint16]:
    """The binomial (1, 4, 6, 4, 1) filter along each axis, keeping only fully covered
    points (the result is ``2 * KERNEL`` smaller per axis; values 0..4096).

    Smoothing alone would erase structures thinner than about two voxels (one painted
    slice, a small vessel), so a segment's own voxel whose field fell below ``THIN`` is
    raised to ``FLOOR``: thin parts keep a surface a little thinner than their voxels. The
    boundary voxels of larger segments stay above ``THIN`` (even in the corners of the
    terraces that anisotropic slices make), so their smoothing is left alone.
    """
    field = mask
    for axis in range(3):
        for _ in range(KERNEL):
            size = field.shape[axis]
            parts = []
            for start in range(3):
                index: list[slice] = [slice(None)] * 3
                index[axis] = slice(start, size - 2 + start)
                parts.append(field[tuple(index)])
            field = parts[1] * np.uint16(2)
            field += parts[0]
            field += parts[2]
    own = mask[KERNEL:-KERNEL, KERNEL:-KERNEL, KERNEL:-KERNEL].astype(np.bool_)
    np.putmask(field, own & (field < THIN), np.uint16(FLOOR))
    return field


def _image(field: npt.NDArray[np.uint16], spacing: tuple[float, float, float]) -> Any:
    from vtkmodules.util.numpy_support import numpy_to_vtk
    from vtkmodules.vtkCommonDataModel import vtkImageData

    image = vtkImageData()
    depth, rows, cols = field.shape
    image.SetDimensions(cols, rows, depth)
    image.SetSpacing(*spacing)
    image.GetPointData().SetScalars(numpy_to_vtk(field.ravel(), deep=True))
    return image


def _polydata(points: npt.NDArray[Any], normals: npt.NDArray[Any], tris: npt.NDArray[Any]) -> Any:
    from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray
    from vtkmodules.vtkCommonCore import vtkPoints
    from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData

    poly = vtkPolyData()
    vtk_points = vtkPoints()
    vtk_points.SetData(numpy_to_vtk(np.ascontiguousarray(points, dtype=np.float32), deep=True))
    poly.SetPoints(vtk_points)
    cells = vtkCellArray()
    offsets = np.arange(0, 3 * len(tris) + 1, 3, dtype=np.int64)
    connectivity = np.ascontiguousarray(tris.ravel(), dtype=np.int64)
    cells.SetData(
        numpy_to_vtkIdTypeArray(offsets, deep=True),
        numpy_to_vtkIdTypeArray(connectivity, deep=True),
    )
    poly.SetPolys(cells)
    vtk_normals = numpy_to_vtk(np.ascontiguousarray(normals, dtype=np.float32), deep=True)
    vtk_normals.SetName("Normals")
    poly.GetPointData().SetNormals(vtk_normals)
    return poly


def block_surface(
    labels: npt.NDArray[Any],
    geometry: VolumeGeometry,
    value: int,
    key: BlockKey,
    block: int = BLOCK,
) -> Any | None:
    """The surface piece (``vtkPolyData`` in LPS mm, with normals) of segment ``value`` in
    block ``key``; None when the block holds none of it."""
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D

    cells = [_cells(key[axis], geometry.shape[axis], block) for axis in range(3)]
    # grid points of the cells plus one layer (for gradients), and the kernel's reach
    low = (cells[0][0] - 1 - KERNEL, cells[1][0] - 1 - KERNEL, cells[2][0] - 1 - KERNEL)
    high = (cells[0][1] + 2 + KERNEL, cells[1][1] + 2 + KERNEL, cells[2][1] + 2 + KERNEL)
    mask = region_mask(labels, value, low, high)
    if not mask.any() or mask.all():
        return None
    spacing_ijk = geometry.spacing
    contour = vtkFlyingEdges3D()
    contour.SetInputData(_image(smooth(mask), spacing_ijk))
    contour.SetValue(0, LEVEL)
    contour.ComputeNormalsOn()
    contour.ComputeGradientsOff()
    contour.ComputeScalarsOff()
    contour.Update()
    output = contour.GetOutput()
    if output.GetNumberOfCells() == 0:
        return None
    local = vtk_to_numpy(output.GetPoints().GetData()).astype(np.float64)  # mm from point 0
    tris = vtk_to_numpy(output.GetPolys().GetConnectivityArray()).reshape(-1, 3)
    first_point = np.array([c[0] - 1 for c in reversed(cells)], dtype=np.float64)  # i, j, k
    index = local / np.asarray(spacing_ijk) + first_point
    cell_of = np.floor(index[tris].mean(axis=1))
    lows = np.array([c[0] for c in reversed(cells)])
    highs = np.array([c[1] for c in reversed(cells)])
    keep = np.all((cell_of >= lows) & (cell_of < highs), axis=1)
    if not keep.any():
        return None
    tris = tris[keep]
    used = np.flatnonzero(np.bincount(tris.ravel(), minlength=len(local)))
    renumber = np.empty(len(local), dtype=np.int64)
    renumber[used] = np.arange(len(used))
    normals = vtk_to_numpy(output.GetPointData().GetNormals())[used]
    points = geometry.index_to_lps(index[used])
    return _polydata(points, normals @ geometry.matrix.T, renumber[tris])


def build_blocks(
    labels: npt.NDArray[Any],
    geometry: VolumeGeometry,
    value: int,
    keys: Iterable[BlockKey],
    block: int = BLOCK,
) -> dict[BlockKey, Any | None]:
    """Surface pieces of segment ``value`` in ``keys`` (None where a block holds none)."""
    return {key: block_surface(labels, geometry, value, key, block) for key in sorted(keys)}


def build_segment(
    labels: npt.NDArray[Any], geometry: VolumeGeometry, value: int, block: int = BLOCK
) -> dict[BlockKey, Any | None]:
    """Every surface piece of segment ``value`` (a full build)."""
    return build_blocks(labels, geometry, value, occupied_blocks(labels, value, block), block)


class SegmentSurface:
    """The pieces of one segment's surface and their union (what the 3D view renders)."""

    def __init__(self) -> None:
        from vtkmodules.vtkCommonDataModel import vtkPolyData

        self.pieces: dict[BlockKey, Any] = {}
        self.output = vtkPolyData()  # the mapper's input, updated in place

    def update(self, pieces: Mapping[BlockKey, Any | None], replace_all: bool = False) -> None:
        """Replace the given blocks' pieces (None removes one); ``replace_all`` drops the rest."""
        if replace_all:
            self.pieces.clear()
        for key, piece in pieces.items():
            if piece is None:
                self.pieces.pop(key, None)
            else:
                self.pieces[key] = piece
        self._merge()

    def _merge(self) -> None:
        from vtkmodules.vtkCommonDataModel import vtkPolyData
        from vtkmodules.vtkFiltersCore import vtkAppendPolyData

        if not self.pieces:
            self.output.ShallowCopy(vtkPolyData())
            return
        append = vtkAppendPolyData()
        for key in sorted(self.pieces):
            append.AddInputData(self.pieces[key])
        append.Update()
        self.output.ShallowCopy(append.GetOutput())

    @property
    def triangles(self) -> int:
        """Triangles in the merged surface."""
        return int(self.output.GetNumberOfCells())

    def bounds(self) -> tuple[float, float, float, float, float, float]:
        """``(x0, x1, y0, y1, z0, z1)`` of the merged surface in LPS mm."""
        x0, x1, y0, y1, z0, z1 = self.output.GetBounds()
        return x0, x1, y0, y1, z0, z1
