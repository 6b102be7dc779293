"""Paint brush and eraser: a disc in one slice or a sphere, sized in millimetres.

The voxel spacing is honoured (a 5 mm brush covers more voxels across a 0.7 mm pixel than
along a 5 mm slice). Only the bounding box of the dab is touched and returned as a delta.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.volume.geometry import VolumeGeometry
from workspace.volume.labelmap_edit import BBox, LabelDelta


def _ellipsoid(
    geometry: VolumeGeometry, center: tuple[int, int, int], radius_mm: float, flat_axis: int | None
) -> tuple[BBox, npt.NDArray[np.bool_]]:
    spacing_kji = (geometry.spacing[2], geometry.spacing[1], geometry.spacing[0])
    bounds: list[int] = []
    grids = []
    for axis in range(3):
        reach = 0 if axis == flat_axis else int(radius_mm // spacing_kji[axis])
        low = max(0, center[axis] - reach)
        high = min(geometry.shape[axis], center[axis] + reach + 1)
        bounds += [low, high]
        grids.append((np.arange(low, high) - center[axis]) * spacing_kji[axis])
    dk, dj, di = np.meshgrid(*grids, indexing="ij", sparse=True)
    mask = dk**2 + dj**2 + di**2 <= radius_mm**2
    k0, k1, j0, j1, i0, i1 = bounds
    return (k0, k1, j0, j1, i0, i1), mask


def dab(
    labels: npt.NDArray[Any],
    geometry: VolumeGeometry,
    center: tuple[int, int, int],
    radius_mm: float,
    value: int,
    *,
    sphere: bool = False,
    slice_axis: int = 0,
    erase: bool = False,
) -> LabelDelta | None:
    """The delta of one brush (or eraser) dab; None when it would change nothing.

    ``slice_axis`` is the array axis held fixed for a 2D disc (0 = axial k, 1 = j, 2 = i).
    Painting writes ``value`` over everything (overwrite-all rule); erasing clears only
    ``value``'s voxels, leaving other segments alone.
    """
    if radius_mm <= 0:
        raise ValueError("The brush radius must be positive.")
    bbox, mask = _ellipsoid(geometry, center, radius_mm, None if sphere else slice_axis)
    k0, k1, j0, j1, i0, i1 = bbox
    before = labels[k0:k1, j0:j1, i0:i1]
    after = before.copy()
    if erase:
        after[mask & (before == value)] = 0
    else:
        after[mask] = value
    if np.array_equal(before, after):
        return None
    return LabelDelta.between(before, after, bbox)
