"""Label-map exports read back by the field's own readers: highdicom, SimpleITK, dciodvfy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest

from workspace.demo_data import generate_ct_series
from workspace.export.dicom_seg import write_dicom_seg
from workspace.export.labelmap_files import ExportError, label_description, write_labelmap
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment

SEGMENTS = [Segment(1, "liver", "#dd8265"), Segment(5, "lesion", "#f0e442")]


@pytest.fixture(scope="module")
def series(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[pydicom.Dataset], VolumeGeometry]:
    """A small CT series, its datasets sorted along the normal, and SimpleITK's geometry of it."""
    import SimpleITK as sitk  # noqa: N813

    folder = tmp_path_factory.mktemp("ct")
    generate_ct_series(
        folder, slices=12, rows=32, cols=40, patient_name="Seg^Test", patient_id="SEG1", seed=3
    )
    reader = sitk.ImageSeriesReader()
    names = reader.GetGDCMSeriesFileNames(str(folder))
    reader.SetFileNames(names)
    image = reader.Execute()
    datasets = [pydicom.dcmread(name) for name in names]  # GDCM sorts along the normal
    direction = image.GetDirection()
    geometry = VolumeGeometry(
        shape=(image.GetSize()[2], image.GetSize()[1], image.GetSize()[0]),
        spacing=image.GetSpacing(),
        origin=image.GetOrigin(),
        direction=(direction[0:3], direction[3:6], direction[6:9]),
    )
    return datasets, geometry


@pytest.fixture
def labels(series: tuple[list[pydicom.Dataset], VolumeGeometry]) -> LabelMap:
    _, geometry = series
    array = np.zeros(geometry.shape, dtype=np.uint8)
    array[2:9, 5:20, 8:30] = 1
    array[4:6, 10:13, 12:15] = 5  # a lesion inside the liver
    return LabelMap(array, geometry, list(SEGMENTS))


@pytest.mark.parametrize("segmentation_type", ["BINARY", "LABELMAP"])
def test_dicom_seg_round_trip(series, labels, tmp_path: Path, segmentation_type: str) -> None:
    import highdicom as hd

    datasets, geometry = series
    out = write_dicom_seg(
        datasets,
        labels,
        tmp_path / "seg.dcm",
        segmentation_type=segmentation_type,
        creator="Doe^Jane",
    )
    seg = hd.seg.segread(out)
    assert [seg.get_segment_description(n).segment_label for n in (1, 2)] == ["liver", "lesion"]
    assert {seg.get_source_image_uids()[i][2] for i in range(len(datasets))} == {
        ds.SOPInstanceUID for ds in datasets
    }
    volume = seg.get_volume(combine_segments=True, relabel=False)
    stored = volume.array
    indices = np.argwhere(np.ones(stored.shape, dtype=bool))  # (slice, row, column)
    lps = np.c_[indices, np.ones(len(indices))] @ volume.affine.T
    ijk = np.rint(geometry.lps_to_index(lps[:, :3])).astype(int)  # our (i, j, k)
    ours = labels.labels[ijk[:, 2], ijk[:, 1], ijk[:, 0]]
    expected = np.select([ours == 1, ours == 5], [1, 2], 0)
    assert np.array_equal(stored.reshape(-1), expected)
    assert int((stored == 2).sum()) == int((labels.labels == 5).sum())


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dicom3tools not installed")
def test_dciodvfy_reports_no_errors(series, labels, tmp_path: Path) -> None:
    # Only BINARY: Debian 12's dicom3tools predates the Label Map Segmentation IOD (Sup 243,
    # 2024) and answers "Information Object Not found" for any LABELMAP SEG; LABELMAP is
    # checked by reading it back with highdicom above.
    datasets, _ = series
    out = write_dicom_seg(datasets, labels, tmp_path / "seg.dcm", segmentation_type="BINARY")
    result = subprocess.run(["dciodvfy", str(out)], capture_output=True, text=True, check=False)
    errors = [
        line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")
    ]
    assert errors == []


@pytest.mark.parametrize("name", ["labels.nii.gz", "labels.nii", "labels.seg.nrrd"])
def test_nifti_and_nrrd_keep_voxels_and_geometry(
    labels: LabelMap, tmp_path: Path, name: str
) -> None:
    import SimpleITK as sitk  # noqa: N813

    written = write_labelmap(labels, tmp_path / name)
    image = sitk.ReadImage(str(written[0]))
    assert np.array_equal(sitk.GetArrayFromImage(image), labels.labels)
    geometry = labels.geometry
    assert np.allclose(image.GetOrigin(), geometry.origin, atol=1e-4)
    assert np.allclose(image.GetSpacing(), geometry.spacing, atol=1e-6)
    assert np.allclose(image.GetDirection(), np.ravel(geometry.direction), atol=1e-6)
    if name.endswith(".nrrd"):
        assert image.GetMetaData("Segment1_Name") == "lesion"
        assert image.GetMetaData("Segment1_LabelValue") == "5"
    else:
        assert written[1].read_text() == label_description(labels.segments)
        assert '5 240 228 66 0.50 1 1 "lesion"' in written[1].read_text()


def test_unknown_suffix_is_refused(labels: LabelMap, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"use a \.nii"):
        write_labelmap(labels, tmp_path / "labels.png")


def test_seg_needs_one_source_image_per_slice(series, labels, tmp_path: Path) -> None:
    datasets, _ = series
    with pytest.raises(ExportError, match="12 slices but 11 source images"):
        write_dicom_seg(datasets[:-1], labels, tmp_path / "seg.dcm")


def test_empty_segments_are_left_out_of_dicom_seg(series, labels, tmp_path: Path) -> None:
    import highdicom as hd

    datasets, geometry = series
    empty = Segment(2, "spleen", "#9d6ca2")  # listed between the two painted ones, no voxel
    with_empty = LabelMap(labels.labels, geometry, [SEGMENTS[0], empty, SEGMENTS[1]])
    seg = hd.seg.segread(write_dicom_seg(datasets, with_empty, tmp_path / "seg.dcm"))
    assert [seg.get_segment_description(n).segment_label for n in (1, 2)] == ["liver", "lesion"]
    assert seg.number_of_segments == 2
    volume = seg.get_volume(combine_segments=True, relabel=False).array
    assert int((volume == 2).sum()) == int((labels.labels == 5).sum())
    assert int((volume == 1).sum()) == int((labels.labels == 1).sum())


def test_a_seg_of_only_empty_segments_is_refused(series, tmp_path: Path) -> None:
    datasets, geometry = series
    nothing = LabelMap(np.zeros(geometry.shape, np.uint8), geometry, list(SEGMENTS))
    with pytest.raises(ExportError, match="Every segment is empty"):
        write_dicom_seg(datasets, nothing, tmp_path / "seg.dcm")
    assert not (tmp_path / "seg.dcm").exists()


def test_segment_values_already_numbered_are_written_as_they_are(series, tmp_path: Path) -> None:
    import highdicom as hd

    datasets, geometry = series
    array = np.zeros(geometry.shape, np.uint8)
    array[1:4, 2:10, 3:12] = 1
    array[5:8, 12:20, 3:12] = 2
    segments = [Segment(1, "liver", "#dd8265"), Segment(2, "spleen", "#9d6ca2")]
    for stray in (False, True):
        if stray:
            array[9, 0, 0] = 9  # a value no segment lists: left out
        out = write_dicom_seg(datasets, LabelMap(array, geometry, segments), tmp_path / "s.dcm")
        volume = hd.seg.segread(out).get_volume(combine_segments=True, relabel=False).array
        assert sorted(np.unique(volume).tolist()) == [0, 1, 2]
        assert int((volume == 2).sum()) == int((array == 2).sum())
