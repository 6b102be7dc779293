"""DICOM series → volume: order, rescale, geometry against SimpleITK, refusals, the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest

from storage.profile import Profile
from tests.conftest import PASSPHRASE
from workspace.demo_data import generate_ct_series
from workspace.volume.dicom_series import VolumeAssemblyError, assemble_series
from workspace.volume.store import read_axial_slice
from workspace.workspace import Workspace


def _series(folder: Path, slices: int = 10, seed: int = 4) -> list[Path]:
    return generate_ct_series(
        folder,
        slices=slices,
        rows=24,
        cols=20,
        patient_name="Vol^Test",
        patient_id="VOL1",
        seed=seed,
    )


def _sitk(folder: Path):
    import SimpleITK as sitk  # noqa: N813

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


def _assert_matches_sitk(volume, image) -> None:
    import SimpleITK as sitk  # noqa: N813

    geometry = volume.geometry
    assert np.allclose(geometry.origin, image.GetOrigin(), atol=1e-4)
    assert np.allclose(geometry.spacing, image.GetSpacing(), atol=1e-4)
    assert np.allclose(np.ravel(geometry.direction), image.GetDirection(), atol=1e-4)
    assert np.array_equal(volume.voxels, sitk.GetArrayFromImage(image))


def test_shuffled_names_give_simpleitks_geometry_and_voxels(tmp_path: Path) -> None:
    files = _series(tmp_path)
    assembled = assemble_series(sorted(files, key=lambda p: p.name[::-1]))
    assert assembled.volume.voxels.dtype == np.int16
    assert assembled.warnings == []
    _assert_matches_sitk(assembled.volume, _sitk(tmp_path))


def test_order_ignores_instance_numbers(tmp_path: Path) -> None:
    files = _series(tmp_path)
    for n, path in enumerate(files):  # reversed InstanceNumbers must not matter
        ds = pydicom.dcmread(path)
        ds.InstanceNumber = len(files) - n
        ds.save_as(path)
    _assert_matches_sitk(assemble_series(files).volume, _sitk(tmp_path))


def _positions(files: list[Path]) -> list[Path]:
    return sorted(files, key=lambda p: float(pydicom.dcmread(p).ImagePositionPatient[2]))


def test_missing_slice_is_refused_naming_the_gap(tmp_path: Path) -> None:
    files = _positions(_series(tmp_path))
    with pytest.raises(
        VolumeAssemblyError, match=r"slice is missing between slice 4 \(.*\) and slice 5"
    ):
        assemble_series(files[:4] + files[5:])


def test_gantry_tilt_is_refused(tmp_path: Path) -> None:
    files = _positions(_series(tmp_path))
    for n, path in enumerate(files):
        ds = pydicom.dcmread(path)
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y + n * 1.5, z]  # shifted along y slice by slice
        ds.save_as(path)
    with pytest.raises(VolumeAssemblyError, match="gantry tilt"):
        assemble_series(files)


def test_slightly_uneven_spacing_loads_with_a_warning(tmp_path: Path) -> None:
    files = _positions(_series(tmp_path))
    ds = pydicom.dcmread(files[3])
    x, y, z = (float(v) for v in ds.ImagePositionPatient)
    step = float(ds.SliceThickness)
    ds.ImagePositionPatient = [x, y, z + 0.05 * step]
    ds.save_as(files[3])
    assembled = assemble_series(files)
    assert any("varies" in w for w in assembled.warnings)


def test_corrupt_pixel_data_is_refused(tmp_path: Path) -> None:
    files = _series(tmp_path)
    raw = files[2].read_bytes()
    files[2].write_bytes(raw[: len(raw) - 300])
    with pytest.raises(VolumeAssemblyError, match=files[2].name):
        assemble_series(files)


def test_rescale_with_fractional_slope_gives_float(tmp_path: Path) -> None:
    files = _series(tmp_path, slices=3)
    for path in files:
        ds = pydicom.dcmread(path)
        ds.RescaleSlope = 0.5
        ds.save_as(path)
    volume = assemble_series(files).volume
    assert volume.voxels.dtype == np.float32
    ds = pydicom.dcmread(_positions(files)[0])
    expected = ds.pixel_array * 0.5 + float(ds.RescaleIntercept)
    assert np.allclose(volume.voxels[0], expected)


def test_import_stores_voxels_and_reopen_reads_them_from_the_store(
    profile_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "ct"
    _series(folder, slices=6)
    expected = assemble_series(sorted(folder.iterdir())).volume
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    (item,) = workspace.import_paths([folder])
    workspace.lock()
    shutil.rmtree(folder)  # the plaintext DICOM is gone: only the encrypted store remains
    reopened = Workspace(Profile.unlock(profile_dir, PASSPHRASE))
    try:
        volume = reopened.load_volume(item.id)
        assert np.array_equal(volume.voxels, expected.voxels)
        assert volume.geometry == expected.geometry
        slice_3 = read_axial_slice(reopened.profile.blobs, reopened.item(item.id).meta, 3)
        assert np.array_equal(slice_3, expected.voxels[3])
    finally:
        reopened.lock()


def test_unsafe_series_is_reported_and_not_imported(profile_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ct"
    files = _positions(_series(folder))
    files[4].unlink()
    problems: list[str] = []
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        assert workspace.import_paths([folder], on_problem=lambda p, m: problems.append(m)) == []
        assert workspace.items() == []
    finally:
        workspace.lock()
    assert len(problems) == 1 and "slice is missing" in problems[0]


@pytest.mark.parametrize("syntax", ["RLELossless", "JPEG2000Lossless", "JPEGLSLossless"])
def test_compressed_series_loads_like_the_original(tmp_path: Path, syntax: str) -> None:
    import pydicom.uid

    transfer_syntax = getattr(pydicom.uid, syntax)
    files = generate_ct_series(
        tmp_path / "plain",
        slices=5,
        rows=64,
        cols=64,  # openjpeg's
        patient_name="Vol^Test",
        patient_id="VOL1",
        seed=4,
    )  # minimum
    expected = assemble_series(files).volume
    compressed = []
    for path in files:
        ds = pydicom.dcmread(path)
        ds.compress(transfer_syntax)
        target = tmp_path / f"c-{path.name}"
        ds.save_as(target)
        compressed.append(target)
    assert pydicom.dcmread(compressed[0]).file_meta.TransferSyntaxUID == transfer_syntax
    volume = assemble_series(compressed).volume
    assert np.array_equal(volume.voxels, expected.voxels)
    assert volume.geometry == expected.geometry


def test_enhanced_multiframe_ct_loads_like_the_classic_series(tmp_path: Path) -> None:
    import highdicom as hd

    files = _series(tmp_path / "classic", slices=6)
    expected = assemble_series(files).volume
    enhanced = hd.legacy.LegacyConvertedEnhancedCTImage(
        legacy_datasets=[pydicom.dcmread(p) for p in files],
        series_instance_uid=hd.UID(),
        series_number=9,
        sop_instance_uid=hd.UID(),
        instance_number=1,
    )
    target = tmp_path / "enhanced.dcm"
    enhanced.save_as(target)
    volume = assemble_series([target]).volume
    assert np.array_equal(volume.voxels, expected.voxels)
    assert np.allclose(volume.geometry.affine, expected.geometry.affine, atol=1e-4)


def test_series_keeps_voxels_and_headers_not_files(profile_dir: Path, tmp_path: Path) -> None:
    from workspace.volume.store import load_source_headers

    folder = tmp_path / "ct"
    files = _series(folder, slices=5)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([folder])
        assert [f.name for f in workspace.item_files(item.id)] == [
            "dicom-headers.zip",
            "voxels.raw",
        ]
        headers = load_source_headers(workspace.profile.blobs, workspace.item(item.id).meta)
        assert [h.SOPInstanceUID for h in headers] == [
            pydicom.dcmread(p).SOPInstanceUID for p in _positions(files)
        ]
        assert all("PixelData" not in h for h in headers)
        assert workspace.import_paths([folder]) == [item]  # the same series is not stored twice
    finally:
        workspace.lock()


def _enhanced(files: list[Path], target: Path):
    import highdicom as hd

    enhanced = hd.legacy.LegacyConvertedEnhancedCTImage(
        legacy_datasets=[pydicom.dcmread(p) for p in files],
        series_instance_uid=hd.UID(),
        series_number=9,
        sop_instance_uid=hd.UID(),
        instance_number=1,
    )
    enhanced.save_as(target)
    return pydicom.dcmread(target)


def test_enhanced_frames_rescale_per_frame_and_decode_compressed(tmp_path: Path) -> None:
    files = _series(tmp_path / "classic", slices=5)
    expected = assemble_series(files).volume
    ds = _enhanced(files, tmp_path / "enhanced.dcm")
    transform = ds.SharedFunctionalGroupsSequence[0].PixelValueTransformationSequence
    del ds.SharedFunctionalGroupsSequence[0].PixelValueTransformationSequence
    for n, group in enumerate(ds.PerFrameFunctionalGroupsSequence):
        item = pydicom.Dataset()
        item.RescaleSlope = transform[0].RescaleSlope
        item.RescaleIntercept = str(-1024 + 10 * n)  # each frame its own intercept
        item.RescaleType = "HU"
        group.PixelValueTransformationSequence = pydicom.Sequence([item])
    ds.compress(pydicom.uid.RLELossless)
    ds.save_as(tmp_path / "enhanced.dcm")
    frames = [
        float(g.PlanePositionSequence[0].ImagePositionPatient[2])
        for g in ds.PerFrameFunctionalGroupsSequence
    ]
    shift = np.array([10 * n for n in np.argsort(frames)], dtype=np.int16)  # in slice order
    volume = assemble_series([tmp_path / "enhanced.dcm"]).volume
    assert np.array_equal(volume.voxels, expected.voxels + shift[:, None, None])
    assert volume.geometry == expected.geometry


def test_enhanced_file_imports_and_reopens(profile_dir: Path, tmp_path: Path) -> None:
    files = _series(tmp_path / "classic", slices=4)
    expected = assemble_series(files).volume
    (tmp_path / "in").mkdir()
    _enhanced(files, tmp_path / "in" / "multiframe.dcm")
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([tmp_path / "in"])
        assert item.meta["slices"] == 4
        volume = workspace.load_volume(item.id)
    finally:
        workspace.lock()
    assert np.array_equal(volume.voxels, expected.voxels)
    assert volume.geometry == expected.geometry
