"""Helpers for the DICOM series tests: small generated series, SimpleITK as the reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pydicom

from workspace.demo_data import generate_ct_series
from workspace.volume.model import Volume


def small_series(folder: Path, slices: int = 10, seed: int = 4, **kwargs: Any) -> list[Path]:
    """A 24×20 CT series in ``folder`` (random file names), paths in InstanceNumber order."""
    return generate_ct_series(
        folder,
        slices=slices,
        rows=24,
        cols=20,
        patient_name="Vol^Test",
        patient_id="VOL1",
        seed=seed,
        **kwargs,
    )


def by_position(files: list[Path]) -> list[Path]:
    """``files`` sorted along z (the generated series are axial)."""
    return sorted(files, key=lambda p: float(pydicom.dcmread(p).ImagePositionPatient[2]))


def rewrite(path: Path, **values: Any) -> None:
    """Set header values of one file in place."""
    ds = pydicom.dcmread(path)
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    ds.save_as(path)


def sitk_series(files: list[Path]) -> Any:
    """SimpleITK's ImageSeriesReader on ``files`` (sorted by GDCM, as it does for a folder)."""
    import SimpleITK as sitk  # noqa: N813

    folder = files[0].parent
    uid = str(pydicom.dcmread(files[0], stop_before_pixels=True).SeriesInstanceUID)
    names = set(map(str, files))
    ordered = [
        n for n in sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder), uid) if n in names
    ]
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(ordered)
    return reader.Execute()


def assert_matches_sitk(volume: Volume, image: Any) -> None:
    """Origin, spacing and direction to 1e-4, and identical voxel values."""
    import SimpleITK as sitk  # noqa: N813

    geometry = volume.geometry
    assert np.allclose(geometry.origin, image.GetOrigin(), atol=1e-4)
    assert np.allclose(geometry.spacing, image.GetSpacing(), atol=1e-4)
    assert np.allclose(np.ravel(geometry.direction), image.GetDirection(), atol=1e-4)
    assert np.array_equal(volume.voxels, sitk.GetArrayFromImage(image))
