"""Window/level: scanner values to 8-bit grey through a precomputed lookup table (no Qt).

The mapping is DICOM's linear VOI LUT function (PS3.3 C.11.2.1.2.1), with centre ``level``
and width ``window``. For 8- and 16-bit integer voxels the whole function is tabulated once
per window/level, so each displayed pixel costs one table lookup.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.volume.display_window import SeriesDisplay, VoxelStats

#: Window/level presets: name -> (window, level) in HU, in the order menus show them.
PRESETS: dict[str, tuple[float, float]] = {
    "Soft tissue": (400.0, 40.0),
    "Abdomen": (350.0, 50.0),
    "Lung": (1500.0, -600.0),
    "Bone": (2000.0, 300.0),
    "Brain": (80.0, 40.0),
}
DEFAULT_PRESET = "Soft tissue"
MIN_WINDOW = 1.0
#: Data-driven presets, offered for every volume once its intensities are known.
SERIES = "Series"  # the window the series itself carries (DICOM Window Center/Width)
AUTO = "Auto (0.5–99.5%)"
FULL = "Full range"
UPTAKE = "Uptake 0–99.5%"  # PET in other units: from zero to the 99.5th percentile
#: PET in SUV (Units GML, body-weight SUV): the windows nuclear medicine reads with.
SUV_PRESETS: dict[str, tuple[float, float]] = {"SUV 0–5": (5.0, 2.5), "SUV 0–10": (10.0, 5.0)}


def presets_for(display: SeriesDisplay, stats: VoxelStats) -> dict[str, tuple[float, float]]:
    """The presets a volume is offered, in menu order (Alt+1, Alt+2...).

    The series' own window comes first when it is not one of the others; then CT (or
    Hounsfield-like data without a modality) gets the CT windows, PET in SUV the SUV windows,
    other PET a window from zero (uptake is never negative); every volume gets the percentile
    window and the full range.
    """
    presets: dict[str, tuple[float, float]] = {}
    if display.is_ct or (not display.modality and stats.looks_like_ct):
        presets.update(PRESETS)
    elif display.modality == "PT" and display.units.upper() == "GML":
        presets.update(SUV_PRESETS)
    elif display.modality == "PT":
        top = max(stats.high, 1.0)
        presets[UPTAKE] = (top, top / 2.0)
    presets[AUTO] = stats.data_window
    presets[FULL] = stats.full_window
    if display.window is not None and display.window not in presets.values():
        presets = {SERIES: display.window, **presets}
    return presets


def initial_preset(display: SeriesDisplay, presets: dict[str, tuple[float, float]]) -> str:
    """The preset a volume opens with: the series' own window, else soft tissue for CT, else
    the SUV or uptake window for PET, else the percentile window."""
    if display.window is not None:
        for name, window in presets.items():
            if window == display.window:
                return name
    for preferred in (DEFAULT_PRESET, *SUV_PRESETS, UPTAKE):
        if preferred in presets:
            return preferred
    return AUTO


def voi_linear(values: npt.NDArray[Any], window: float, level: float) -> npt.NDArray[np.uint8]:
    """DICOM linear VOI function of ``values`` to 0..255 (rounded to nearest)."""
    width = max(float(window), MIN_WINDOW)
    low = level - 0.5 - (width - 1.0) / 2.0
    if width <= 1.0:  # a step at the level
        return np.where(values > low, 255, 0).astype(np.uint8)
    scaled = ((values.astype(np.float64) - (level - 0.5)) / (width - 1.0) + 0.5) * 255.0
    result = np.floor(np.clip(scaled, 0.0, 255.0) + 0.5).astype(np.uint8)
    result[values <= low] = 0
    return result


def _table(dtype: np.dtype[Any], window: float, level: float) -> npt.NDArray[np.uint8]:
    """The VOI function for every value of an 8/16-bit integer type, indexed by the value's
    unsigned bit pattern (so a signed array is looked up through its unsigned view)."""
    info = np.iinfo(dtype)
    unsigned = np.arange(2**info.bits, dtype=np.int64)
    values = unsigned - 2**info.bits * (unsigned > info.max)  # two's complement for signed
    return voi_linear(values, window, level)


_UNSIGNED = {1: np.uint8, 2: np.uint16}


class WindowLevel:
    """One window/level setting with its lookup tables (built on first use per voxel type)."""

    def __init__(self, window: float, level: float) -> None:
        self.window = max(float(window), MIN_WINDOW)
        self.level = float(level)
        self._tables: dict[str, npt.NDArray[np.uint8]] = {}

    def __repr__(self) -> str:
        return f"WindowLevel(window={self.window:g}, level={self.level:g})"

    @property
    def range(self) -> tuple[float, float]:
        """The values mapped to black and to white."""
        return self.level - self.window / 2.0, self.level + self.window / 2.0

    def table(self, dtype: np.dtype[Any]) -> npt.NDArray[np.uint8] | None:
        """The lookup table for voxels of ``dtype`` (None when it is not an 8/16-bit integer)."""
        if dtype.kind not in "iu" or dtype.itemsize not in _UNSIGNED:
            return None
        key = dtype.str
        if key not in self._tables:
            self._tables[key] = _table(dtype, self.window, self.level)
        return self._tables[key]

    def apply(
        self, plane: npt.NDArray[Any], out: npt.NDArray[np.uint8] | None = None
    ) -> npt.NDArray[np.uint8]:
        """Grey levels of ``plane`` (any strides); written into ``out`` when given."""
        table = self.table(plane.dtype)
        if table is None:
            grey = voi_linear(plane, self.window, self.level)
            if out is None:
                return grey
            out[...] = grey
            return out
        indices = plane.view(_UNSIGNED[plane.dtype.itemsize])
        # mode="clip" skips numpy's bounds check and output buffering (indices are in range)
        if out is None:
            return np.take(table, indices, mode="clip")
        return np.take(table, indices, out=out, mode="clip")
