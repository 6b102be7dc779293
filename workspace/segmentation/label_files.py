"""Label maps read from files (NIfTI, NRRD, DICOM SEG) onto a stored volume's grid.

A file that does not lie exactly on the volume's grid, or is not a label map, is a
:class:`SegmentationImportError` saying why; nothing is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from storage.blobs import BlobStore
from workspace.errors import WorkspaceError
from workspace.items import ItemSummary
from workspace.segmentation.snapshots import PALETTE
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.image_header import ImageFileError, inspect_image
from workspace.volume.model import LabelMap, Segment


class SegmentationImportError(WorkspaceError):
    """A label map that does not fit its volume; the message says why."""


def _as_labels(array: npt.NDArray[Any]) -> npt.NDArray[np.uint8] | npt.NDArray[np.uint16]:
    """The smallest unsigned type that holds every label value."""
    return array.astype(np.uint8) if array.max(initial=0) < 256 else array.astype(np.uint16)


def _segments_for(values: list[int], names: list[str] | None) -> list[Segment]:
    if names is not None and len(names) != len(values):
        raise SegmentationImportError(
            f"{len(names)} label names given for {len(values)} labels ({values})."
        )
    return [
        Segment(value, names[n] if names else f"segment {value}", PALETTE[n % len(PALETTE)])
        for n, value in enumerate(values)
    ]


def labelmap_from_file(path: Path, geometry: VolumeGeometry, names: list[str] | None) -> LabelMap:
    """Read a NIfTI/NRRD label map and check it lies exactly on the volume's grid."""
    import SimpleITK as sitk  # noqa: N813

    try:
        info = inspect_image(path)  # a crafted header is refused before SimpleITK follows it
        image = sitk.ReadImage(str(path), imageIO=info.image_io)
    except ImageFileError as exc:
        raise SegmentationImportError(f"{path.name} {exc}.") from None
    except RuntimeError:
        raise SegmentationImportError(f"{path.name}: not a readable NIfTI or NRRD image.") from None
    array = sitk.GetArrayFromImage(image)
    checks = [
        ("size", array.shape == geometry.shape),
        ("origin", np.allclose(image.GetOrigin(), geometry.origin, atol=1e-3)),
        ("spacing", np.allclose(image.GetSpacing(), geometry.spacing, atol=1e-4)),
        ("direction", np.allclose(image.GetDirection(), np.ravel(geometry.direction), atol=1e-4)),
    ]
    wrong = [name for name, ok in checks if not ok]
    if wrong:
        raise SegmentationImportError(
            f"{path.name}: its {', '.join(wrong)} differ from the volume's; it is not a "
            "segmentation of this volume."
        )
    if not np.issubdtype(array.dtype, np.integer) or array.min() < 0 or array.max() > 65535:
        raise SegmentationImportError(f"{path.name}: label values must be integers 0..65535.")
    labels = _as_labels(array)
    values = [int(v) for v in np.unique(labels) if v != 0]
    if names is None and image.HasMetaDataKey("Segment0_Name"):
        names = _slicer_names(image, values)
    return LabelMap(labels, geometry, _segments_for(values, names))


def _slicer_names(image: Any, values: list[int]) -> list[str] | None:
    by_value: dict[int, str] = {}
    index = 0
    while image.HasMetaDataKey(f"Segment{index}_Name"):
        key = f"Segment{index}_LabelValue"
        value = int(image.GetMetaData(key)) if image.HasMetaDataKey(key) else index + 1
        by_value[value] = image.GetMetaData(f"Segment{index}_Name")
        index += 1
    return [by_value.get(v, f"segment {v}") for v in values]


def _frames_in_slice_order(header: Any, geometry: VolumeGeometry) -> list[int]:
    """A multi-frame source's frame numbers (from 1) in the volume's slice order: by position
    along the slice normal, or in file order when its frames have no position."""
    count = int(header.get("NumberOfFrames") or 1)
    shared = (header.get("SharedFunctionalGroupsSequence") or [None])[0]
    normal = geometry.matrix[:, 2]
    distances: list[float] = []
    for group in header.get("PerFrameFunctionalGroupsSequence") or []:
        planes = group.get("PlanePositionSequence") or (
            shared.get("PlanePositionSequence") if shared is not None else None
        )
        if not planes:
            return list(range(1, count + 1))
        distances.append(float(np.asarray(planes[0].ImagePositionPatient, dtype=float) @ normal))
    if len(distances) != count:
        return list(range(1, count + 1))
    return [int(n) + 1 for n in np.argsort(distances, kind="stable")]


def _segment_plane(seg: Any, headers: list[Any], geometry: VolumeGeometry, number: int) -> Any:
    """One segment's stored values on the volume's grid (raw: fractional values unscaled)."""
    options: dict[str, Any] = {
        "segment_numbers": [number],
        "assert_missing_frames_are_empty": True,
        "rescale_fractional": False,
        "dtype": np.uint8,
    }
    if len(headers) == 1 and int(headers[0].get("NumberOfFrames") or 1) > 1:
        return seg.get_pixels_by_source_frame(
            source_sop_instance_uid=str(headers[0].SOPInstanceUID),
            source_frame_numbers=_frames_in_slice_order(headers[0], geometry),
            **options,
        )[..., 0]
    return seg.get_pixels_by_source_instance(
        source_sop_instance_uids=[str(h.SOPInstanceUID) for h in headers], **options
    )[..., 0]


def _with_pixel_measures(path: Path, geometry: VolumeGeometry) -> Any:
    """The SEG data set; one made on a 2D image with no pixel spacing (a radiograph without
    a frame of reference) gets the volume's, as highdicom cannot read it back without."""
    import pydicom

    ds = pydicom.dcmread(path)
    shared = (ds.get("SharedFunctionalGroupsSequence") or [None])[0]
    measures = shared.get("PixelMeasuresSequence") if shared is not None else None
    if measures and "PixelSpacing" not in measures[0]:
        measures[0].PixelSpacing = [geometry.spacing[1], geometry.spacing[0]]  # row, column
    if measures and "SliceThickness" not in measures[0]:
        measures[0].SliceThickness = geometry.spacing[2]
    return ds


def labelmap_from_dicom_seg(
    path: Path, headers: list[Any], geometry: VolumeGeometry, names: list[str] | None
) -> LabelMap:
    """Read a DICOM SEG made on this volume's instances (or frames) into a label map on its
    grid. A fractional segment covers the voxels at or above half its maximum value; where
    segments overlap, the higher segment number wins."""
    import highdicom as hd

    try:
        seg = hd.seg.Segmentation.from_dataset(_with_pixel_measures(path, geometry), copy=False)
    except Exception:  # noqa: BLE001 - any reader failure becomes one sentence
        raise SegmentationImportError(f"{path.name}: not a readable DICOM SEG.") from None
    if str(seg.get("FrameOfReferenceUID", "")) != str(headers[0].get("FrameOfReferenceUID", "")):
        raise SegmentationImportError(
            f"{path.name}: its frame of reference differs from the volume's."
        )
    numbers = sorted(int(d.SegmentNumber) for d in seg.SegmentSequence)
    fractional = str(seg.SegmentationType) == "FRACTIONAL"
    threshold = (int(seg.get("MaximumFractionalValue") or 255) + 1) // 2 if fractional else 1
    array = np.zeros(geometry.shape, dtype=np.uint8 if max(numbers, default=0) < 256 else np.uint16)
    try:
        for number in numbers:
            plane = _segment_plane(seg, headers, geometry, number)
            array[plane >= threshold] = number
    except (KeyError, ValueError, RuntimeError, IndexError) as exc:
        raise SegmentationImportError(
            f"{path.name}: it does not reference this volume's images ({exc})."
        ) from None
    labels = _as_labels(array)
    values = [int(v) for v in np.unique(labels) if v != 0]
    if names is None:
        names = [seg.get_segment_description(v).segment_label for v in values]
    return LabelMap(labels, geometry, _segments_for(values, names))


def read_label_file(
    blobs: BlobStore, item: ItemSummary, path: Path, names: list[str] | None = None
) -> LabelMap:
    """A NIfTI/NRRD label map or a DICOM SEG read onto the grid of volume ``item``."""
    from workspace.volume.store import load_source_headers

    if item.modality != "volume" or "volume" not in item.meta:
        raise SegmentationImportError(f"Item {item.id} is not a stored volume.")
    geometry = VolumeGeometry.from_json(item.meta["volume"]["geometry"])
    if path.name.lower().endswith((".nii", ".nii.gz", ".nrrd", ".nhdr")):
        return labelmap_from_file(path, geometry, names)
    headers = load_source_headers(blobs, item.meta)
    return labelmap_from_dicom_seg(path, headers, geometry, names)
