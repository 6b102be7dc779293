"""``json``: a volume's measurements, findings, markups and segment volumes as one document.

Rulers and findings as in the SR (:func:`~workspace.export.measurement_report.report_json`),
landmarks (LPS mm) and 3D boxes (corners in LPS mm, size along the image's x, y and z axes in
mm, volume), polygons (vertices in LPS mm, area in mm², count, mean, min and max of the values
inside), each also in voxel indices ``points_ijk`` (x, y, z = column, row, slice; a pixel's
centre is a whole number, so on a 2D image ``(i, j)`` is the pixel) with the ``grid`` they refer
to, and the voxel count and volume of each segment (an empty list when the volume has no
segmentation; a damaged one is an error, never an empty list).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workspace.annotation_kinds.names import BOX3D, LANDMARK, POLYGON, RULER
from workspace.annotations import Annotation
from workspace.errors import NoSegmentationError
from workspace.export.base import ExportError, ExportInput
from workspace.export.measurement_report import measurements, report_json, stored_geometry
from workspace.export.registry import register_exporter
from workspace.volume.model import LabelMap


def markups(
    annotations: Sequence[Annotation],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Landmarks and 3D boxes for the report."""
    landmarks: list[dict[str, Any]] = []
    boxes: list[dict[str, Any]] = []
    for annotation in annotations:
        data = annotation.data
        if annotation.kind == LANDMARK:
            landmarks.append(
                {
                    "label": annotation.label,
                    "point_lps_mm": data.get("point"),
                    "point_ijk": _ijk(data.get("point_kji")),
                    "attributes": data.get("attributes", {}),
                }
            )
        elif annotation.kind == BOX3D:
            boxes.append(
                {
                    "label": annotation.label,
                    "corners_lps_mm": data.get("corners"),
                    "corners_ijk": _box_ijk(data),
                    "size_mm_xyz": _xyz(data.get("size_mm_kji")),
                    "volume_ml": data.get("volume_ml"),
                    "attributes": data.get("attributes", {}),
                }
            )
    return landmarks, boxes


def polygons(annotations: Sequence[Annotation]) -> list[dict[str, Any]]:
    """Polygons for the report: vertices in LPS mm and voxel indices, area, values inside."""
    return [
        {
            "label": a.label,
            "points_lps_mm": a.data.get("points"),
            "points_ijk": [_ijk(p) for p in a.data.get("points_kji") or []],
            "area_mm2": a.data.get("area_mm2"),
            "values": a.data.get("values"),
            "attributes": a.data.get("attributes", {}),
        }
        for a in annotations
        if a.kind == POLYGON
    ]


def ruler_indices(annotations: Sequence[Annotation]) -> list[list[Any]]:
    """Each ruler's ends in voxel indices (x, y, z), in the order of the measurements."""
    return [
        [_ijk(a.data.get("start_kji")), _ijk(a.data.get("end_kji"))]
        for a in annotations
        if a.kind == RULER
    ]


def grid(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The voxel grid the ``points_ijk`` refer to: its size and spacing (mm) in x, y, z order
    (a 2D image: columns, rows, 1); None when the item records none."""
    geometry = stored_geometry(meta)
    if geometry is None:
        return None
    return {
        "size_ijk": [int(n) for n in reversed(geometry.shape)],
        "spacing_mm_ijk": [float(v) for v in geometry.spacing],
    }


def _ijk(kji: Any) -> list[float] | None:
    """A point stored in array order (k, j, i) in x, y, z order."""
    return None if kji is None else [float(v) for v in reversed(kji)]


def _box_ijk(data: dict[str, Any]) -> list[list[float]] | None:
    """A box's outer corners (voxel edges) in voxel indices (x, y, z)."""
    if "min_kji" not in data or "max_kji" not in data:
        return None
    low = [float(v) - 0.5 for v in reversed(data["min_kji"])]
    high = [float(v) + 0.5 for v in reversed(data["max_kji"])]
    return [low, high]


def _xyz(size_kji: Any) -> list[float] | None:
    """A size stored in array order (k, j, i) in x, y, z order (i, j, k)."""
    return None if size_kji is None else [float(v) for v in reversed(size_kji)]


def segment_statistics(labels: LabelMap) -> list[dict[str, Any]]:
    """Voxel count and volume (mL) of every segment."""
    counts = np.bincount(
        labels.labels.ravel(), minlength=max([s.value for s in labels.segments], default=0) + 1
    )
    voxel_ml = labels.geometry.voxel_volume_mm3 / 1000.0
    return [
        {
            "value": s.value,
            "name": s.name,
            "voxels": int(counts[s.value]),
            "volume_ml": round(float(counts[s.value]) * voxel_ml, 3),
        }
        for s in labels.segments
    ]


class JsonReportExporter:
    """``json``: the volume's whole report as JSON."""

    format_id = "json"
    result_file: str | None = None

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` as an indented UTF-8 JSON document."""
        item = source.item
        lengths, findings = measurements(source.annotations)
        document: dict[str, Any] = {
            "item": {"id": item.id, "title": item.title},
            **report_json(lengths, findings),
        }
        for measurement, ends in zip(
            document["measurements"], ruler_indices(source.annotations), strict=True
        ):
            measurement["points_ijk"] = ends
        document["landmarks"], document["boxes"] = markups(source.annotations)
        document["polygons"] = polygons(source.annotations)
        document["grid"] = grid(source.item.meta)
        try:
            document["segments"] = segment_statistics(source.payloads.segmentation(item))
        except NoSegmentationError:
            document["segments"] = []
        try:
            out.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
        return [out]


register_exporter(JsonReportExporter())
