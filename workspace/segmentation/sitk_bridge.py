"""numpy ``[k, j, i]`` arrays to SimpleITK images and back (SimpleITK is imported lazily)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.segmentation.area import Mask


def image(array: npt.NDArray[Any], spacing_kji: Sequence[float] | None = None) -> Any:
    """A SimpleITK image of ``array`` (a bool mask becomes 0/1 uint8), spacing in (k, j, i) mm."""
    import SimpleITK as sitk  # noqa: N813

    data = array.astype(np.uint8) if array.dtype == np.bool_ else array
    result = sitk.GetImageFromArray(data)
    if spacing_kji is not None:
        result.SetSpacing([float(s) for s in reversed(spacing_kji)])
    return result


_cache_lock = threading.RLock()
_cached: tuple[weakref.ref[npt.NDArray[Any]], Any] | None = None


def volume_image(voxels: npt.NDArray[Any]) -> Any:
    """The SimpleITK image of a volume's (read-only, never changing) voxels, kept for the next
    call: converting copies the whole volume, which costs as much as a region grow. One volume
    is kept, and let go with its array."""
    global _cached
    with _cache_lock:
        if _cached is not None and _cached[0]() is voxels:
            return _cached[1]
        result = image(voxels)
        _cached = (weakref.ref(voxels, _forget), result)
        return result


def _forget(_ref: object) -> None:
    global _cached
    with _cache_lock:
        if _cached is not None and _cached[0] is _ref:
            _cached = None


def mask(result: Any) -> Mask:
    """The non-zero voxels of a SimpleITK image as a bool array."""
    import SimpleITK as sitk  # noqa: N813

    return sitk.GetArrayViewFromImage(result) != 0


def array(result: Any) -> npt.NDArray[Any]:
    """The voxels of a SimpleITK image (a copy)."""
    import SimpleITK as sitk  # noqa: N813

    return sitk.GetArrayFromImage(result)


def itk_index(voxel: Sequence[int]) -> list[int]:
    """An ITK index ``(x=i, y=j[, z=k])`` from an array index ``([k,] j, i)``."""
    return [int(v) for v in reversed(voxel)]
