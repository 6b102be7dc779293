"""Voxel-to-patient geometry of a volume, in DICOM's LPS patient coordinates (millimetres).

Arrays are indexed ``[k, j, i]`` (slice, row, column). ``direction`` holds the unit vectors of
the i, j and k axes as its *columns* (as ITK/SimpleITK do), so that
``lps = origin + direction @ (spacing * (i, j, k))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Vector3 = tuple[float, float, float]
Matrix3 = tuple[Vector3, Vector3, Vector3]  # rows of the 3x3 matrix
IDENTITY: Matrix3 = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


@dataclass(frozen=True)
class VolumeGeometry:
    """Shape ``(k, j, i)``, spacing ``(si, sj, sk)`` mm, origin (LPS mm), direction cosines."""

    shape: tuple[int, int, int]
    spacing: Vector3
    origin: Vector3 = (0.0, 0.0, 0.0)
    direction: Matrix3 = IDENTITY

    def __post_init__(self) -> None:
        if any(n <= 0 for n in self.shape):
            raise ValueError(f"volume shape must be positive, got {self.shape}")
        if not all(math.isfinite(s) and s > 0 for s in self.spacing):
            raise ValueError(f"voxel spacing must be finite and positive, got {self.spacing}")
        if not all(math.isfinite(v) for v in self.origin):
            raise ValueError(f"volume origin must be finite, got {self.origin}")
        matrix = self.matrix
        if not np.allclose(matrix.T @ matrix, np.eye(3), atol=1e-4):
            raise ValueError("direction cosines must be orthonormal")

    @property
    def matrix(self) -> npt.NDArray[np.float64]:
        """The direction matrix (columns are the i, j, k axis directions)."""
        return np.asarray(self.direction, dtype=np.float64)

    @property
    def affine(self) -> npt.NDArray[np.float64]:
        """4×4 matrix mapping homogeneous (i, j, k, 1) to LPS millimetres."""
        affine = np.eye(4)
        affine[:3, :3] = self.matrix * np.asarray(self.spacing)
        affine[:3, 3] = self.origin
        return affine

    def index_to_lps(self, ijk: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Patient coordinates of continuous voxel indices ``(i, j, k)`` (…×3 array)."""
        points = np.asarray(ijk, dtype=np.float64)
        return points @ (self.matrix * np.asarray(self.spacing)).T + np.asarray(self.origin)

    def lps_to_index(self, lps: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Continuous voxel indices ``(i, j, k)`` of LPS points (…×3 array)."""
        points = np.asarray(lps, dtype=np.float64) - np.asarray(self.origin)
        return points @ np.linalg.inv(self.matrix * np.asarray(self.spacing)).T

    @property
    def voxel_volume_mm3(self) -> float:
        """Volume of one voxel in mm³."""
        return float(np.prod(self.spacing))

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form (for item metadata)."""
        return {
            "shape": list(self.shape),
            "spacing": list(self.spacing),
            "origin": list(self.origin),
            "direction": [list(row) for row in self.direction],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VolumeGeometry:
        """Inverse of :meth:`to_json`."""
        k, j, i = (int(v) for v in data["shape"])
        rows = [_vector(row) for row in data["direction"]]
        return cls(
            shape=(k, j, i),
            spacing=_vector(data["spacing"]),
            origin=_vector(data["origin"]),
            direction=(rows[0], rows[1], rows[2]),
        )


def _vector(values: Any) -> Vector3:
    x, y, z = (float(v) for v in values)
    return (x, y, z)
