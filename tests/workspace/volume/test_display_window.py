"""The window a volume opens with: the series' own, else its modality's, else its percentiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.multival import MultiValue

from storage.profile import Profile
from viewers.volume.window_level import (
    AUTO,
    DEFAULT_PRESET,
    FULL,
    PRESETS,
    SERIES,
    initial_preset,
    presets_for,
)
from workspace.demo_data import generate_ct_series
from workspace.volume.display_window import SeriesDisplay, dicom_window, voxel_stats
from workspace.workspace import Workspace

MR_LIKE = (20, 64, 64)


def _mr_like() -> np.ndarray:
    rng = np.random.default_rng(5)
    voxels = rng.normal(600.0, 80.0, MR_LIKE).astype(np.float32)
    voxels[:, :8, :] = 0.0  # background
    voxels[5, 30, 30] = 40_000.0  # one hot voxel must not set the window
    return voxels


def test_stats_are_exact_at_the_ends_and_percentiles_ignore_outliers() -> None:
    stats = voxel_stats(_mr_like())
    assert stats.minimum == 0.0 and stats.maximum == 40_000.0
    assert 0.0 <= stats.low < 400.0 and 700.0 < stats.high < 1000.0
    width, level = stats.data_window
    assert level - width / 2 == pytest.approx(stats.low) and level + width / 2 == pytest.approx(
        stats.high
    )


def test_an_mr_without_a_window_opens_on_its_percentiles_not_white() -> None:
    stats = voxel_stats(_mr_like())
    display = SeriesDisplay("MR")
    presets = presets_for(display, stats)
    assert list(presets) == [AUTO, FULL]  # no HU windows for an MR
    assert initial_preset(display, presets) == AUTO
    width, level = presets[AUTO]
    assert level + width / 2 < 1000.0  # the tissue spans the grey scale, the hot voxel is white


def test_ct_gets_hu_presets_and_its_own_window_first_when_it_differs() -> None:
    stats = voxel_stats(np.array([[[-1024, 40, 1500]]], dtype=np.int16))
    assert stats.looks_like_ct
    same = presets_for(SeriesDisplay("CT", (400.0, 40.0), "HU"), stats)
    assert list(same)[: len(PRESETS)] == list(PRESETS)  # no duplicate "Series" entry
    assert initial_preset(SeriesDisplay("CT", (400.0, 40.0), "HU"), same) == DEFAULT_PRESET
    own = SeriesDisplay("CT", (600.0, 60.0), "HU")
    offered = presets_for(own, stats)
    assert next(iter(offered)) == SERIES and initial_preset(own, offered) == SERIES
    nifti = presets_for(SeriesDisplay(), stats)  # HU-like values with no modality
    assert DEFAULT_PRESET in nifti and initial_preset(SeriesDisplay(), nifti) == DEFAULT_PRESET


def test_pet_opens_from_zero_or_in_suv() -> None:
    stats = voxel_stats(np.linspace(0.0, 20_000.0, 1000, dtype=np.float32).reshape(10, 10, 10))
    uptake = presets_for(SeriesDisplay("PT", None, "BQML"), stats)
    name = initial_preset(SeriesDisplay("PT", None, "BQML"), uptake)
    width, level = uptake[name]
    assert level - width / 2 == 0.0
    suv = presets_for(SeriesDisplay("PT", None, "GML"), stats)
    assert initial_preset(SeriesDisplay("PT", None, "GML"), suv) == "SUV 0–5"


def test_dicom_window_takes_the_first_of_several_and_refuses_nonsense() -> None:
    ds = pydicom.Dataset()
    ds.WindowCenter = MultiValue(float, [40.0, -600.0])
    ds.WindowWidth = MultiValue(float, [400.0, 1500.0])
    assert dicom_window(ds) == (400.0, 40.0)
    ds.WindowWidth = 0.0
    assert dicom_window(ds) is None
    assert dicom_window(pydicom.Dataset()) is None


def test_a_stored_series_tells_its_modality_and_window(profile: Profile, tmp_path: Path) -> None:
    generate_ct_series(tmp_path / "ct", slices=4, rows=16, cols=16, seed=1)
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([tmp_path / "ct"])
    display = workspace.series_display(item.id)
    assert display == SeriesDisplay("CT", (400.0, 40.0), "HU")
