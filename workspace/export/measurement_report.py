"""Measurements and study-level findings as DICOM SR (TID 1500, highdicom) and as JSON.

Rulers are planar ROI groups with an SCOORD3D polyline; landmarks, 3D boxes and polygons are
written by :mod:`workspace.export.sr_markups`. A single-frame 2D image's markups are instead
regions on the image itself (SCOORD, no frame of reference needed), written by
:mod:`workspace.export.sr_image_regions` into a Comprehensive SR.

Terms with no standard code go into the private coding scheme ``99CALIPER`` (DICOM allows
private schemes whose designator starts with 99); laterality uses SNOMED CT.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from workspace.annotation_kinds.names import CLASSIFICATION, RULER
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput
from workspace.export.registry import register_exporter
from workspace.export.sr_image_regions import (
    ImageMarkup,
    image_markups,
    image_region_groups,
    is_single_image,
)
from workspace.export.sr_markups import (
    BoxMarkup,
    PointMarkup,
    PolygonMarkup,
    markup_groups,
    markups_of,
    polygons_of,
    value_unit,
)
from workspace.volume.geometry import Vector3, VolumeGeometry

PRIVATE_SCHEME = "99CALIPER"
LENGTH = Code("410668003", "SCT", "Length")
MILLIMETRE = Code("mm", "UCUM", "millimeter")
IMAGING_PROCEDURE = Code("363679005", "SCT", "Imaging procedure")
LATERALITY_CODES = {
    "left": Code("7771000", "SCT", "Left"),
    "right": Code("24028007", "SCT", "Right"),
    "bilateral": Code("51440002", "SCT", "Right and left"),
}


def private_code(meaning: str) -> Code:
    """A code in Caliper's private scheme for a term with no standard code."""
    value = re.sub(r"[^A-Za-z0-9]+", "-", meaning).strip("-").upper()[:16] or "TERM"
    return Code(value, PRIVATE_SCHEME, meaning)


@dataclass(frozen=True)
class LengthMeasurement:
    """A ruler: two points in patient coordinates (LPS, mm)."""

    label: str
    start: Vector3
    end: Vector3

    @property
    def length_mm(self) -> float:
        """Euclidean length in millimetres."""
        return math.dist(self.start, self.end)


@dataclass(frozen=True)
class Finding:
    """A volume-level classification: a finding with its attributes (severity, laterality...)."""

    label: str
    attributes: dict[str, str] = field(default_factory=dict)


def _point(values: Any) -> Vector3:
    x, y, z = (float(v) for v in values)
    return (x, y, z)


def measurements(
    annotations: Sequence[Annotation],
) -> tuple[list[LengthMeasurement], list[Finding]]:
    """The rulers (``start``/``end`` in LPS mm) and classifications among ``annotations``."""
    lengths: list[LengthMeasurement] = []
    findings: list[Finding] = []
    for annotation in annotations:
        data = annotation.data
        if annotation.kind == RULER:
            start, end = _point(data["start"]), _point(data["end"])
            lengths.append(LengthMeasurement(annotation.label or "length", start, end))
        elif annotation.kind == CLASSIFICATION:
            attributes = {str(k): str(v) for k, v in data.get("attributes", {}).items()}
            findings.append(Finding(str(data.get("finding") or annotation.label), attributes))
    return lengths, findings


def report_json(
    lengths: Sequence[LengthMeasurement], findings: Sequence[Finding]
) -> dict[str, Any]:
    """The same content as the SR, as plain JSON."""
    return {
        "measurements": [
            {
                "label": m.label,
                "type": "length",
                "value": round(m.length_mm, 3),
                "unit": "mm",
                "points_lps_mm": [list(m.start), list(m.end)],
            }
            for m in lengths
        ],
        "findings": [{"label": f.label, "attributes": dict(f.attributes)} for f in findings],
    }


def _value_code(attribute: str, value: str) -> Code:
    if attribute.lower() == "laterality" and value.lower() in LATERALITY_CODES:
        return LATERALITY_CODES[value.lower()]
    return private_code(value)


def write_measurement_report(
    source: Sequence[pydicom.Dataset],
    lengths: Sequence[LengthMeasurement],
    findings: Sequence[Finding],
    path: Path,
    *,
    points: Sequence[PointMarkup] = (),
    boxes: Sequence[BoxMarkup] = (),
    polygons: Sequence[PolygonMarkup] = (),
    observer: str = "",
    series_number: int = 901,
) -> Path:
    """Write a Comprehensive 3D SR (TID 1500 measurement report) referencing ``source``:
    rulers, landmarks (``points``), 3D ``boxes``, ``polygons`` and findings."""
    import highdicom as hd

    if not source:
        raise ExportError("A measurement report needs the source images it refers to.")
    if not (lengths or findings or points or boxes or polygons):
        raise ExportError("There are no measurements or findings to report.")
    if "FrameOfReferenceUID" not in source[0]:
        raise ExportError(
            "These images have no patient frame of reference, so their measurements cannot be"
            " placed in a DICOM SR (only a single 2D image's can); export them as JSON."
        )
    frame_of_reference = str(source[0].FrameOfReferenceUID)
    groups: list[Any] = []
    for number, measurement in enumerate(lengths, start=1):
        region = hd.sr.ImageRegion3D(
            graphic_type=hd.sr.GraphicTypeValues3D.POLYLINE,
            graphic_data=np.array([measurement.start, measurement.end], dtype=np.float64),
            frame_of_reference_uid=frame_of_reference,
        )
        groups.append(
            hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=hd.UID(), identifier=f"ruler {number}: {measurement.label}"
                ),
                referenced_region=region,
                finding_type=private_code(measurement.label),
                measurements=[
                    hd.sr.Measurement(
                        name=LENGTH, value=round(measurement.length_mm, 3), unit=MILLIMETRE
                    )
                ],
            )
        )
    series_uid = str(source[0].SeriesInstanceUID)
    unit = value_unit(str(source[0].get("Modality", "")))
    groups += markup_groups(
        points, boxes, frame_of_reference, series_uid, private_code, polygons, unit
    )
    return _save(source, groups, findings, path, observer, series_number, three_d=True)


def write_image_report(
    source: pydicom.Dataset,
    markups: Sequence[ImageMarkup],
    findings: Sequence[Finding],
    path: Path,
    *,
    observer: str = "",
    series_number: int = 901,
) -> Path:
    """Write a Comprehensive SR (TID 1500) of a single-frame image's ``markups``, each a
    region on the image (SCOORD), and ``findings``."""
    if not (markups or findings):
        raise ExportError("There are no measurements or findings to report.")
    unit = value_unit(str(source.get("Modality", "")))
    groups = image_region_groups(markups, source, private_code, unit)
    return _save([source], groups, findings, path, observer, series_number, three_d=False)


def _save(
    source: Sequence[pydicom.Dataset],
    groups: list[Any],
    findings: Sequence[Finding],
    path: Path,
    observer: str,
    series_number: int,
    three_d: bool,
) -> Path:
    """Add the findings' groups to ``groups`` and write the report (a Comprehensive 3D SR when
    it holds SCOORD3D regions, else a Comprehensive SR)."""
    import highdicom as hd

    for number, finding in enumerate(findings, start=1):
        groups.append(
            hd.sr.MeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=hd.UID(), identifier=f"finding {number}: {finding.label}"
                ),
                finding_type=private_code(finding.label),
                qualitative_evaluations=[
                    hd.sr.QualitativeEvaluation(
                        name=private_code(attribute), value=_value_code(attribute, value)
                    )
                    for attribute, value in finding.attributes.items()
                ],
            )
        )
    observer_context = hd.sr.ObservationContext(
        observer_person_context=hd.sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
                name=observer or "Anonymous^Annotator"
            ),
        )
    )
    report = hd.sr.MeasurementReport(
        observation_context=observer_context,
        procedure_reported=IMAGING_PROCEDURE,
        imaging_measurements=groups,
    )
    kind = hd.sr.Comprehensive3DSR if three_d else hd.sr.ComprehensiveSR
    document = kind(
        evidence=list(source),
        content=report,
        series_instance_uid=hd.UID(),
        series_number=series_number,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="Caliper",
        is_complete=True,
    )
    document.save_as(path)
    return path


def stored_geometry(meta: dict[str, Any]) -> VolumeGeometry | None:
    """The volume grid an item's metadata records (None if it records none)."""
    try:
        return VolumeGeometry.from_json(meta["volume"]["geometry"])
    except (KeyError, TypeError, ValueError):
        return None


class MeasurementReportExporter:
    """``sr``: a volume's rulers, landmarks, 3D boxes, polygons and findings as a DICOM SR (a
    single 2D image's as regions on the image)."""

    format_id = "sr"
    result_file: str | None = None

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` as a TID 1500 report referencing the volume's instances."""
        lengths, findings = measurements(source.annotations)
        geometry = stored_geometry(source.item.meta)
        headers = source.payloads.source_headers(source.item)
        if is_single_image(headers):
            regions = image_markups(source.annotations, headers[0], geometry)
            return [write_image_report(headers[0], regions, findings, out, observer=source.user)]
        points, boxes = markups_of(source.annotations, geometry)
        written = write_measurement_report(
            headers,
            lengths,
            findings,
            out,
            points=points,
            boxes=boxes,
            polygons=polygons_of(source.annotations),
            observer=source.user,
        )
        return [written]


register_exporter(MeasurementReportExporter())
