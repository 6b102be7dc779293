"""Voxel shapes and boxes: the brush's disc or sphere in millimetres, bounding boxes of masks."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from workspace.segmentation.delta import BBox
from workspace.volume.geometry import VolumeGeometry

Mask = npt.NDArray[np.bool_]
#: An array index ``(k, j, i)``.
Voxel = tuple[int, int, int]


def spacing_kji(geometry: VolumeGeometry) -> tuple[float, float, float]:
    """Voxel spacing along the array axes ``(k, j, i)`` in mm."""
    si, sj, sk = geometry.spacing
    return (sk, sj, si)


def full_bbox(shape: Sequence[int]) -> BBox:
    """The box of a whole ``[k, j, i]`` array."""
    return (0, int(shape[0]), 0, int(shape[1]), 0, int(shape[2]))


def mask_bbox(mask: Mask) -> BBox | None:
    """The tightest box around the set voxels of ``mask`` (None when it is empty).

    Two passes: one finds the slices holding a set voxel, one folds those slices into a
    plane whose rows and columns give the rest.
    """
    depth = mask.shape[0]
    slices = np.flatnonzero(mask.reshape(depth, -1).any(axis=1))
    if slices.size == 0:
        return None
    k0, k1 = int(slices[0]), int(slices[-1]) + 1
    plane: Mask = np.any(mask[k0:k1], axis=0)
    rows = np.flatnonzero(plane.any(axis=1))
    cols = np.flatnonzero(plane.any(axis=0))
    return (k0, k1, int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)


def pad_bbox(bbox: BBox, pad: Sequence[int], shape: Sequence[int]) -> BBox:
    """``bbox`` grown by ``pad[axis]`` voxels on each side, clipped to ``shape``."""
    k0, k1, j0, j1, i0, i1 = bbox
    pk, pj, pi = pad
    return (
        max(0, k0 - pk),
        min(int(shape[0]), k1 + pk),
        max(0, j0 - pj),
        min(int(shape[1]), j1 + pj),
        max(0, i0 - pi),
        min(int(shape[2]), i1 + pi),
    )


@lru_cache(maxsize=64)
def _ellipsoid(spacing: tuple[float, float, float], radius_mm: float, flat_axis: int) -> Mask:
    """The voxels within ``radius_mm`` of the centre voxel (flat along ``flat_axis``, or 3D)."""
    grids = []
    for axis in range(3):
        reach = 0 if axis == flat_axis else int(radius_mm // spacing[axis])
        grids.append(np.arange(-reach, reach + 1) * spacing[axis])
    dk, dj, di = np.meshgrid(*grids, indexing="ij", sparse=True)
    mask: Mask = dk**2 + dj**2 + di**2 <= radius_mm**2
    mask.flags.writeable = False
    return mask


def brush(
    geometry: VolumeGeometry, center: Voxel, radius_mm: float, flat_axis: int | None
) -> tuple[BBox, Mask]:
    """The box and mask of a brush dab: a disc in the slice normal to ``flat_axis``, or a sphere.

    The radius is in millimetres along each axis's own spacing (anisotropic voxels give an
    ellipse in voxels); the shape is clipped where it leaves the volume.
    """
    if radius_mm <= 0:
        raise ValueError("The brush radius must be positive.")
    if not all(0 <= c < n for c, n in zip(center, geometry.shape, strict=True)):
        raise ValueError(f"voxel {center} lies outside the volume {geometry.shape}")
    shape = _ellipsoid(
        spacing_kji(geometry), float(radius_mm), -1 if flat_axis is None else flat_axis
    )
    bounds: list[int] = []
    crop: list[slice] = []
    for axis in range(3):
        reach = shape.shape[axis] // 2
        low = max(0, center[axis] - reach)
        high = min(geometry.shape[axis], center[axis] + reach + 1)
        bounds += [low, high]
        crop.append(slice(low - (center[axis] - reach), high - (center[axis] - reach)))
    k0, k1, j0, j1, i0, i1 = bounds
    return (k0, k1, j0, j1, i0, i1), shape[tuple(crop)]


def stroke(
    geometry: VolumeGeometry, centers: Sequence[Voxel], radius_mm: float, flat_axis: int | None
) -> tuple[BBox, Mask]:
    """The union of the dabs at ``centers``: one box and one mask (one undo step per stroke)."""
    if not centers:
        raise ValueError("A stroke needs at least one point.")
    dabs = [brush(geometry, center, radius_mm, flat_axis) for center in centers]
    boxes = np.array([box for box, _ in dabs])
    k0, j0, i0 = (int(v) for v in boxes[:, 0::2].min(axis=0))
    k1, j1, i1 = (int(v) for v in boxes[:, 1::2].max(axis=0))
    mask = np.zeros((k1 - k0, j1 - j0, i1 - i0), dtype=np.bool_)
    for (a0, a1, b0, b1, c0, c1), part in dabs:
        mask[a0 - k0 : a1 - k0, b0 - j0 : b1 - j0, c0 - i0 : c1 - i0] |= part
    return (k0, k1, j0, j1, i0, i1), mask
