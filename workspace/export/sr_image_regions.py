"""Markups of a 2D image as TID 1410 groups with image-referenced SCOORD regions.

A single-frame image (a radiograph, a secondary capture, one CT or MR slice) needs no frame of
reference: each markup's region is an SCOORD on the image itself, in DICOM image coordinates
(column, row; the top left corner of the top left pixel is 0, 0, so a pixel's centre is at
``+ 0.5``). A landmark is a ``POINT``; a ruler a two-point ``POLYLINE`` with its length; a
polygon or a box (its slice's rectangle) a closed ``POLYLINE`` (first point repeated last, as
SCOORD has no ``POLYGON``) with its area, the box's width and height and the polygon's value
statistics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pydicom
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from workspace.annotation_kinds.names import BOX3D, LANDMARK, POLYGON, RULER
from workspace.annotations import Annotation
from workspace.export.base import ExportError
from workspace.export.formats import annotation_name
from workspace.export.sr_markups import (
    MILLIMETRE,
    attribute_texts,
    region_measurements,
    statistics,
)
from workspace.volume.geometry import VolumeGeometry

LENGTH = Code("410668003", "SCT", "Length")
#: (name, value, unit) of one measurement.
Value = tuple[Code, float, Code]
Pixel = tuple[float, float]  # (column, row)


@dataclass(frozen=True)
class ImageMarkup:
    """One markup of a 2D image: its graphic type, its points as image (column, row)
    coordinates, its measurements in mm, and for a polygon its value statistics."""

    graphic_type: str  # "POINT" or "POLYLINE"
    name: str  # "landmark", "ruler", "box", "polygon"
    label: str
    pixels: tuple[Pixel, ...]
    values: tuple[Value, ...] = ()
    area_mm2: float | None = None
    statistics: Mapping[str, float] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)


def is_single_image(source: Sequence[pydicom.Dataset]) -> bool:
    """Whether ``source`` is one single-frame image (then its markups are SCOORD regions)."""
    if len(source) != 1:
        return False
    frames = source[0].get("NumberOfFrames", 1)
    return int(frames or 1) == 1


def pixels_of(
    kji: Sequence[Sequence[float]], header: pydicom.Dataset, geometry: VolumeGeometry | None
) -> tuple[Pixel, ...]:
    """Image (column, row) coordinates of continuous voxel indices ``(k, j, i)``: through the
    patient position when both the grid and the image's plane are known (the image's own
    pixel grid, however the volume was oriented), else column ``i + 0.5``, row ``j + 0.5``."""
    points = np.asarray(kji, dtype=np.float64).reshape(-1, 3)
    plane = [header.get(name) for name in ("ImagePositionPatient", "ImageOrientationPatient")]
    spacing = header.get("PixelSpacing")
    if geometry is None or None in plane or spacing is None:
        return tuple((float(i) + 0.5, float(j) + 0.5) for _k, j, i in points)
    position = np.asarray(plane[0], dtype=np.float64)
    orientation = np.asarray(plane[1], dtype=np.float64)
    lps = geometry.index_to_lps(points[:, ::-1]) - position
    row_spacing, column_spacing = (float(v) for v in spacing)
    columns = lps @ orientation[:3] / column_spacing + 0.5
    rows = lps @ orientation[3:] / row_spacing + 0.5
    return tuple((float(c), float(r)) for c, r in zip(columns, rows, strict=True))


def image_markups(
    annotations: Sequence[Annotation], header: pydicom.Dataset, geometry: VolumeGeometry | None
) -> list[ImageMarkup]:
    """The landmarks, rulers, boxes and polygons among ``annotations`` as image regions of
    ``header``'s image (ExportError for an unreadable one)."""
    found: list[ImageMarkup] = []
    for annotation in annotations:
        if annotation.kind not in (LANDMARK, RULER, BOX3D, POLYGON):
            continue
        try:
            found.append(_markup(annotation, header, geometry))
        except (KeyError, TypeError, ValueError, IndexError):
            name = annotation_name(annotation)
            raise ExportError(f"{name}: its coordinates cannot be read.") from None
    return found


def _markup(
    annotation: Annotation, header: pydicom.Dataset, geometry: VolumeGeometry | None
) -> ImageMarkup:
    data, kind = annotation.data, annotation.kind
    attributes = attribute_texts(data.get("attributes"))
    if kind == LANDMARK:
        pixels = pixels_of([data["point_kji"]], header, geometry)
        label = annotation.label or "landmark"
        return ImageMarkup("POINT", "landmark", label, pixels, attributes=attributes)
    if kind == RULER:
        pixels = pixels_of([data["start_kji"], data["end_kji"]], header, geometry)
        length = (LENGTH, float(data["length_mm"]), MILLIMETRE)
        label = annotation.label or "length"
        return ImageMarkup("POLYLINE", "ruler", label, pixels, (length,), attributes=attributes)
    if kind == POLYGON:
        points = [list(p) for p in data["points_kji"]]
        if len(points) < 3:
            raise ValueError("too few points")
        pixels = pixels_of([*points, points[0]], header, geometry)
        area = float(data["area_mm2"])
        label = annotation.label or "region"
        values = statistics(data.get("values"))
        return ImageMarkup("POLYLINE", "polygon", label, pixels, (), area, values, attributes)
    low = [float(v) - 0.5 for v in data["min_kji"]]
    high = [float(v) + 0.5 for v in data["max_kji"]]
    k = float(data["min_kji"][0])
    ring = [(k, low[1], low[2]), (k, low[1], high[2]), (k, high[1], high[2]), (k, high[1], low[2])]
    pixels = pixels_of([*ring, ring[0]], header, geometry)
    _depth, height, width = (float(v) for v in data["size_mm_kji"])
    sizes = ((codes.SCT.Width, width, MILLIMETRE), (codes.DCM.Height, height, MILLIMETRE))
    label = annotation.label or "box"
    return ImageMarkup("POLYLINE", "box", label, pixels, sizes, width * height, {}, attributes)


def image_region_groups(
    markups: Sequence[ImageMarkup], header: pydicom.Dataset, term: Any, unit: Code
) -> list[Any]:
    """TID 1410 groups of ``markups`` on ``header``'s image; ``term(text)`` codes a label or an
    attribute value, ``unit`` is that of the image's values."""
    import highdicom as hd

    source_image = hd.sr.SourceImageForRegion(
        referenced_sop_class_uid=header.SOPClassUID,
        referenced_sop_instance_uid=header.SOPInstanceUID,
    )
    numbers: dict[str, int] = {}
    groups: list[Any] = []
    for markup in markups:
        numbers[markup.name] = number = numbers.get(markup.name, 0) + 1
        measurements = [
            hd.sr.Measurement(name=name, value=round(value, 3), unit=value_unit)
            for name, value, value_unit in markup.values
        ]
        if markup.area_mm2 is not None:
            measurements += region_measurements(markup.area_mm2, markup.statistics, unit)
        graphic_type = getattr(hd.sr.GraphicTypeValues, markup.graphic_type)
        groups.append(
            hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=hd.UID(), identifier=f"{markup.name} {number}: {markup.label}"
                ),
                referenced_region=hd.sr.ImageRegion(
                    graphic_type=graphic_type,
                    graphic_data=np.array(markup.pixels, dtype=np.float64),
                    source_image=source_image,
                ),
                finding_type=term(markup.label),
                measurements=measurements or None,
                qualitative_evaluations=[
                    hd.sr.QualitativeEvaluation(name=term(name), value=term(value))
                    for name, value in markup.attributes.items()
                ]
                or None,
            )
        )
    return groups
