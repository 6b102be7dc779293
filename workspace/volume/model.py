"""In-memory volumes and label maps (numpy arrays indexed ``[k, j, i]`` with their geometry)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.volume.geometry import VolumeGeometry


@dataclass
class Volume:
    """Scalar voxels (CT in HU after rescale, MR in scanner units) and where they are."""

    voxels: npt.NDArray[Any]
    geometry: VolumeGeometry
    meta: dict[str, Any] = field(default_factory=dict)
    # SHA-256 of the voxels' little-endian C-order bytes, when whoever made them has it; it is
    # used only while the voxels are read-only (as the DICOM assembly leaves them).
    sha256: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.voxels.ndim != 3 or tuple(self.voxels.shape) != self.geometry.shape:
            raise ValueError(
                f"voxel array shape {self.voxels.shape} does not match geometry "
                f"{self.geometry.shape}"
            )

    @property
    def nbytes(self) -> int:
        """Size of the voxel array in bytes."""
        return int(self.voxels.nbytes)


@dataclass(frozen=True)
class Segment:
    """One labelled segment of a label map (value ``value`` in the array)."""

    value: int
    name: str
    color: str  # '#rrggbb'
    visible: bool = True
    opacity: float = 0.5
    locked: bool = False


@dataclass
class LabelMap:
    """Segment labels over a volume's grid: 0 is background, each segment has its own value."""

    labels: npt.NDArray[np.uint8] | npt.NDArray[np.uint16]
    geometry: VolumeGeometry
    segments: list[Segment] = field(default_factory=list)

    def __post_init__(self) -> None:
        if tuple(self.labels.shape) != self.geometry.shape:
            raise ValueError(
                f"label array shape {self.labels.shape} does not match geometry "
                f"{self.geometry.shape}"
            )

    @classmethod
    def empty_like(cls, volume: Volume, segments: list[Segment] | None = None) -> LabelMap:
        """An all-background label map on ``volume``'s grid."""
        return cls(np.zeros(volume.geometry.shape, dtype=np.uint8), volume.geometry, segments or [])

    def segment(self, value: int) -> Segment:
        """The segment with label ``value`` (KeyError with a clear message if absent)."""
        for segment in self.segments:
            if segment.value == value:
                return segment
        raise KeyError(f"No segment with label value {value}.")
