"""NIfTI and NRRD volumes: imported with SimpleITK's exact geometry, reopened from the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workspace.errors import NotFoundError
from workspace.export.item_export import export_item
from workspace.workspace import Workspace


def _image(path: Path) -> np.ndarray:
    import SimpleITK as sitk  # noqa: N813

    rng = np.random.default_rng(7)
    array = rng.integers(-1000, 1000, size=(6, 9, 11), dtype=np.int16)
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.7, 0.8, 2.5))
    image.SetOrigin((-12.0, 30.5, 101.0))
    image.SetDirection((0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0))  # rotated in-plane
    sitk.WriteImage(image, str(path))
    return array


@pytest.mark.parametrize("name", ["ct.nii.gz", "ct.nrrd"])
def test_image_file_round_trip(profile, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    array = _image(path)
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([path])
    assert item.modality == "volume"
    volume = workspace.load_volume(item.id)
    assert np.array_equal(volume.voxels, array)
    assert volume.geometry.spacing == pytest.approx((0.7, 0.8, 2.5))
    assert volume.geometry.origin == pytest.approx((-12.0, 30.5, 101.0))
    assert np.allclose(volume.geometry.matrix, [[0, 1, 0], [-1, 0, 0], [0, 0, 1]])
    assert workspace.import_paths([path]) == [item]


def test_dicom_exports_of_a_nifti_volume_say_why_not(profile, tmp_path: Path) -> None:
    path = tmp_path / "ct.nii.gz"
    array = _image(path)
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([path])
    labels_path = tmp_path / "labels.nii.gz"
    import SimpleITK as sitk  # noqa: N813

    reference = sitk.ReadImage(str(path))
    labels = sitk.GetImageFromArray((array > 500).astype(np.uint8))
    labels.CopyInformation(reference)
    sitk.WriteImage(labels, str(labels_path))
    workspace.import_segmentation(item.id, labels_path, ["bone"])
    with pytest.raises(NotFoundError, match="not imported from DICOM"):
        export_item(workspace, item.id, "dicom-seg", tmp_path / "seg.dcm")
    (written,) = export_item(workspace, item.id, "nrrd", tmp_path / "seg.nrrd")
    assert np.array_equal(sitk.GetArrayFromImage(sitk.ReadImage(str(written))), array > 500)


def _oblique_image(path: Path, pixel_type: str) -> None:
    import SimpleITK as sitk  # noqa: N813

    rng = np.random.default_rng(3)
    values = rng.normal(0, 300, size=(5, 7, 9)).astype(pixel_type)
    image = sitk.GetImageFromArray(values)
    image.SetSpacing((0.48828125, 0.6, 3.0))
    image.SetOrigin((-120.25, 88.0, -301.5))
    angle = np.radians(12.0)
    c, s = np.cos(angle), np.sin(angle)
    image.SetDirection((c, 0.0, s, 0.0, 1.0, 0.0, -s, 0.0, c))  # columns: i, j, k axes
    sitk.WriteImage(image, str(path))


@pytest.mark.parametrize(
    ("name", "pixel_type"),
    [("a.nii", "int16"), ("b.nii.gz", "float32"), ("c.nrrd", "uint8"), ("d.nhdr", "int16"),
     ("e.mhd", "float32")],
)  # fmt: skip
def test_volume_files_keep_simpleitks_geometry_and_voxels(
    profile, tmp_path: Path, name: str, pixel_type: str
) -> None:
    import SimpleITK as sitk  # noqa: N813

    folder = tmp_path / "images"
    folder.mkdir()
    path = folder / name
    _oblique_image(path, pixel_type)
    reference = sitk.ReadImage(str(path))
    problems: list[str] = []
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([folder], on_problem=lambda p, m: problems.append(m))
    assert problems == []  # a detached data file joins its header, it is no unknown file
    volume = workspace.load_volume(item.id)
    assert volume.voxels.dtype == np.dtype(pixel_type)
    assert np.array_equal(volume.voxels, sitk.GetArrayFromImage(reference))
    assert volume.geometry.origin == reference.GetOrigin()
    assert volume.geometry.spacing == reference.GetSpacing()
    assert np.ravel(volume.geometry.direction).tolist() == list(reference.GetDirection())


def test_choosing_only_the_data_file_imports_through_its_header(profile, tmp_path: Path) -> None:
    _oblique_image(tmp_path / "scan.nhdr", "int16")
    data = tmp_path / "scan.raw"
    assert data.is_file()
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([data])
    assert item.title.startswith("NRRD — scan.nhdr")
    assert workspace.import_paths([tmp_path / "scan.nhdr"]) == [item]  # same header and data
    data.write_bytes(bytes(len(data.read_bytes())))
    (changed,) = workspace.import_paths([tmp_path / "scan.nhdr"])
    assert changed.id != item.id  # other voxels behind the same header: another volume
