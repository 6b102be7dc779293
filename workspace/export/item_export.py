"""``caliper export``: one item's annotations written in the format asked for.

Measurement annotations follow this layout (what the volume tools write):
``ruler`` — ``data = {"start": [x, y, z], "end": [x, y, z]}`` in LPS mm;
``classification`` — ``data = {"finding": str, "attributes": {name: value}}``.
Text, waveform and audio layouts are described in :mod:`workspace.export.brat`,
:mod:`workspace.export.wfdb_annotations` and :mod:`workspace.export.textgrid`; before those
are written, labels and attributes are checked against the item's schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydicom.sr.coding import Code

from storage.fileio import owner_only_files
from workspace.annotations import Annotation
from workspace.errors import NoSegmentationError
from workspace.export.brat import RELATION, write_brat
from workspace.export.dicom_seg import SegmentCoding, default_coding, write_dicom_seg
from workspace.export.formats import annotation_name, export_formats, formats_for, modalities_of
from workspace.export.labelmap_files import ExportError, write_labelmap
from workspace.export.measurement_report import (
    Finding,
    LengthMeasurement,
    report_json,
    write_measurement_report,
)
from workspace.export.textgrid import write_textgrid
from workspace.export.wfdb_annotations import write_wfdb_annotations
from workspace.importers.text import decode_text
from workspace.items import ItemSummary
from workspace.schema import (
    AttributeValueError,
    LabelSchema,
    UnknownAttributeError,
    UnknownLabelError,
)
from workspace.volume.geometry import Vector3
from workspace.volume.model import LabelMap
from workspace.volume.store import load_source_headers

if TYPE_CHECKING:
    from workspace.workspace import Workspace

#: The annotation formats :func:`write_open_format` writes, each with the file name
#: ``queue collect`` gives it in a result's folder.
OPEN_FORMATS: dict[str, str] = {
    "brat": "annotations.ann",
    "wfdb": "annotations.atr",
    "textgrid": "annotations.TextGrid",
}


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


def _markups(
    workspace: Workspace, item_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Landmarks (LPS mm) and 3D boxes (corners in LPS mm, size, volume) for the JSON report."""
    landmarks: list[dict[str, Any]] = []
    boxes: list[dict[str, Any]] = []
    for annotation in workspace.annotations(item_id):
        data = annotation.data
        if annotation.kind == "landmark":
            landmarks.append(
                {
                    "label": annotation.label,
                    "point_lps_mm": data.get("point"),
                    "attributes": data.get("attributes", {}),
                }
            )
        elif annotation.kind == "box3d":
            boxes.append(
                {
                    "label": annotation.label,
                    "corners_lps_mm": data.get("corners"),
                    "size_mm_kji": data.get("size_mm_kji"),
                    "volume_ml": data.get("volume_ml"),
                    "attributes": data.get("attributes", {}),
                }
            )
    return landmarks, boxes


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
    with owner_only_files():  # 0600 files (0700 folders), or stricter under the umask
        written = _write(workspace, item_id, fmt, out)
    workspace.profile.audit.record(
        "item.export", item_id, {"format": fmt, "files": [p.name for p in written]}
    )
    return written


def _check_relation(
    schema: LabelSchema, annotation: Annotation, by_id: dict[str, Annotation]
) -> None:
    """The relation's type is in the schema and may link the labels of its two spans."""
    name, label = annotation_name(annotation), annotation.label or ""
    relation = next((r for r in schema.relation_types if r.name == label), None)
    if relation is None:
        known = ", ".join(r.name for r in schema.relation_types) or "(none)"
        raise ExportError(
            f"{name}: unknown relation type {label!r} in schema {schema.id}; known: {known}"
        )
    source, target = (by_id.get(str(annotation.data.get(key))) for key in ("from", "to"))
    if source is None or target is None:
        return  # the writer names the missing end
    if not relation.allows(source.label or "", target.label or ""):
        raise ExportError(
            f"{name}: a {label!r} relation cannot go from {source.label!r} to "
            f"{target.label!r} in schema {schema.id}."
        )


def _check_schema(schema: LabelSchema, annotations: list[Annotation]) -> None:
    """Every label, attribute and relation of ``annotations`` is one the schema defines."""
    by_id = {a.id: a for a in annotations}
    for annotation in annotations:
        if annotation.kind == RELATION:
            _check_relation(schema, annotation, by_id)
            continue
        name, label = annotation_name(annotation), annotation.label
        if not label:
            raise ExportError(f"{name} has no label.")
        attributes = annotation.data.get("attributes", {})
        if not isinstance(attributes, dict):
            raise ExportError(f"{name}: 'attributes' is not an object.")
        try:
            schema.class_named(label)
            for key, value in attributes.items():
                schema.check_attribute(str(key), value, label)
        except (UnknownLabelError, UnknownAttributeError, AttributeValueError) as exc:
            raise ExportError(f"{name}: {exc}") from None


def _item_text(workspace: Workspace, item: ItemSummary) -> str:
    files = workspace.item_files(item.id)
    if not files:
        raise ExportError(f"Item {item.id} has no stored text.")
    text, _ = decode_text(bytes(workspace.read_file(files[0])))
    return text


def _number(meta: dict[str, Any], key: str) -> float:
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExportError(f"The item's {key} is not recorded; re-import it to export it.")
    return float(value)


def write_open_format(
    workspace: Workspace,
    item: ItemSummary,
    fmt: str,
    out: Path,
    annotations: list[Annotation] | None = None,
    schema: LabelSchema | None = None,
) -> list[Path]:
    """brat, WFDB or TextGrid: annotations checked against the item's schema, written.

    ``annotations`` defaults to the item's own; the manager's collector passes a result's,
    and the ``schema`` its task was sent with.
    """
    schema = schema or workspace.schema_for(item)
    if annotations is None:
        annotations = workspace.annotations(item.id)
    _check_schema(schema, annotations)
    if fmt == "brat":
        free_text = [a.name for a in schema.attributes if a.kind == "text"]
        return write_brat(_item_text(workspace, item), annotations, out, text_attributes=free_text)
    if fmt == "wfdb":
        symbols = {
            c.name: c.code.code
            for c in schema.classes
            if c.code is not None and c.code.system.upper() == "WFDB"
        }
        samples = item.meta.get("samples")
        return write_wfdb_annotations(
            annotations,
            out,
            fs=_number(item.meta, "fs"),
            samples=samples if isinstance(samples, int) and samples > 0 else None,
            symbols=symbols,
        )
    if fmt != "textgrid":
        raise ExportError(f"{fmt} is not an annotation format ({', '.join(OPEN_FORMATS)}).")
    frames, rate = item.meta.get("frames"), item.meta.get("samplerate")
    if isinstance(frames, int) and isinstance(rate, int) and frames > 0 and rate > 0:
        duration = frames / rate
    else:
        duration = _number(item.meta, "duration_s")
    return write_textgrid(annotations, out, duration_s=duration)


def _write(workspace: Workspace, item_id: str, fmt: str, out: Path) -> list[Path]:
    known = export_formats()
    if fmt not in known:
        raise ExportError(f"Unknown format {fmt!r}; use one of {', '.join(known)}.")
    item = workspace.item(item_id)
    if fmt not in formats_for(item.modality):
        fitting = ", ".join(formats_for(item.modality)) or "none yet"
        raise ExportError(
            f"Item {item_id} is a {item.modality} item; {fmt} is for "
            f"{' and '.join(modalities_of(fmt))} items (formats for {item.modality} items: "
            f"{fitting})."
        )
    if fmt in OPEN_FORMATS:
        return write_open_format(workspace, item, fmt, out)
    if fmt in ("nifti", "nrrd"):
        suffixes = (".nii", ".nii.gz") if fmt == "nifti" else (".nrrd",)
        if not out.name.lower().endswith(suffixes):
            raise ExportError(f"{out.name}: a {fmt} file name ends with {' or '.join(suffixes)}.")
        return write_labelmap(workspace.load_segmentation(item_id), out)
    if fmt == "dicom-seg":
        labels = workspace.load_segmentation(item_id)
        headers = load_source_headers(workspace.profile.blobs, item.meta)
        codings = _codings(workspace, item_id, labels)
        return [write_dicom_seg(headers, labels, out, codings=codings, creator=workspace.user)]
    lengths, findings = _measurements(workspace, item_id)
    if fmt == "sr":
        headers = load_source_headers(workspace.profile.blobs, item.meta)
        return [write_measurement_report(headers, lengths, findings, out, observer=workspace.user)]
    document = {"item": {"id": item.id, "title": item.title}, **report_json(lengths, findings)}
    document["landmarks"], document["boxes"] = _markups(workspace, item_id)
    try:
        document["segments"] = segment_statistics(workspace.load_segmentation(item_id))
    except NoSegmentationError:  # a damaged one is an error, never an empty list
        document["segments"] = []
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return [out]
