"""DICOM SEG made elsewhere (by highdicom) lands on the right voxels of its series.

The series is oblique, its files named against slice order; the SEG covers a few frames only.
Imported with ``--segmentation-of`` (the annotation import service the CLI uses), the label
map must equal, voxel for voxel, the mask the SEG was made from.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest

from storage.profile import Profile
from tests.workspace.dicom_images import oblique_mr_series, phantom
from workspace.annotation_import.service import import_annotations
from workspace.errors import WorkspaceError
from workspace.workspace import Workspace

SHAPE = (6, 14, 12)  # slices, rows, columns


@pytest.fixture
def workspace(profile: Profile) -> Iterator[Workspace]:
    yield Workspace(profile)


@pytest.fixture
def series(tmp_path: Path) -> list[pydicom.Dataset]:
    """The oblique MR series' files, read back in slice order (slice k of the volume)."""
    files = oblique_mr_series(tmp_path / "mr", phantom(SHAPE, seed=9))
    return [pydicom.dcmread(p) for p in files]  # written k = 0, 1, ... (names reversed)


def _mask() -> np.ndarray:
    """Label values on slices 1, 2 and 4 only: 1 and 2 side by side, no overlap."""
    mask = np.zeros(SHAPE, dtype=np.uint8)
    mask[1, 2:9, 3:7] = 1
    mask[2, 4:10, 2:5] = 1
    mask[2, 4:10, 7:11] = 2
    mask[4, 0:3, 0:12] = 2
    return mask


def _segment(number: int, label: str):
    import highdicom as hd
    from pydicom.sr.codedict import codes

    return hd.seg.SegmentDescription(
        segment_number=number,
        segment_label=label,
        segmented_property_category=codes.SCT.Tissue,
        segmented_property_type=codes.SCT.Tissue,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )


def _write_seg(sources: list[pydicom.Dataset], mask: np.ndarray, path: Path, kind: str) -> None:
    import highdicom as hd

    planes = np.stack([mask == 1, mask == 2], axis=-1)  # frames × rows × cols × segments
    pixels = planes.astype(np.float32) * 0.8 if kind == "FRACTIONAL" else planes
    seg = hd.seg.Segmentation(
        source_images=sources,
        pixel_array=pixels,
        segmentation_type=kind,
        segment_descriptions=[_segment(1, "lesion"), _segment(2, "oedema")],
        series_instance_uid=hd.UID(),
        series_number=40,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="elsewhere",
        manufacturer_model_name="highdicom",
        software_versions="0",
        device_serial_number="1",
    )
    assert seg.NumberOfFrames < SHAPE[0] * 2  # empty frames left out: a few frames only
    seg.save_as(path)


@pytest.mark.parametrize("kind", ["BINARY", "FRACTIONAL"])
def test_seg_from_highdicom_lands_on_the_voxels_it_was_made_from(
    tmp_path: Path, workspace: Workspace, series, kind
) -> None:
    (item,) = workspace.import_paths([tmp_path / "mr"])
    geometry = workspace.load_volume(item.id).geometry
    normal = geometry.matrix[:, 2]
    positions = [np.array(ds.ImagePositionPatient, float) @ normal for ds in series]
    assert positions == sorted(positions)  # series[k] is the volume's slice k
    mask = _mask()
    _write_seg(series, mask, tmp_path / "seg.dcm", kind)
    result = import_annotations(workspace, item.id, tmp_path / "seg.dcm")
    assert result.segments == ("lesion", "oedema")
    labels = workspace.load_segmentation(item.id)
    assert labels.labels.shape == mask.shape
    assert np.array_equal(labels.labels, mask)
    assert [s.value for s in labels.segments] == [1, 2]


def test_seg_of_shuffled_sources_still_lands_by_position(
    tmp_path: Path, workspace: Workspace, series
) -> None:
    (item,) = workspace.import_paths([tmp_path / "mr"])
    mask = _mask()
    order = [3, 0, 5, 1, 4, 2]
    _write_seg([series[k] for k in order], mask[order], tmp_path / "seg.dcm", "BINARY")
    import_annotations(workspace, item.id, tmp_path / "seg.dcm")
    assert np.array_equal(workspace.load_segmentation(item.id).labels, mask)


def test_seg_on_an_enhanced_multiframe_source_lands_by_frame_position(
    tmp_path: Path, workspace: Workspace, series
) -> None:
    import highdicom as hd

    enhanced = hd.legacy.LegacyConvertedEnhancedMRImage(
        legacy_datasets=series[::-1],
        series_instance_uid=hd.UID(),
        series_number=8,
        sop_instance_uid=hd.UID(),
        instance_number=1,
    )
    (tmp_path / "enhanced").mkdir()
    enhanced.save_as(tmp_path / "enhanced" / "mr.dcm")
    (item,) = workspace.import_paths([tmp_path / "enhanced"])
    source = pydicom.dcmread(tmp_path / "enhanced" / "mr.dcm")
    normal = workspace.load_volume(item.id).geometry.matrix[:, 2]
    distances = [
        np.array(g.PlanePositionSequence[0].ImagePositionPatient, float) @ normal
        for g in source.PerFrameFunctionalGroupsSequence
    ]
    slice_of_frame = np.argsort(np.argsort(distances))  # frame f holds slice slice_of_frame[f]
    mask = _mask()
    _write_seg([source], mask[slice_of_frame], tmp_path / "seg.dcm", "BINARY")
    import_annotations(workspace, item.id, tmp_path / "seg.dcm")
    assert np.array_equal(workspace.load_segmentation(item.id).labels, mask)


def test_seg_of_another_series_is_refused_and_nothing_is_saved(
    tmp_path: Path, workspace: Workspace, series
) -> None:
    (item,) = workspace.import_paths([tmp_path / "mr"])
    other = [pydicom.dcmread(p) for p in oblique_mr_series(tmp_path / "other", phantom(SHAPE))]
    _write_seg(other, _mask(), tmp_path / "seg.dcm", "BINARY")
    with pytest.raises(WorkspaceError, match=r"seg\.dcm"):
        import_annotations(workspace, item.id, tmp_path / "seg.dcm")
    assert workspace.annotations(item.id) == []


def test_seg_on_a_radiograph_without_frame_of_reference(tmp_path: Path, workspace: Workspace):
    import highdicom as hd

    from tests.workspace.dicom_images import image_dataset, write

    pixels = phantom((1, 16, 20), seed=2)[0].astype(np.uint16)
    path = write(
        image_dataset(pydicom.uid.ComputedRadiographyImageStorage, "CR", pixels),
        tmp_path / "cr" / "chest.dcm",
    )
    source = pydicom.dcmread(path)
    del source.FrameOfReferenceUID  # as most radiographs: no frame of reference, no spacing
    source.save_as(path)
    (item,) = workspace.import_paths([path])
    mask = np.zeros((16, 20), dtype=np.uint8)
    mask[3:9, 4:12] = 1
    seg = hd.seg.Segmentation(
        source_images=[source],
        pixel_array=mask,
        segmentation_type="BINARY",
        segment_descriptions=[_segment(1, "nodule")],
        series_instance_uid=hd.UID(),
        series_number=41,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="elsewhere",
        manufacturer_model_name="highdicom",
        software_versions="0",
        device_serial_number="1",
    )
    seg.save_as(tmp_path / "seg.dcm")
    import_annotations(workspace, item.id, tmp_path / "seg.dcm")
    labels = workspace.load_segmentation(item.id)
    assert np.array_equal(labels.labels[0], mask)
    assert [s.name for s in labels.segments] == ["nodule"]


def test_pydicom_data_liver_seg_needs_its_source_series() -> None:
    pytest.skip(
        "pydicom-data's liver.dcm references a CT series that no installable package ships "
        "(only the SEG is public there), so it cannot be imported onto its source here"
    )
