"""Where measurements sit in a slice view, and what the measurements list says of them (no Qt).

Measurements (:mod:`workspace.segmentation.measurements`) keep continuous array indices
``(k, j, i)``: a voxel's centre is a whole number and it spans ± 0.5. A slice view shows slice
``index`` of its frame's fixed axis; display positions ``(row, col)`` are continuous too, pixel
``r`` spanning ``[r, r + 1)``. Widget positions come from the view's :class:`Rect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from viewers.volume.reslice import SliceFrame, Voxel
from viewers.volume.viewport import Rect, to_image, to_widget
from workspace.annotations import Annotation
from workspace.segmentation.measurements import BOX3D, LANDMARK, POLYGON, RULER

KIND_NAMES = {LANDMARK: "Landmark", RULER: "Ruler", BOX3D: "3D box", POLYGON: "Polygon"}
#: A landmark or ruler end is shown in the slices within half a voxel of it.
HALF_VOXEL = 0.5 + 1e-6
Index = tuple[float, float, float]  # continuous (k, j, i)


def to_display(frame: SliceFrame, point: Sequence[float]) -> tuple[float, float]:
    """Continuous display ``(row, col)`` of continuous array index ``point`` (k, j, i)."""
    rows, cols = frame.size
    row, col = float(point[frame.row_axis]), float(point[frame.col_axis])
    return (
        rows - row - 0.5 if frame.flip_rows else row + 0.5,
        cols - col - 0.5 if frame.flip_cols else col + 0.5,
    )


def from_display(frame: SliceFrame, index: float, row: float, col: float) -> Index:
    """Continuous array index ``(k, j, i)`` of display position ``(row, col)`` in slice
    ``index`` (the inverse of :func:`to_display`)."""
    i, j, k = frame.continuous_index(index, row, col)
    return k, j, i


def widget_xy(frame: SliceFrame, rect: Rect, point: Sequence[float]) -> tuple[float, float]:
    """Widget ``(x, y)`` of continuous array index ``point``."""
    row, col = to_display(frame, point)
    return to_widget(rect, frame.size, row, col)


def index_at(
    frame: SliceFrame, rect: Rect, index: int, x: float, y: float, clamp: bool = False
) -> Index | None:
    """Continuous array index under widget ``(x, y)`` in slice ``index``: None outside the
    slice, unless ``clamp`` (then the nearest point of the slice)."""
    row, col = to_image(rect, frame.size, x, y)
    rows, cols = frame.size
    if clamp:
        row, col = min(max(row, 0.0), float(rows)), min(max(col, 0.0), float(cols))
    elif not (0 <= row <= rows and 0 <= col <= cols):
        return None
    point = from_display(frame, index, row, col)
    k, j, i = (min(max(v, -0.5), n - 0.5) for v, n in zip(point, frame.shape, strict=True))
    return k, j, i


def nearest_voxel(point: Sequence[float], shape: Sequence[int]) -> Voxel:
    """The voxel containing continuous index ``point``, clamped to the volume."""
    k, j, i = (min(max(int(float(v) + 0.5), 0), n - 1) for v, n in zip(point, shape, strict=True))
    return k, j, i


def on_slice(frame: SliceFrame, index: int, point: Sequence[float]) -> bool:
    """Whether ``point`` lies on (within half a voxel of) slice ``index``."""
    return abs(float(point[frame.fixed_axis]) - index) <= HALF_VOXEL


def box_on_slice(
    frame: SliceFrame, index: int, low: Sequence[int], high: Sequence[int]
) -> tuple[Index, Index] | None:
    """The corners (continuous indices, voxel edges) of the box ``low``..``high`` (voxels,
    both included) where slice ``index`` cuts it; None when the slice misses it."""
    axis = frame.fixed_axis
    if not low[axis] <= index <= high[axis]:
        return None
    first = [float(v) - 0.5 for v in low]
    last = [float(v) + 0.5 for v in high]
    first[axis] = last[axis] = float(index)
    return (first[0], first[1], first[2]), (last[0], last[1], last[2])


def markup_points(annotation: Annotation) -> list[list[float]]:
    """The continuous indices that define a measurement: its point, ends, corners or vertices."""
    data = annotation.data
    if annotation.kind == POLYGON:
        return [list(p) for p in data["points_kji"]]
    if annotation.kind == LANDMARK:
        return [list(data["point_kji"])]
    if annotation.kind == RULER:
        return [list(data["start_kji"]), list(data["end_kji"])]
    return [list(data["min_kji"]), list(data["max_kji"])]


def centre_voxel(annotation: Annotation, shape: Sequence[int]) -> Voxel:
    """The voxel to move the crosshair to: the landmark, the ruler's middle, the box's centre."""
    points = markup_points(annotation)
    middle = [sum(p[axis] for p in points) / len(points) for axis in range(3)]
    return nearest_voxel(middle, shape)


def value_text(annotation: Annotation) -> str:
    """What the measurements list shows: a length, a box's size, a polygon's area and the
    statistics of the values inside, a point's position."""
    data = annotation.data
    if annotation.kind == POLYGON:
        return polygon_text(data)
    if annotation.kind == RULER:
        return f"{float(data['length_mm']):.1f} mm"
    if annotation.kind == BOX3D:
        k, j, i = (float(v) for v in data["size_mm_kji"])
        return f"{i:.1f} × {j:.1f} × {k:.1f} mm"
    x, y, z = (float(v) for v in data["point"])
    return f"LPS {x:.1f}, {y:.1f}, {z:.1f}"


def polygon_text(data: dict[str, Any]) -> str:
    """A polygon's area and the mean, minimum and maximum of the values inside it."""
    text = f"{float(data['area_mm2']):.1f} mm²"
    values = data.get("values") or {}
    if values.get("mean") is not None:
        text += f", mean {values['mean']:.1f} (min {values['min']:.0f}, max {values['max']:.0f})"
    return text


def polygon_on_slice(frame: SliceFrame, index: int, annotation: Annotation) -> bool:
    """Whether polygon ``annotation`` lies in slice ``index`` of ``frame``."""
    data = annotation.data
    return int(data["axis"]) == frame.fixed_axis and int(data["slice"]) == index


def nearest_vertex(
    frame: SliceFrame, rect: Rect, points: Sequence[Sequence[float]], x: float, y: float
) -> tuple[int, float]:
    """The vertex of ``points`` nearest widget ``(x, y)`` and its distance (widget pixels)."""
    distances = [
        (n, ((px - x) ** 2 + (py - y) ** 2) ** 0.5)
        for n, (px, py) in enumerate(widget_xy(frame, rect, p) for p in points)
    ]
    return min(distances, key=lambda found: found[1])


def nearest_edge(
    frame: SliceFrame, rect: Rect, points: Sequence[Sequence[float]], x: float, y: float
) -> tuple[int, float, float]:
    """The edge of closed outline ``points`` nearest widget ``(x, y)``: ``(n, distance, t)``
    for the edge from vertex ``n`` to the next (the last to the first), the distance in widget
    pixels and where along the edge (0 at vertex ``n``, 1 at the next) the nearest point is."""
    corners = [widget_xy(frame, rect, p) for p in points]
    found = (0, float("inf"), 0.0)
    for n, (ax, ay) in enumerate(corners):
        bx, by = corners[(n + 1) % len(corners)]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else min(max(((x - ax) * dx + (y - ay) * dy) / length2, 0.0), 1.0)
        distance = ((ax + t * dx - x) ** 2 + (ay + t * dy - y) ** 2) ** 0.5
        if distance < found[1]:
            found = (n, distance, t)
    return found
