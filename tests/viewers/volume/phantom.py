"""Segments of the synthetic CT phantom (workspace.demo_data), painted on a volume's grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workspace.demo_data import generate_ct_series
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace

# (value, name, colour, LPS centre mm, semi-axes mm): organs of the phantom, values and colours
# as in the ct-abdomen-organs schema.
ORGANS = (
    (1, "liver", "#dd8265", (-60.0, -10.0, -40.0), (72.0, 65.0, 55.0)),
    (2, "spleen", "#9d6ca2", (85.0, 35.0, -35.0), (30.0, 45.0, 40.0)),
    (3, "kidney_right", "#b96653", (-55.0, 55.0, -75.0), (22.0, 25.0, 35.0)),
    (4, "kidney_left", "#c9826d", (55.0, 55.0, -75.0), (22.0, 25.0, 35.0)),
)


def phantom_labels(geometry: VolumeGeometry, opacity: float = 0.5) -> LabelMap:
    """A label map of the phantom's organs (ellipsoids in patient coordinates)."""
    k, j, i = np.meshgrid(*(np.arange(n) for n in geometry.shape), indexing="ij", sparse=True)
    ijk = np.stack(np.broadcast_arrays(i, j, k), axis=-1).reshape(-1, 3)
    lps = geometry.index_to_lps(ijk).reshape((*geometry.shape, 3))
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    segments = []
    for value, name, color, centre, axes in ORGANS:
        inside = (((lps - np.asarray(centre)) / np.asarray(axes)) ** 2).sum(axis=-1) <= 1.0
        labels[inside] = value
        segments.append(Segment(value, name, color, opacity=opacity))
    return LabelMap(labels, geometry, segments)


def import_phantom(
    workspace: Workspace,
    folder: Path,
    *,
    slices: int = 40,
    rows: int = 64,
    cols: int = 64,
    segmented: bool = True,
) -> str:
    """Generate, import and (optionally) segment a phantom CT series; returns the item id."""
    generate_ct_series(folder, slices=slices, rows=rows, cols=cols, seed=3)
    (item,) = workspace.import_paths([folder])
    if segmented:
        geometry = workspace.load_volume(item.id).geometry
        workspace.save_segmentation(item.id, phantom_labels(geometry), source="phantom")
    return item.id
