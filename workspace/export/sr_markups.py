"""Landmarks, 3D boxes and polygons as TID 1500 measurement groups (beside the rulers of the SR).

A landmark is a TID 1410 planar ROI group whose region is an SCOORD3D ``POINT``; a polygon a
TID 1410 group whose region is a closed SCOORD3D ``POLYGON``, with its area (mm²) and the mean,
minimum and maximum of the values inside (HU for CT); a 3D box is a
TID 1411 volumetric ROI group whose volume surface is its six faces, each a closed SCOORD3D
``POLYGON``, with its volume (mm³) and its size along the image's x (i), y (j) and z (k) axes
as width, height and depth. Coordinates are patient LPS millimetres in the source series'
frame of reference.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from workspace.annotation_kinds.names import BOX3D, LANDMARK, POLYGON
from workspace.annotations import Annotation
from workspace.export.base import ExportError
from workspace.export.formats import annotation_name
from workspace.volume.geometry import Vector3, VolumeGeometry

#: The names of a box's size along x, y and z (the image's i, j and k axes).
SIZE_CODES = (codes.SCT.Width, codes.DCM.Height, codes.SCT.Depth)
CUBIC_MILLIMETRE = codes.UCUM.CubicMillimeter
MILLIMETRE = Code("mm", "UCUM", "millimeter")
SQUARE_MILLIMETRE = codes.UCUM.SquareMillimeter
#: The names of a polygon's value statistics, by their key in the stored ``values``.
STATISTIC_CODES = {"mean": codes.SCT.Mean, "min": codes.SCT.Minimum, "max": codes.SCT.Maximum}


def value_unit(modality: str) -> Code:
    """The unit of a modality's pixel values: HU for CT, else none."""
    return codes.UCUM.HounsfieldUnit if modality.upper() == "CT" else codes.UCUM.NoUnits


@dataclass(frozen=True)
class PointMarkup:
    """A landmark: one point in patient coordinates (LPS, mm)."""

    label: str
    point: Vector3
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BoxMarkup:
    """A 3D box: its eight corners (LPS, mm; corner ``n`` is ``(k, j, i)`` = the bits of
    ``n``, 0 the low side), its size along x, y, z (mm) and its volume (mL)."""

    label: str
    corners: tuple[Vector3, ...]
    size_mm_xyz: Vector3
    volume_ml: float
    attributes: Mapping[str, str] = field(default_factory=dict)

    def faces(self) -> list[npt.NDArray[np.float64]]:
        """The six faces, each a closed polygon (its first point repeated last)."""
        corner = np.asarray(self.corners, dtype=np.float64)
        faces = []
        for axis in range(3):
            others = [a for a in range(3) if a != axis]
            for side in (0, 1):
                ring = []
                for u, v in ((0, 0), (0, 1), (1, 1), (1, 0), (0, 0)):
                    bits = [0, 0, 0]
                    bits[axis], bits[others[0]], bits[others[1]] = side, u, v
                    ring.append(corner[bits[0] * 4 + bits[1] * 2 + bits[2]])
                faces.append(np.array(ring))
        return faces


@dataclass(frozen=True)
class PolygonMarkup:
    """A polygon: its vertices (LPS, mm), area (mm²) and the statistics of the values inside
    (``mean``, ``min``, ``max``; empty when unknown or no voxel is inside)."""

    label: str
    points: tuple[Vector3, ...]
    area_mm2: float
    values: Mapping[str, float] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)

    def ring(self) -> npt.NDArray[np.float64]:
        """The vertices, the first repeated last (a closed polygon)."""
        return np.array([*self.points, self.points[0]], dtype=np.float64)


def _vector(values: Any) -> Vector3:
    x, y, z = (float(v) for v in values)
    return (x, y, z)


def attribute_texts(attributes: Any) -> dict[str, str]:
    """Stored attribute values as texts (lists joined), the empty ones left out."""
    if not isinstance(attributes, Mapping):
        return {}
    return {
        str(k): ", ".join(map(str, v)) if isinstance(v, list) else str(v)
        for k, v in attributes.items()
        if v not in (None, "", [])
    }


def box_corners(data: Mapping[str, Any], geometry: VolumeGeometry | None) -> tuple[Vector3, ...]:
    """The eight corners of a stored box: through the grid when known (an oblique volume's box
    is oblique too), else from its two stored corners as an axis-aligned box."""
    if geometry is not None and "min_kji" in data and "max_kji" in data:
        low = [float(v) - 0.5 for v in data["min_kji"]]
        high = [float(v) + 0.5 for v in data["max_kji"]]
        kji = [
            [(low, high)[bit][axis] for axis, bit in enumerate(bits)]
            for bits in itertools.product((0, 1), repeat=3)
        ]
        points = geometry.index_to_lps([[i, j, k] for k, j, i in kji])
        return tuple(_vector(p) for p in points)
    first, second = (np.asarray(c, dtype=np.float64) for c in data["corners"])
    ends = (first, second)  # bits are (k, j, i): z, y, x of an axis-aligned box
    return tuple(
        _vector([ends[bits[2 - axis]][axis] for axis in range(3)])
        for bits in itertools.product((0, 1), repeat=3)
    )


def markups_of(
    annotations: Sequence[Annotation], geometry: VolumeGeometry | None = None
) -> tuple[list[PointMarkup], list[BoxMarkup]]:
    """The landmarks and 3D boxes among ``annotations`` (ExportError for an unreadable one)."""
    points: list[PointMarkup] = []
    boxes: list[BoxMarkup] = []
    for annotation in annotations:
        data = annotation.data
        try:
            attributes = attribute_texts(data.get("attributes"))
            if annotation.kind == LANDMARK:
                label = annotation.label or "landmark"
                points.append(PointMarkup(label, _vector(data["point"]), attributes))
            elif annotation.kind == BOX3D:
                k, j, i = (float(v) for v in data["size_mm_kji"])
                boxes.append(
                    BoxMarkup(
                        annotation.label or "box",
                        box_corners(data, geometry),
                        (i, j, k),
                        float(data["volume_ml"]),
                        attributes,
                    )
                )
        except (KeyError, TypeError, ValueError):
            name = annotation_name(annotation)
            raise ExportError(f"{name}: its coordinates cannot be read.") from None
    return points, boxes


def statistics(values: Any) -> dict[str, float]:
    """The stored mean, min and max of a polygon's values that are known."""
    if not isinstance(values, Mapping):
        return {}
    return {key: float(values[key]) for key in STATISTIC_CODES if values.get(key) is not None}


def polygons_of(annotations: Sequence[Annotation]) -> list[PolygonMarkup]:
    """The polygons among ``annotations`` (ExportError for an unreadable one)."""
    polygons: list[PolygonMarkup] = []
    for annotation in annotations:
        if annotation.kind != POLYGON:
            continue
        data = annotation.data
        try:
            points = tuple(_vector(p) for p in data["points"])
            if len(points) < 3:
                raise ValueError("too few points")
            polygons.append(
                PolygonMarkup(
                    annotation.label or "region",
                    points,
                    float(data["area_mm2"]),
                    statistics(data.get("values")),
                    attribute_texts(data.get("attributes")),
                )
            )
        except (KeyError, TypeError, ValueError):
            name = annotation_name(annotation)
            raise ExportError(f"{name}: its coordinates cannot be read.") from None
    return polygons


def region_measurements(area_mm2: float, values: Mapping[str, float], unit: Code) -> list[Any]:
    """A region's area and the statistics of its values, as TID 300 measurements."""
    import highdicom as hd

    found = [
        hd.sr.Measurement(name=codes.SCT.Area, value=round(area_mm2, 3), unit=SQUARE_MILLIMETRE)
    ]
    for key, name in STATISTIC_CODES.items():
        if key in values:
            found.append(hd.sr.Measurement(name=name, value=round(values[key], 3), unit=unit))
    return found


def markup_groups(
    points: Sequence[PointMarkup],
    boxes: Sequence[BoxMarkup],
    frame_of_reference: str,
    series_uid: str,
    term: Any,
    polygons: Sequence[PolygonMarkup] = (),
    unit: Code = codes.UCUM.NoUnits,
) -> list[Any]:
    """The measurement groups of ``points``, ``boxes`` and ``polygons`` (their values in
    ``unit``); ``term(text)`` codes a label or an attribute value (the report's private
    scheme)."""
    import highdicom as hd

    def evaluations(attributes: Mapping[str, str]) -> list[Any]:
        return [
            hd.sr.QualitativeEvaluation(name=term(name), value=term(value))
            for name, value in attributes.items()
        ]

    def planar(
        name: str, label: str, graphic_type: Any, data: Any, evaluated: list[Any], found: Any
    ) -> Any:
        return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier=name),
            referenced_region=hd.sr.ImageRegion3D(
                graphic_type=graphic_type,
                graphic_data=data,
                frame_of_reference_uid=frame_of_reference,
            ),
            finding_type=term(label),
            measurements=found,
            qualitative_evaluations=evaluated or None,
        )

    groups: list[Any] = [
        planar(
            f"landmark {number}: {point.label}",
            point.label,
            hd.sr.GraphicTypeValues3D.POINT,
            np.array([point.point], dtype=np.float64),
            evaluations(point.attributes),
            None,
        )
        for number, point in enumerate(points, start=1)
    ]
    groups.extend(
        planar(
            f"polygon {number}: {polygon.label}",
            polygon.label,
            hd.sr.GraphicTypeValues3D.POLYGON,
            polygon.ring(),
            evaluations(polygon.attributes),
            region_measurements(polygon.area_mm2, polygon.values, unit),
        )
        for number, polygon in enumerate(polygons, start=1)
    )
    for number, box in enumerate(boxes, start=1):
        sizes = [
            hd.sr.Measurement(name=name, value=round(size, 3), unit=MILLIMETRE)
            for name, size in zip(SIZE_CODES, box.size_mm_xyz, strict=True)
        ]
        volume = hd.sr.Measurement(
            name=codes.SCT.Volume, value=round(box.volume_ml * 1000.0, 3), unit=CUBIC_MILLIMETRE
        )
        groups.append(
            hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=hd.UID(), identifier=f"box {number}: {box.label}"
                ),
                referenced_volume_surface=hd.sr.VolumeSurface(
                    graphic_type=hd.sr.GraphicTypeValues3D.POLYGON,
                    graphic_data=box.faces(),
                    frame_of_reference_uid=frame_of_reference,
                    source_series=hd.sr.SourceSeriesForSegmentation(series_uid),
                ),
                finding_type=term(box.label),
                measurements=[volume, *sizes],
                qualitative_evaluations=evaluations(box.attributes) or None,
            )
        )
    return groups
