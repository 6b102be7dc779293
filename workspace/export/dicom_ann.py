"""A slide's shapes as DICOM Microscopy Bulk Simple Annotations, written with highdicom.

One annotation group per class and graphic type: counted points are ``POINT`` annotations (a
MultiPoint gives one per point), lines ``POLYLINE`` and regions ``POLYGON`` (a multipolygon
one per part; DICOM polygons are closed implicitly, so the repeated closing vertex is left
out). Coordinates are 2D (column, row) of the total pixel matrix — level-0 pixels, the same
origin as Caliper's — stored as 64-bit floats, so they read back exactly. DICOM polygons
have no holes: a region with holes is refused by name (export it as ``geojson``).

The source image referenced is the slide's DICOM base image, whose UIDs the DICOM slide
importer records (``meta["dicom"]``: ``study_uid``, ``series_uid``, ``sop_uid``); otherwise a
source
description is generated, its UIDs derived from the item's id so that every export of an
item refers to the same study and image. highdicom copies patient and study attributes from
it; the generated one is anonymous.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workspace.annotation_kinds.base import describe
from workspace.annotation_kinds.slide_shapes import GEOMETRY, SHAPE
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.geojson import slide_shapes
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema
from workspace.items import ItemSummary

FORMAT = "dicom-ann"
WSI_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.77.1.6"
GRAPHIC_TYPES = {"point": "POINT", "line": "POLYLINE"}


def graphics(annotation: Annotation) -> tuple[str, list[list[list[float]]]]:
    """The DICOM graphic type of a shape and its graphics (a list of (x, y) lists)."""
    geometry = annotation.data[GEOMETRY]
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return "POINT", [[coordinates]]
    if kind == "MultiPoint":
        return "POINT", [[p] for p in coordinates]
    if kind == "LineString":
        return "POLYLINE", [coordinates]
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if any(len(rings) > 1 for rings in polygons):
        raise ExportError(
            f"{describe(annotation)} has holes, which DICOM annotations cannot hold "
            "(export it as geojson)."
        )
    return "POLYGON", [rings[0][:-1] for rings in polygons]


def _source_image(item: ItemSummary) -> Any:
    """The slide's DICOM identity, recorded or generated (a pydicom Dataset)."""
    from pydicom.dataset import Dataset
    from pydicom.uid import generate_uid

    recorded = item.meta.get("dicom")
    recorded = recorded if isinstance(recorded, dict) else {}

    def uid(key: str) -> str:
        value = recorded.get(key)
        return str(value) if value else generate_uid(entropy_srcs=[item.id, key])

    source = Dataset()
    source.StudyInstanceUID = uid("study_uid")
    source.SeriesInstanceUID = uid("series_uid")
    source.SOPInstanceUID = uid("sop_uid")
    source.SOPClassUID = WSI_SOP_CLASS
    source.Modality = "SM"
    source.PatientID = str(recorded.get("patient_id", ""))
    source.PatientName = ""
    source.PatientBirthDate = ""
    source.PatientSex = ""
    source.StudyID = ""
    source.AccessionNumber = ""
    source.StudyDate = ""
    source.StudyTime = ""
    source.ReferringPhysicianName = ""
    source.FrameOfReferenceUID = uid("frame_of_reference_uid")
    source.ContainerIdentifier = str(recorded.get("container_id", item.id[:16]))
    source.SpecimenDescriptionSequence = []
    return source


def annotation_dataset(item: ItemSummary, annotations: Sequence[Annotation], user: str = "") -> Any:
    """The Bulk Simple Annotations instance of the slide shapes (a highdicom dataset)."""
    import highdicom as hd
    import numpy as np
    from pydicom.sr.codedict import codes
    from pydicom.uid import generate_uid

    shapes = slide_shapes(annotations)
    if not shapes:
        raise ExportError("There are no slide regions or points to write.")
    grouped: dict[tuple[str, str], list[list[list[float]]]] = {}
    for annotation in shapes:
        kind, found = graphics(annotation)
        grouped.setdefault((annotation.label or "", kind), []).extend(found)
    groups = [
        hd.ann.AnnotationGroup(
            number=number,
            uid=generate_uid(),
            label=label,
            annotated_property_category=codes.SCT.MorphologicallyAbnormalStructure,
            annotated_property_type=codes.SCT.Neoplasm
            if label.startswith("tumour")
            else codes.SCT.Tissue,
            graphic_type=kind,
            graphic_data=[np.asarray(g, dtype=np.float64) for g in found],
            algorithm_type=hd.ann.AnnotationGroupGenerationTypeValues.MANUAL,
        )
        for number, ((label, kind), found) in enumerate(grouped.items(), start=1)
    ]
    return hd.ann.MicroscopyBulkSimpleAnnotations(
        source_images=[_source_image(item)],
        annotation_coordinate_type=hd.ann.AnnotationCoordinateTypeValues.SCOORD,
        annotation_groups=groups,
        series_instance_uid=generate_uid(),
        series_number=1,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer="Caliper",
        manufacturer_model_name="Caliper",
        software_versions="1",
        device_serial_number="0",
        content_description="Slide annotations"[:64],
        content_creator_name=user or None,
    )


class DicomAnnExporter:
    """``dicom-ann``: DICOM Microscopy Bulk Simple Annotations for PACS and viewers."""

    format_id = FORMAT
    result_file: str | None = None

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.dcm``)."""
        require_suffix(out, "DICOM", (".dcm",))
        shapes = slide_shapes(source.annotations)
        check_schema(source.schema, shapes)
        for annotation in shapes:
            if annotation.data.get(SHAPE) is None:
                raise ExportError(f"{describe(annotation)} has no shape.")
        dataset = annotation_dataset(source.item, shapes, source.user)
        try:
            dataset.save_as(out, enforce_file_format=True)
        except OSError as exc:
            raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
        return [out]


register_exporter(DicomAnnExporter())
