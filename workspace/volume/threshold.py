"""Threshold and region-grow segmentation, each previewed as a mask before it is applied.

Both return a :class:`LabelDelta` limited to the bounding box of the voxels they change, so
applying one is an ordinary undoable, persisted label-map edit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.volume.labelmap_edit import LabelDelta


def threshold_mask(voxels: npt.NDArray[Any], low: float, high: float) -> npt.NDArray[np.bool_]:
    """Preview: voxels with ``low <= value <= high``."""
    if low > high:
        raise ValueError(f"The threshold range is empty ({low} > {high}).")
    return (voxels >= low) & (voxels <= high)


def region_grow_mask(
    voxels: npt.NDArray[Any], seed: tuple[int, int, int], low: float, high: float
) -> npt.NDArray[np.bool_]:
    """Preview: voxels in ``[low, high]`` connected to ``seed`` (SimpleITK ConnectedThreshold)."""
    import SimpleITK as sitk  # noqa: N813

    k, j, i = seed
    if not (low <= float(voxels[k, j, i]) <= high):
        raise ValueError("The seed's own value is outside the range; nothing would grow.")
    image = sitk.GetImageFromArray(voxels)
    grown = sitk.ConnectedThreshold(
        image,
        seedList=[(int(i), int(j), int(k))],
        lower=float(low),
        upper=float(high),
        replaceValue=1,
    )
    return sitk.GetArrayViewFromImage(grown).astype(bool)


def mask_delta(
    labels: npt.NDArray[Any], mask: npt.NDArray[np.bool_], value: int
) -> LabelDelta | None:
    """The delta writing ``value`` wherever ``mask`` holds (None when nothing changes)."""
    target = mask & (labels != value)
    if not target.any():
        return None
    where = np.argwhere(target)
    (k0, j0, i0), (k1, j1, i1) = where.min(axis=0), where.max(axis=0) + 1
    box = (slice(k0, k1), slice(j0, j1), slice(i0, i1))
    before = labels[box]
    after = np.where(mask[box], np.asarray(value, dtype=labels.dtype), before)
    bbox = (int(k0), int(k1), int(j0), int(j1), int(i0), int(i1))
    return LabelDelta.between(before, after.astype(labels.dtype), bbox)
