"""DICOM Segmentation (SEG) objects of a label map, referencing the source CT/MR instances."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.sr.coding import Code

from workspace.export.base import ExportError, ExportInput
from workspace.export.registry import register_exporter
from workspace.schema import LabelSchema
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment

#: SNOMED CT codes used when a label schema gives no code of its own.
ANATOMICAL_STRUCTURE = Code("91723000", "SCT", "Anatomical Structure")
MORPHOLOGICALLY_ALTERED = Code("49755003", "SCT", "Morphologically Altered Structure")
TISSUE = Code("85756007", "SCT", "Tissue")
SEGMENTATION_TYPES = ("BINARY", "LABELMAP")
_SLAB_BYTES = 4 << 20


@dataclass(frozen=True)
class SegmentCoding:
    """What a segment is, in codes: category (e.g. anatomical structure) and property type."""

    category: Code
    property_type: Code


def default_coding(segment: Segment) -> SegmentCoding:
    """A coding for a segment with no schema code: lesions are altered structures, else tissue."""
    if "lesion" in segment.name.lower() or "tumor" in segment.name.lower():
        return SegmentCoding(MORPHOLOGICALLY_ALTERED, Code("52988006", "SCT", "Lesion"))
    return SegmentCoding(ANATOMICAL_STRUCTURE, TISSUE)


def present_segments(labels: LabelMap) -> list[Segment]:
    """The segments that have at least one voxel, in the order of ``labels.segments``.

    A slab of slices at a time (it stays in the cache), each segment looked for only until it
    is found: one pass over the labels at most, and a ``bincount`` would first widen every
    voxel to 8 bytes (seconds on a 512×512×500 map).
    """
    array = labels.labels
    missing = {s.value for s in labels.segments}
    step = max(1, _SLAB_BYTES // max(1, array[0].nbytes))
    for k in range(0, array.shape[0], step):
        slab = array[k : k + step]
        missing -= {value for value in missing if (slab == value).any()}
        if not missing:
            break
    return [s for s in labels.segments if s.value not in missing]


def _relabelled(labels: LabelMap, segments: Sequence[Segment]) -> np.ndarray:
    """Label values mapped to segment numbers 1..N in the order of ``segments`` (others 0);
    the label array itself when it already holds exactly those numbers."""
    array = labels.labels
    top = int(array.max(initial=0))
    if top <= len(segments) and all(s.value == n for n, s in enumerate(segments, start=1)):
        return array
    lookup = np.zeros(top + 1, dtype=array.dtype)
    for number, segment in enumerate(segments, start=1):
        if segment.value < lookup.size:
            lookup[segment.value] = number
    return lookup[array]


def _pixel_measures(first: pydicom.Dataset, labels: LabelMap) -> Any:
    """The SEG's pixel size: None in a patient frame with a pixel spacing (highdicom copies the
    source's and checks the planes against it); else the size the image was imported with
    (PixelSpacing, ImagerPixelSpacing, the US region or 1 mm: the stored geometry), so a
    radiograph whose PixelSpacing is zeros gets a real one."""
    import highdicom as hd

    if "FrameOfReferenceUID" in first and first.get("PixelSpacing") is not None:
        return None
    column, row, thickness = labels.geometry.spacing
    return hd.PixelMeasuresSequence(
        pixel_spacing=(float(row), float(column)), slice_thickness=float(thickness)
    )


def _frame_positions(header: pydicom.Dataset) -> list[Any] | None:
    """ImagePositionPatient of every frame of an Enhanced (functional groups) file; None when
    the frames are placed otherwise (a stack from one position, or not in the patient)."""
    shared = (header.get("SharedFunctionalGroupsSequence") or [None])[0]
    positions = []
    for group in header.get("PerFrameFunctionalGroupsSequence") or []:
        planes = group.get("PlanePositionSequence") or (
            shared.get("PlanePositionSequence") if shared is not None else None
        )
        if not planes or "ImagePositionPatient" not in planes[0]:
            return None
        positions.append([float(v) for v in planes[0].ImagePositionPatient])
    return positions or None


def source_frame_slices(header: pydicom.Dataset, geometry: VolumeGeometry) -> list[int]:
    """For each frame of a multi-frame source file, the slice ``k`` it was imported as.

    The importer orders frames along the slice normal (:mod:`workspace.volume.series_grid`):
    an Enhanced file's by the positions in its functional groups, a stack or a cine in file
    order. The same order is derived here from the stored header, so items imported before
    any order was recorded export too; each frame is checked to lie on its slice.
    """
    count = int(header.get("NumberOfFrames") or 1)
    if count != geometry.shape[0]:
        raise ExportError(
            f"The source image has {count} frames but the label map {geometry.shape[0]} slices."
        )
    positions = _frame_positions(header)
    if positions is None:
        return list(range(count))
    normal = geometry.matrix[:, 2]
    distances = np.asarray(positions, dtype=np.float64) @ normal
    order = np.argsort(distances, kind="stable")  # order[k]: the frame at slice k
    expected = float(np.asarray(geometry.origin) @ normal) + geometry.spacing[2] * np.arange(count)
    if np.any(np.abs(distances[order] - expected) > geometry.spacing[2] / 2):
        raise ExportError(
            "The source image's frames do not lie on the slices of this volume, so the "
            "segmentation cannot be referenced to them; export it as NIfTI or NRRD instead."
        )
    slices = [0] * count
    for k, frame in enumerate(order):
        slices[int(frame)] = k
    return slices


def _check_frames_referable(header: pydicom.Dataset, depth: int) -> None:
    """Refuse a multi-frame source whose frames a SEG cannot reference one by one: highdicom
    writes several frames only of an image placed in the patient (not of a cine)."""
    from highdicom.spatial import get_image_coordinate_system

    if get_image_coordinate_system(header) is None:
        raise ExportError(
            f"The source image's {depth} frames have no position in the patient (a cine or "
            "a multi-frame ultrasound): a DICOM SEG can reference only one such frame. Export "
            "the segmentation as NIfTI or NRRD, or the annotations as JSON, instead."
        )


def _source_frames(
    source: Sequence[pydicom.Dataset], labels: LabelMap, pixels: np.ndarray
) -> np.ndarray:
    """``pixels`` (in slice order) as highdicom wants them: one per source image, or, for one
    multi-frame source, one per source frame in the file's frame order."""
    depth = labels.geometry.shape[0]
    if len(source) == depth:
        return pixels
    if len(source) == 1 and int(source[0].get("NumberOfFrames") or 1) > 1:
        _check_frames_referable(source[0], depth)
        slices = source_frame_slices(source[0], labels.geometry)
        if slices == list(range(depth)):
            return pixels
        return pixels[np.asarray(slices)]
    if len(source) > 1 and any(int(s.get("NumberOfFrames") or 1) > 1 for s in source):
        raise ExportError(
            f"The volume was imported from {len(source)} multi-frame files; a DICOM SEG can "
            "reference only one multi-frame image. Export it as NIfTI or NRRD instead."
        )
    raise ExportError(
        f"The label map has {depth} slices but {len(source)} source images were given."
    )


def write_dicom_seg(
    source: Sequence[pydicom.Dataset],
    labels: LabelMap,
    path: Path,
    *,
    codings: dict[int, SegmentCoding] | None = None,
    segmentation_type: str = "BINARY",
    creator: str = "",
    series_number: int = 900,
) -> Path:
    """Write ``labels`` as a DICOM SEG referencing ``source`` (one dataset per slice, in k order,
    or one multi-frame dataset whose frames are the slices; a 2D image is one single-frame
    dataset, with or without a frame of reference).

    Every segment of ``labels.segments`` with at least one voxel becomes a SEG segment with its
    name, colour and codes (numbered 1..N in that order); empty segments and voxels of values
    not listed are left out.
    """
    import highdicom as hd

    if segmentation_type not in SEGMENTATION_TYPES:
        raise ExportError(
            f"Unknown segmentation type {segmentation_type!r}; use BINARY or LABELMAP."
        )
    if not labels.segments:
        raise ExportError("The label map has no segments to export.")
    segments = present_segments(labels)
    if not segments:
        raise ExportError("Every segment is empty: there is nothing to export as DICOM SEG.")
    codings = codings or {}
    descriptions = []
    for number, segment in enumerate(segments, start=1):
        coding = codings.get(segment.value) or default_coding(segment)
        descriptions.append(
            hd.seg.SegmentDescription(
                segment_number=number,
                segment_label=segment.name,
                segmented_property_category=coding.category,
                segmented_property_type=coding.property_type,
                algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
                tracking_uid=hd.UID(),
                tracking_id=segment.name,
                display_color=hd.color.CIELabColor.from_string(segment.color),
            )
        )
    pixels = _source_frames(source, labels, _relabelled(labels, segments))
    try:
        seg = _segmentation(
            source, labels, pixels, segmentation_type, descriptions, creator, series_number
        )
    except ValueError as exc:  # highdicom's refusals of an unusual source image
        raise ExportError(
            f"A DICOM SEG cannot reference this source image ({exc}). Export the segmentation "
            "as NIfTI or NRRD instead."
        ) from None
    if "FrameOfReferenceUID" not in seg:  # a 2D image without a patient frame (SC, US...)
        seg.PatientOrientation = source[0].get("PatientOrientation") or ""
    seg.save_as(path)
    return path


def _segmentation(
    source: Sequence[pydicom.Dataset],
    labels: LabelMap,
    pixels: np.ndarray,
    segmentation_type: str,
    descriptions: list[Any],
    creator: str,
    series_number: int,
) -> Any:
    """highdicom's Segmentation of ``pixels`` (frames in the source's order)."""
    import highdicom as hd

    return hd.seg.Segmentation(
        source_images=list(source),
        pixel_measures=_pixel_measures(source[0], labels),
        pixel_array=pixels,
        segmentation_type=segmentation_type,
        segment_descriptions=descriptions,
        series_instance_uid=hd.UID(),
        series_number=series_number,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="Caliper",
        manufacturer_model_name="Caliper workstation",
        software_versions="0.1.0",
        device_serial_number="caliper",
        content_creator_name=creator or None,
        content_label="SEGMENTATION",
        series_description="Caliper segmentation",
    )


def schema_codings(schema: LabelSchema, labels: LabelMap) -> dict[int, SegmentCoding]:
    """Segment codes from the label schema, where the schema has them."""
    codings: dict[int, SegmentCoding] = {}
    for segment in labels.segments:
        label = next((c for c in schema.classes if c.name == segment.name), None)
        if label is not None and label.code is not None:
            category = default_coding(segment).category
            meaning = label.code.display or label.name
            codings[segment.value] = SegmentCoding(
                category, Code(label.code.code, label.code.system, meaning)
            )
    return codings


class DicomSegExporter:
    """``dicom-seg``: a volume's segmentation referencing its source instances."""

    format_id = "dicom-seg"
    result_file: str | None = None

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` as a DICOM SEG coded with the schema's codes."""
        labels = source.payloads.segmentation(source.item)
        headers = source.payloads.reference_headers(source.item)
        codings = schema_codings(source.schema, labels)
        return [write_dicom_seg(headers, labels, out, codings=codings, creator=source.user)]


register_exporter(DicomSegExporter())
