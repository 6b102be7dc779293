"""``caliper export``: one item's annotations written in the format asked for.

Measurement annotations follow this layout (what the volume tools write):
``ruler`` — ``data = {"start": [x, y, z], "end": [x, y, z]}`` in LPS mm;
``classification`` — ``data = {"finding": str, "attributes": {name: value}}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydicom.sr.coding import Code

from workspace.export.dicom_seg import SegmentCoding, default_coding, write_dicom_seg
from workspace.export.formats import FORMATS
from workspace.export.labelmap_files import ExportError, write_labelmap
from workspace.export.measurement_report import (
    Finding,
    LengthMeasurement,
    report_json,
    write_measurement_report,
)
from workspace.volume.geometry import Vector3
from workspace.volume.model import LabelMap
from workspace.volume.segmentation import load_segmentation
from workspace.volume.store import load_source_headers

if TYPE_CHECKING:
    from workspace.workspace import Workspace


def _codings(workspace: Workspace, item_id: str, labels: LabelMap) -> dict[int, SegmentCoding]:
    """Segment codes from the item's label schema, where the schema has them."""
    schema = workspace.schema_for(workspace.item(item_id))
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


def _point(values: Any) -> Vector3:
    x, y, z = (float(v) for v in values)
    return (x, y, z)


def _measurements(
    workspace: Workspace, item_id: str
) -> tuple[list[LengthMeasurement], list[Finding]]:
    lengths: list[LengthMeasurement] = []
    findings: list[Finding] = []
    for annotation in workspace.annotations(item_id):
        data = annotation.data
        if annotation.kind == "ruler":
            start, end = _point(data["start"]), _point(data["end"])
            lengths.append(LengthMeasurement(annotation.label or "length", start, end))
        elif annotation.kind == "classification":
            attributes = {str(k): str(v) for k, v in data.get("attributes", {}).items()}
            findings.append(Finding(str(data.get("finding") or annotation.label), attributes))
    return lengths, findings


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


def export_item(workspace: Workspace, item_id: str, fmt: str, out: Path) -> list[Path]:
    """Write the item's segmentation or measurements as ``fmt`` (audited); returns the files."""
    written = _write(workspace, item_id, fmt, out)
    workspace.profile.audit.record(
        "item.export", item_id, {"format": fmt, "files": [p.name for p in written]}
    )
    return written


def _write(workspace: Workspace, item_id: str, fmt: str, out: Path) -> list[Path]:
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    item = workspace.item(item_id)
    if item.modality != "volume":
        raise ExportError(f"Item {item_id} is a {item.modality} item; {fmt} is for volumes.")
    if fmt in ("nifti", "nrrd"):
        suffixes = (".nii", ".nii.gz") if fmt == "nifti" else (".nrrd",)
        if not out.name.lower().endswith(suffixes):
            raise ExportError(f"{out.name}: a {fmt} file name ends with {' or '.join(suffixes)}.")
        return write_labelmap(load_segmentation(workspace, item_id), out)
    if fmt == "dicom-seg":
        labels = load_segmentation(workspace, item_id)
        headers = load_source_headers(workspace.profile.blobs, item.meta)
        codings = _codings(workspace, item_id, labels)
        return [write_dicom_seg(headers, labels, out, codings=codings, creator=workspace.user)]
    lengths, findings = _measurements(workspace, item_id)
    if fmt == "sr":
        headers = load_source_headers(workspace.profile.blobs, item.meta)
        return [write_measurement_report(headers, lengths, findings, out, observer=workspace.user)]
    document = {"item": {"id": item.id, "title": item.title}, **report_json(lengths, findings)}
    try:
        document["segments"] = segment_statistics(load_segmentation(workspace, item_id))
    except KeyError:
        document["segments"] = []
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return [out]
