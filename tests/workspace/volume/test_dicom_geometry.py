"""DICOM series → volume geometry and voxels, checked against SimpleITK's ImageSeriesReader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.conftest import PASSPHRASE
from tests.workspace.volume.series_helpers import (
    assert_matches_sitk,
    by_position,
    rewrite,
    sitk_series,
    small_series,
)
from workspace.demo_data import generate_ct_series
from workspace.volume.dicom_series import assemble_series
from workspace.workspace import Workspace


def _rotation(a: float, b: float, c: float) -> np.ndarray:
    """A rotation matrix from three angles (degrees) about z, x, then y."""
    a, b, c = np.radians([a, b, c])
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    ry = np.array([[np.cos(c), 0, np.sin(c)], [0, 1, 0], [-np.sin(c), 0, np.cos(c)]])
    return ry @ rx @ rz


def _oblique(files: list[Path], spacing: tuple[float, float], step: float) -> np.ndarray:
    """Turn an axial series into an oblique one with non-square pixels; returns the axes."""
    axes = _rotation(25.0, -15.0, 10.0)
    origin = np.array([-31.25, 12.5, 40.125])
    for k, path in enumerate(by_position(files)):
        position = origin + k * step * axes[:, 2]
        rewrite(
            path,
            ImageOrientationPatient=[f"{v:.10f}" for v in (*axes[:, 0], *axes[:, 1])],
            ImagePositionPatient=[f"{v:.6f}" for v in position],
            PixelSpacing=[f"{spacing[0]}", f"{spacing[1]}"],
        )
    return axes


def test_shuffled_names_and_any_file_order_give_simpleitks_volume(tmp_path: Path) -> None:
    files = small_series(tmp_path)
    reference = sitk_series(files)
    for order in (sorted(files), sorted(files, reverse=True), list(reversed(by_position(files)))):
        assert_matches_sitk(assemble_series(order).volume, reference)


def test_oblique_series_with_non_square_pixels_matches_simpleitk(tmp_path: Path) -> None:
    files = small_series(tmp_path, slices=8)
    axes = _oblique(files, spacing=(0.5, 0.8), step=2.5)
    volume = assemble_series(files).volume
    assert_matches_sitk(volume, sitk_series(files))
    # PixelSpacing is (between rows, between columns): i (columns) advance 0.8 mm, j 0.5 mm.
    assert volume.geometry.spacing == pytest.approx((0.8, 0.5, 2.5))
    assert np.allclose(volume.geometry.matrix, axes, atol=1e-6)


def test_slices_stacked_towards_the_feet_are_ordered_along_the_normal(tmp_path: Path) -> None:
    files = small_series(tmp_path, slices=6)
    flip = ["1", "0", "0", "0", "-1", "0"]  # j runs anterior: the normal now points to the feet
    for path in files:
        rewrite(path, ImageOrientationPatient=flip)
    volume = assemble_series(files).volume
    assert_matches_sitk(volume, sitk_series(files))
    assert volume.geometry.matrix[:, 2] == pytest.approx([0, 0, -1])
    z = [float(pydicom.dcmread(p).ImagePositionPatient[2]) for p in files]
    assert volume.geometry.origin[2] == pytest.approx(max(z))


def test_implicit_vr_files_take_the_same_road(tmp_path: Path) -> None:
    files = small_series(tmp_path / "explicit", slices=5)
    implicit = []
    for path in files:
        ds = pydicom.dcmread(path)
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
        target = tmp_path / "implicit" / path.name
        target.parent.mkdir(exist_ok=True)
        ds.save_as(target, enforce_file_format=True)
        implicit.append(target)
    assert (
        pydicom.dcmread(implicit[0]).file_meta.TransferSyntaxUID
        == pydicom.uid.ImplicitVRLittleEndian
    )
    volume = assemble_series(implicit).volume
    assert_matches_sitk(volume, sitk_series(implicit))
    assert np.array_equal(volume.voxels, assemble_series(files).volume.voxels)


def test_two_series_mixed_in_one_folder_import_as_two_volumes(
    profile_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    first = generate_ct_series(folder, slices=5, rows=16, cols=12, seed=1, series_number=3)
    second = generate_ct_series(folder, slices=7, rows=16, cols=12, seed=2, series_number=4)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        items = workspace.import_paths([folder])
        assert len(items) == 2
        by_depth = {workspace.load_volume(i.id).geometry.shape[0]: i for i in items}
        assert_matches_sitk(workspace.load_volume(by_depth[5].id), sitk_series(first))
        assert_matches_sitk(workspace.load_volume(by_depth[7].id), sitk_series(second))
    finally:
        workspace.lock()
