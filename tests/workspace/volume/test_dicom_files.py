"""Reading one DICOM file: the fast header walker agrees with pydicom; pixel values as pydicom."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from tests.workspace.volume.series_helpers import by_position, rewrite, small_series
from workspace.importers.dicom import DicomImporter
from workspace.volume.dicom_header import read_header, read_with_pydicom
from workspace.volume.dicom_native import read_native_header
from workspace.volume.dicom_pixels import header_file_bytes, read_frames
from workspace.volume.dicom_series import assemble_series


def _with_undefined_length_sequences(path: Path) -> None:
    ds = pydicom.dcmread(path)
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "121311", "DCM", "Localizer"
    reference = Dataset()
    reference.ReferencedSOPClassUID = ds.SOPClassUID
    reference.ReferencedSOPInstanceUID = "1.2.3.4"
    reference.PurposeOfReferenceCodeSequence = Sequence([code])
    reference.is_undefined_length_sequence_item = True
    ds.ReferencedImageSequence = Sequence([reference, reference])
    ds["ReferencedImageSequence"].is_undefined_length = True
    ds.RescaleIntercept = "-1000"  # after the sequences in the file
    ds.save_as(path)


def _same_file(fast, slow) -> None:
    assert fast.dataset is None and slow.dataset is not None
    for field in ("syntax", "prefix", "pixel_offset", "rows", "cols", "unused_bits", "native"):
        assert getattr(fast, field) == getattr(slow, field), field
    assert np.array_equal(fast.orientation, slow.orientation)
    assert np.array_equal(fast.pixel_spacing, slow.pixel_spacing)
    assert fast.slice_thickness == pytest.approx(slow.slice_thickness)
    assert len(fast.frames) == len(slow.frames) == 1
    for a, b in zip(fast.frames, slow.frames, strict=True):
        assert np.array_equal(a.position, b.position)
        assert (a.slope, a.intercept, a.index) == (b.slope, b.intercept, b.index)


def test_header_walker_agrees_with_pydicom_across_nested_sequences(tmp_path: Path) -> None:
    (path,) = small_series(tmp_path, slices=1)
    _with_undefined_length_sequences(path)
    assert b"\xfe\xff\xdd\xe0" in path.read_bytes()  # a sequence delimiter is really there
    fast = read_header(path)
    _same_file(fast, read_with_pydicom(path))
    assert fast.frames[0].intercept == -1000.0
    assert pydicom.dcmread(path).pixel_array.shape == read_frames(fast)[0].shape


def test_header_walker_reads_implicit_vr(tmp_path: Path) -> None:
    (path,) = small_series(tmp_path, slices=1)
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    fast = read_header(path)
    assert fast.native is not None and fast.native.implicit_vr
    _same_file(fast, read_with_pydicom(path))
    assert np.array_equal(read_frames(fast)[0], ds.pixel_array)


def test_stored_header_is_the_file_up_to_its_pixel_data(tmp_path: Path) -> None:
    (path,) = small_series(tmp_path, slices=1)
    header = header_file_bytes(read_header(path))
    assert path.read_bytes().startswith(header)
    stored = pydicom.dcmread(pydicom.filebase.DicomBytesIO(header))
    assert "PixelData" not in stored
    assert stored.SOPInstanceUID == pydicom.dcmread(path).SOPInstanceUID


def test_a_bare_data_set_is_read_by_pydicom_and_its_header_made_a_file(tmp_path: Path) -> None:
    files = small_series(tmp_path / "src", slices=3)
    bare = []
    for n, source in enumerate(files):
        ds = pydicom.dcmread(source)
        del ds.file_meta
        ds.preamble = None
        target = tmp_path / "bare" / f"IM{n}"
        target.parent.mkdir(exist_ok=True)
        pydicom.dcmwrite(target, ds, implicit_vr=True, little_endian=True)
        bare.append(target)
    assert read_header(bare[0]).dataset is not None  # no file meta: not the fast road
    assembled = assemble_series(bare)
    assert np.array_equal(assembled.volume.voxels, assemble_series(files).volume.voxels)
    header = pydicom.dcmread(pydicom.filebase.DicomBytesIO(assembled.sources[0].header_bytes))
    assert "PixelData" not in header and header.file_meta.TransferSyntaxUID


def test_bits_above_bits_stored_are_ignored_as_pydicom_does(tmp_path: Path) -> None:
    files = small_series(tmp_path, slices=3)
    for path in files:
        ds = pydicom.dcmread(path)
        values = ds.pixel_array.copy()
        values[0, :4] |= 0xF000  # junk in the four unused high bits
        ds.PixelData = values.tobytes()
        ds.save_as(path)
    volume = assemble_series(files).volume
    for k, path in enumerate(by_position(files)):
        ds = pydicom.dcmread(path)
        assert np.array_equal(volume.voxels[k], ds.pixel_array.astype(np.int32) - 1024)


def test_signed_pixels_and_values_beyond_int16(tmp_path: Path) -> None:
    files = small_series(tmp_path, slices=3)
    for path in files:
        ds = pydicom.dcmread(path)
        values = ds.pixel_array.astype(np.uint16)
        values[0, 0] = 65000
        ds.PixelData = values.tobytes()
        ds.BitsStored, ds.HighBit, ds.RescaleIntercept = 16, 15, "0"
        ds.save_as(path)
    volume = assemble_series(files).volume
    assert volume.voxels.dtype == np.float32  # whole numbers, but beyond int16: exact in float32
    assert volume.voxels[0, 0, 0] == 65000
    assert volume.sha256 == hashlib.sha256(volume.voxels).hexdigest()  # of the refill
    for path in files:
        ds = pydicom.dcmread(path)
        ds.PixelRepresentation = 1
        ds.save_as(path)
    signed = assemble_series(files).volume
    assert signed.voxels.dtype == np.int16
    assert signed.voxels[0, 0, 0] == np.uint16(65000).view(np.int16)


def test_importer_fast_road_decodes_names_like_pydicom(tmp_path: Path) -> None:
    files = small_series(tmp_path, slices=2)
    for path in files:
        rewrite(path, PatientName="Müller^Jürgen", SeriesDescription="Thorax ÄÖÜ")
    (item,) = DicomImporter().read(files)
    assert item.meta["patient_name"] == str(pydicom.dcmread(files[0]).PatientName)
    assert item.meta["series_description"] == "Thorax ÄÖÜ"
    assert read_native_header(files[0].read_bytes()) is not None  # it was the fast road


DATA = Path(__file__).parent / "data"


def test_jpeg_lossless_series_decodes_like_simpleitk() -> None:
    from tests.workspace.volume.series_helpers import assert_matches_sitk, sitk_series

    files = sorted((DATA / "jpeg-lossless-sv1").glob("*.dcm"))
    assert pydicom.dcmread(files[0]).file_meta.TransferSyntaxUID == pydicom.uid.JPEGLosslessSV1
    assert_matches_sitk(assemble_series(files).volume, sitk_series(files))


@pytest.mark.parametrize(
    "name",
    [
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_bigendian.dcm",
        "MR_small_expb.dcm",
        "MR_small_implicit.dcm",
        "MR_small_padded.dcm",
    ],
)
def test_pydicoms_encodings_of_one_image_all_give_its_voxels(name: str) -> None:
    from pydicom.data import get_testdata_file

    reference = assemble_series([Path(get_testdata_file("MR_small.dcm"))]).volume
    volume = assemble_series([Path(get_testdata_file(name))]).volume
    assert np.array_equal(volume.voxels, reference.voxels)
    assert volume.geometry == reference.geometry
