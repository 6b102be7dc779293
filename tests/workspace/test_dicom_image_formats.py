"""The images radiologists annotate: enhanced and other multi-frame files, 2D images, colour.

Each is imported into a real profile and compared with what pydicom (the field library) reads
from the same file: voxels exactly, geometry against the file's own position tags.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest

from storage.profile import Profile
from tests.workspace.dicom_images import OBLIQUE, image_dataset, oblique_mr_series, phantom, write
from workspace.volume.dicom_planar import COLOUR_NOTICE, LUMA_WEIGHTS
from workspace.volume.dicom_series import assemble_series
from workspace.workspace import Workspace

DATA = Path(pytest.importorskip("data_store").__file__).parent / "data"


@pytest.fixture
def workspace(profile: Profile) -> Iterator[Workspace]:
    yield Workspace(profile)


def _import_one(workspace: Workspace, path: Path, **kwargs):
    problems: list[str] = []
    warnings: list[str] = []
    items = workspace.import_paths(
        [path],
        on_problem=lambda _p, m: problems.append(m),
        on_warning=lambda _p, m: warnings.append(m),
        **kwargs,
    )
    assert problems == []
    (item,) = items
    return item, workspace.load_volume(item.id), warnings


# ---------------------------------------------------------------- Enhanced multi-frame


def test_enhanced_ct_supplemental_has_its_frames_geometry_and_rescale(workspace):
    source = DATA / "eCT_Supplemental.dcm"
    ds = pydicom.dcmread(source)
    item, volume, _ = _import_one(workspace, source)
    assert item.meta["dicom_modality"] == "CT" and volume.geometry.shape == (2, 512, 512)
    shared = ds.SharedFunctionalGroupsSequence[0]
    orientation = np.array(shared.PlaneOrientationSequence[0].ImageOrientationPatient, float)
    normal = np.cross(orientation[:3], orientation[3:])
    groups = ds.PerFrameFunctionalGroupsSequence
    positions = [np.array(g.PlanePositionSequence[0].ImagePositionPatient, float) for g in groups]
    order = np.argsort([p @ normal for p in positions])
    assert np.allclose(volume.geometry.origin, positions[order[0]])
    assert np.allclose(volume.geometry.matrix[:, 0], orientation[:3])
    assert np.allclose(volume.geometry.matrix[:, 1], orientation[3:])
    measures = shared.PixelMeasuresSequence[0]
    step = abs((positions[order[1]] - positions[order[0]]) @ normal)
    assert np.allclose(volume.geometry.spacing, [*measures.PixelSpacing[::-1], step])
    for k, frame in enumerate(order):
        group = groups[frame].get("PixelValueTransformationSequence") or shared.get(
            "PixelValueTransformationSequence"
        )
        slope, intercept = float(group[0].RescaleSlope), float(group[0].RescaleIntercept)
        expected = ds.pixel_array[frame] * slope + intercept
        assert np.array_equal(volume.voxels[k], expected)


def test_enhanced_mr_made_by_highdicom_matches_its_oblique_classic_series(tmp_path, workspace):
    import highdicom as hd

    files = oblique_mr_series(tmp_path / "classic", phantom((5, 12, 10), seed=3))
    classic = assemble_series(files).volume
    enhanced = hd.legacy.LegacyConvertedEnhancedMRImage(
        legacy_datasets=[pydicom.dcmread(p) for p in files],
        series_instance_uid=hd.UID(),
        series_number=7,
        sop_instance_uid=hd.UID(),
        instance_number=1,
    )
    target = tmp_path / "enhanced" / "mr.dcm"
    target.parent.mkdir()
    enhanced.save_as(target)
    item, volume, _ = _import_one(workspace, target)
    assert item.meta["dicom_modality"] == "MR"
    assert np.array_equal(volume.voxels, classic.voxels)
    assert np.allclose(volume.geometry.affine, classic.geometry.affine, atol=1e-4)
    assert np.allclose(volume.geometry.matrix[:, 1], OBLIQUE[1], atol=1e-6)


# ---------------------------------------------------------------- multi-frame, no functional groups


def test_multiframe_with_one_position_and_a_slice_spacing_is_a_stack(tmp_path, workspace):
    frames = phantom((4, 6, 8), seed=1).astype(np.uint16)
    row, column = OBLIQUE
    path = write(
        image_dataset(
            pydicom.uid.NuclearMedicineImageStorage,
            "NM",
            frames,
            ImagePositionPatient=["10", "-5", "3"],
            ImageOrientationPatient=[f"{v:.8g}" for v in (*row, *column)],
            PixelSpacing=["2.5", "2"],
            SpacingBetweenSlices="3.5",
        ),
        tmp_path / "nm.dcm",
    )
    item, volume, _ = _import_one(workspace, path)
    assert np.array_equal(volume.voxels, frames)
    assert np.allclose(volume.geometry.spacing, (2.0, 2.5, 3.5))
    assert np.allclose(volume.geometry.origin, (10, -5, 3))
    assert np.allclose(volume.geometry.matrix[:, 2], np.cross(row, column))
    assert item.title == "NM — series 1 (4 slices)"


def test_cine_without_positions_scrolls_its_frames_like_slices_with_a_notice(tmp_path, workspace):
    frames = phantom((6, 10, 12), seed=2).astype(np.uint8)
    path = write(
        image_dataset(
            pydicom.uid.XRayAngiographicImageStorage,
            "XA",
            frames,
            ImagerPixelSpacing=["0.3", "0.3"],
        ),
        tmp_path / "xa.dcm",
    )
    item, volume, warnings = _import_one(workspace, path)
    assert np.array_equal(volume.voxels, frames)
    assert volume.geometry.spacing == (0.3, 0.3, 1.0)
    assert volume.geometry.origin == (0.0, 0.0, 0.0)
    assert item.title == "XA — series 1 (6 frames)"
    stored = workspace.item(item.id).meta["volume"]["warnings"]
    assert any("6 frames without a position in the patient" in w for w in stored)
    assert any("1 apart" in w for w in warnings)


def test_colour_ultrasound_cine_from_pydicom_imports_as_luminance_frames(workspace):
    from pydicom.data import get_testdata_file

    source = Path(get_testdata_file("examples_ybr_color.dcm"))
    item, volume, _ = _import_one(workspace, source)
    rgb = pydicom.dcmread(source).pixel_array.astype(np.float64)  # YBR converted to RGB
    expected = np.rint(rgb @ np.array(LUMA_WEIGHTS))
    assert volume.geometry.shape == (30, 240, 320)
    assert np.array_equal(volume.voxels, expected)
    assert COLOUR_NOTICE in workspace.item(item.id).meta["volume"]["warnings"]


# ---------------------------------------------------------------- 2D images


@pytest.mark.parametrize(
    ("name", "modality", "shape", "notice"),
    [
        ("RG1_UNCR.dcm", "CR", (1, 1955, 1841), "lengths are in pixels"),
        ("RG1_J2KR.dcm", "CR", (1, 1955, 1841), "lengths are in pixels"),
        ("US1_UNCR.dcm", "US", (1, 480, 640), "lengths are in pixels"),
        ("OBXXXX1A.dcm", "US", (1, 600, 800), "from the ultrasound region"),
    ],
)
def test_public_2d_images_import_as_one_slice(workspace, name, modality, shape, notice):
    item, volume, warnings = _import_one(workspace, DATA / name)
    ds = pydicom.dcmread(DATA / name)
    assert item.meta["dicom_modality"] == modality and item.title.endswith("(2D image)")
    assert volume.geometry.shape == shape
    pixels = ds.pixel_array
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        pixels = apply_color_lut(pixels, ds)
    if pixels.ndim == 3:  # colour
        pixels = np.rint(pixels.astype(np.float64) @ np.array(LUMA_WEIGHTS))
    assert np.array_equal(volume.voxels[0], pixels)
    assert any(notice in w for w in warnings)


@pytest.mark.parametrize(
    ("tags", "spacing", "note"),
    [
        ({"PixelSpacing": ["0.15", "0.2"]}, (0.2, 0.15), None),
        ({"ImagerPixelSpacing": ["0.1", "0.1"]}, (0.1, 0.1), "ImagerPixelSpacing"),
        (
            {"PixelSpacing": ["0.09", "0.09"], "ImagerPixelSpacing": ["0.1", "0.1"]},
            (0.09, 0.09),
            None,
        ),
        ({}, (1.0, 1.0), "lengths are in pixels"),
    ],
)
def test_radiograph_ruler_units_follow_pixel_spacing_then_imager_spacing(
    tmp_path, workspace, tags, spacing, note
):
    pixels = phantom((1, 16, 20), seed=5)[0].astype(np.uint16)
    path = write(
        image_dataset(pydicom.uid.DigitalXRayImageStorageForPresentation, "DX", pixels, **tags),
        tmp_path / "dx.dcm",
    )
    _item, volume, warnings = _import_one(workspace, path)
    assert volume.geometry.spacing[:2] == spacing
    assert np.array_equal(volume.voxels[0], pixels)
    spacing_notes = [w for w in warnings if "ixel size" in w]
    assert (note is None and spacing_notes == []) or any(note in w for w in spacing_notes)


def test_mammogram_and_grey_secondary_capture_are_single_slices(tmp_path, workspace):
    mg = phantom((1, 20, 14), seed=6)[0].astype(np.uint16)
    sc = phantom((1, 9, 11), seed=7)[0].astype(np.uint8)
    write(
        image_dataset(
            pydicom.uid.DigitalMammographyXRayImageStorageForPresentation,
            "MG",
            mg,
            ImagerPixelSpacing=["0.07", "0.07"],
        ),
        tmp_path / "in" / "mg.dcm",
    )
    write(
        image_dataset(pydicom.uid.SecondaryCaptureImageStorage, "OT", sc),
        tmp_path / "in" / "sc.dcm",
    )
    items = workspace.import_paths([tmp_path / "in"])
    by_modality = {item.meta["dicom_modality"]: item for item in items}
    assert np.array_equal(workspace.load_volume(by_modality["MG"].id).voxels[0], mg)
    assert np.array_equal(workspace.load_volume(by_modality["OT"].id).voxels[0], sc)


def test_rgb_secondary_capture_keeps_its_luminance_with_a_notice(tmp_path, workspace):
    rgb = np.zeros((1, 2, 3, 3), dtype=np.uint8)
    rgb[0, 0, 0] = (255, 0, 0)
    rgb[0, 0, 1] = (0, 255, 0)
    rgb[0, 0, 2] = (0, 0, 255)
    rgb[0, 1] = (200, 100, 50)
    path = write(
        image_dataset(pydicom.uid.SecondaryCaptureImageStorage, "SC", rgb[0]), tmp_path / "rgb.dcm"
    )
    _item, volume, warnings = _import_one(workspace, path)
    assert volume.voxels[0].tolist() == [[76, 150, 29], [124, 124, 124]]  # BT.601 luma, rounded
    assert COLOUR_NOTICE in warnings[-1]


def test_images_without_positions_in_one_series_become_one_item_each(tmp_path, workspace):
    series = pydicom.uid.generate_uid()
    for n in range(3):
        pixels = phantom((1, 8, 8), seed=n)[0].astype(np.uint16)
        write(
            image_dataset(
                pydicom.uid.ComputedRadiographyImageStorage,
                "CR",
                pixels,
                series_uid=series,
                InstanceNumber=n + 1,
            ),
            tmp_path / "cr" / f"view{n}.dcm",
        )
    items = workspace.import_paths([tmp_path / "cr"])
    assert len(items) == 3
    assert all(item.title == "CR — series 1 (2D image)" for item in items)


def test_nm_stack_placed_by_its_detector_information(tmp_path, workspace):
    frames = phantom((3, 5, 5), seed=8).astype(np.uint16)
    detector = pydicom.Dataset()
    detector.ImagePositionPatient = ["-20", "4", "8"]
    detector.ImageOrientationPatient = ["1", "0", "0", "0", "0", "-1"]  # coronal
    path = write(
        image_dataset(
            pydicom.uid.NuclearMedicineImageStorage,
            "NM",
            frames,
            DetectorInformationSequence=pydicom.Sequence([detector]),
            PixelSpacing=["4", "4"],
            SliceThickness="4",
        ),
        tmp_path / "nm.dcm",
    )
    _item, volume, _ = _import_one(workspace, path)
    assert np.array_equal(volume.voxels, frames)
    assert np.allclose(volume.geometry.origin, (-20, 4, 8))
    assert np.allclose(volume.geometry.matrix[:, 2], (0, 1, 0))  # row × column of a coronal
    assert np.allclose(volume.geometry.spacing, (4, 4, 4))


def test_a_ct_slice_without_a_position_is_left_out_of_its_series(tmp_path, workspace):
    from workspace.demo_data import generate_ct_series

    files = generate_ct_series(tmp_path / "ct", slices=5, rows=8, cols=8, seed=3)
    odd = pydicom.dcmread(files[0])  # the top slice: leaving it out makes no gap
    del odd.ImagePositionPatient
    odd.save_as(files[0])
    problems: list[tuple[Path, str]] = []
    (item,) = workspace.import_paths(
        [tmp_path / "ct"], on_problem=lambda p, m: problems.append((p, m))
    )
    assert workspace.load_volume(item.id).geometry.shape == (4, 8, 8)
    ((path, message),) = problems
    assert path == files[0] and "gives no position in the patient" in message


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"NumberOfFrames": 10}, "the image size needs"),  # frames promised, not present
        ({"PhotometricInterpretation": "PALETTE COLOR"}, "pixel data could not be decoded"),
        ({"NumberOfFrames": b"X "}, "xa.dcm: corrupt DICOM header"),  # not a number
    ],
)
def test_hostile_cines_are_refused_in_one_line_and_store_nothing(tmp_path, workspace, change, said):
    frames = phantom((6, 10, 12), seed=2).astype(np.uint8)
    ds = image_dataset(pydicom.uid.XRayAngiographicImageStorage, "XA", frames)
    raw = {k: v for k, v in change.items() if isinstance(v, bytes)}
    for keyword, value in change.items():
        if keyword not in raw:
            setattr(ds, keyword, value)
    path = write(ds, tmp_path / "xa.dcm")
    if raw:  # a value pydicom would not write: patched into the file's bytes
        data = path.read_bytes()
        element = b"\x28\x00\x08\x00IS\x02\x006 "  # NumberOfFrames "6 "
        assert data.count(element) == 1
        path.write_bytes(data.replace(element, element[:-2] + raw["NumberOfFrames"]))
    problems: list[tuple[Path, str]] = []
    items = workspace.import_paths([path], on_problem=lambda p, m: problems.append((p, m)))
    assert items == [] and workspace.items() == []
    ((reported, message),) = problems
    assert reported == path and "\n" not in message and said in message
