"""Small DICOM files written with pydicom for the image-format tests (no patient data)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

#: A tilted orientation (rows along x turned 20° about z, columns tilted 15° out of plane).
OBLIQUE = (
    np.array([np.cos(np.radians(20)), np.sin(np.radians(20)), 0.0]),
    np.array(
        [
            -np.sin(np.radians(20)) * np.cos(np.radians(15)),
            np.cos(np.radians(20)) * np.cos(np.radians(15)),
            np.sin(np.radians(15)),
        ]
    ),
)


def _ds(value: float) -> str:
    return f"{value:.8g}"


def image_dataset(
    sop_class: str,
    modality: str,
    pixels: npt.NDArray[Any],
    *,
    series_uid: str | None = None,
    study_uid: str | None = None,
    frame_uid: str | None = None,
    photometric: str | None = None,
    **values: Any,
) -> Dataset:
    """A data set of ``sop_class`` holding ``pixels`` (frames × rows × cols [× 3], uint8/16)."""
    colour = pixels.shape[-1] == 3 and photometric != "MONOCHROME2"
    frames = pixels.shape[0] if pixels.ndim == (4 if colour else 3) else 1
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.FrameOfReferenceUID = frame_uid or generate_uid()
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.PatientName, ds.PatientID = "Format^Test", "FMT-1"
    ds.StudyDate = ds.SeriesDate = "20260101"
    ds.StudyTime = ds.SeriesTime = "120000"
    ds.StudyID, ds.AccessionNumber = "1", "A1"
    ds.ReferringPhysicianName = ""
    ds.PatientBirthDate, ds.PatientSex = "", "O"
    ds.Manufacturer = "Caliper tests"
    ds.Rows, ds.Columns = pixels.shape[-3:-1] if colour else pixels.shape[-2:]
    ds.SamplesPerPixel = 3 if colour else 1
    ds.PhotometricInterpretation = photometric or ("RGB" if colour else "MONOCHROME2")
    if colour:
        ds.PlanarConfiguration = 0
    bits = pixels.dtype.itemsize * 8
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    if frames > 1:
        ds.NumberOfFrames = frames
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    ds.PixelData = np.ascontiguousarray(pixels, dtype=pixels.dtype.newbyteorder("<")).tobytes()
    return ds


def write(ds: Dataset, path: Path) -> Path:
    """Save ``ds`` as a DICOM file at ``path`` (folders made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def oblique_mr_series(
    folder: Path,
    values: npt.NDArray[np.int16],
    *,
    spacing: Sequence[float] = (0.8, 0.9),
    step: float = 2.5,
    origin: Sequence[float] = (-40.0, 12.0, 30.0),
) -> list[Path]:
    """An MR series on the :data:`OBLIQUE` orientation: slice ``k`` of ``values`` (k, rows,
    cols) at ``origin + k * step * normal``; files named in reverse slice order."""
    row, column = OBLIQUE
    normal = np.cross(row, column)
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    paths = []
    for k, plane in enumerate(values):
        position = np.asarray(origin) + k * step * normal
        ds = image_dataset(
            pydicom.uid.MRImageStorage,
            "MR",
            plane.astype(np.int16),
            series_uid=series,
            study_uid=study,
            frame_uid=frame,
            InstanceNumber=k + 1,
            ImagePositionPatient=[_ds(v) for v in position],
            ImageOrientationPatient=[_ds(v) for v in (*row, *column)],
            PixelSpacing=[_ds(spacing[0]), _ds(spacing[1])],
            SliceThickness=_ds(step),
            SeriesDescription="oblique MR",
            ImageType=["ORIGINAL", "PRIMARY", "OTHER"],
            ScanningSequence="GR",
            SequenceVariant="NONE",
            ScanOptions="",
            MRAcquisitionType="3D",
            EchoTime="3",
            RepetitionTime="8",
            EchoTrainLength="1",
            MagneticFieldStrength="3",
            PositionReferenceIndicator="",
            PatientPosition="HFS",
            SeriesTime="120000",
            ContentDate="20260101",
            ContentTime="120000",
            AcquisitionNumber=1,
        )
        paths.append(write(ds, folder / f"slice{len(values) - k:03d}.dcm"))
    return paths


def phantom(shape: tuple[int, ...], seed: int = 0) -> npt.NDArray[np.int16]:
    """Reproducible test values (no structure needed: voxels are compared exactly)."""
    return np.random.default_rng(seed).integers(0, 2000, shape, dtype=np.int16)
