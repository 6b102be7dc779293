"""A segment's 3D surface on a 512×512×500 label map: full build, and refresh after a stroke.

Caliper builds surfaces in blocks of 64³ cells (:mod:`viewers.volume.surface`): a pass over
the labels finds the segment's blocks, each block is smoothed (binomial kernel, exact integer
arithmetic) and contoured with vtkFlyingEdges3D, and after an edit only the blocks around the
edit's bounding box are rebuilt. Baselines in the same run: VTK's label-map filters on the
whole map (vtkSurfaceNets3D, which also smooths, and vtkDiscreteFlyingEdges3D, unsmoothed)
and Caliper's own full rebuild as the "refresh" of a pipeline without blocks.
Goals (issue 3): full build < 0.5 s; refresh after a brush stroke < 200 ms.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import numpy.typing as npt

from tests.bench.common import best_of, report
from viewers.volume.surface import (
    SegmentSurface,
    blocks_of_bbox,
    build_blocks,
    build_segment,
    occupied_blocks,
)
from workspace.segmentation.shapes import stroke
from workspace.volume.geometry import VolumeGeometry

GOAL_BUILD_S = 0.5
GOAL_REFRESH_S = 0.2
LIVER = 1


def _label_map(depth: int) -> tuple[npt.NDArray[np.uint8], VolumeGeometry]:
    """A liver-sized ellipsoid (about 1.5 L) and a kidney on a 0.7 x 0.7 x 1 mm grid."""
    geometry = VolumeGeometry((depth, 512, 512), (0.7, 0.7, 1.0), (-180.0, -180.0, 0.0))
    k, j, i = np.ogrid[:depth, :512, :512]
    centre = depth / 2
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    semi_k = min(70.0, depth * 0.4)
    liver = ((k - centre) / semi_k) ** 2 + ((j - 250) / 130.0) ** 2 + ((i - 190) / 150.0) ** 2
    labels[liver <= 1.0] = LIVER
    kidney = ((k - centre) / (semi_k / 2)) ** 2 + ((j - 380) / 40.0) ** 2 + ((i - 380) / 30.0) ** 2
    labels[kidney <= 1.0] = 2
    return labels, geometry


def _whole_map(labels: npt.NDArray[np.uint8], filter_name: str) -> Any:
    from vtkmodules.util.numpy_support import numpy_to_vtk
    from vtkmodules.vtkCommonDataModel import vtkImageData
    from vtkmodules.vtkFiltersCore import vtkSurfaceNets3D
    from vtkmodules.vtkFiltersGeneral import vtkDiscreteFlyingEdges3D

    image = vtkImageData()
    image.SetDimensions(labels.shape[2], labels.shape[1], labels.shape[0])
    image.GetPointData().SetScalars(numpy_to_vtk(labels.ravel(), deep=False))
    if filter_name == "nets":
        nets = vtkSurfaceNets3D()
        nets.SetLabel(0, LIVER)
        nets.SetInputData(image)
        nets.Update()
        return nets.GetOutput()
    flying = vtkDiscreteFlyingEdges3D()
    flying.SetValue(0, LIVER)
    flying.SetInputData(image)
    flying.Update()
    return flying.GetOutput()


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns Caliper's full-build seconds."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    depth = 100 if args.quick else 500
    repeats = 1 if args.quick else 3
    labels, geometry = _label_map(depth)
    build_blocks(labels, geometry, LIVER, [(1, 1, 1)])  # import VTK before timing

    surface = SegmentSurface()
    scan_s = best_of(repeats, lambda: occupied_blocks(labels, LIVER))
    build_s = best_of(repeats, lambda: surface.update(build_segment(labels, geometry, LIVER), True))
    triangles = surface.triangles
    nets_s = best_of(repeats, lambda: _whole_map(labels, "nets"))
    flying_s = best_of(repeats, lambda: _whole_map(labels, "flying"))

    # a brush stroke: 5 mm disc dabs across the liver's edge in one axial slice
    centres = [(depth // 2, 250, 30 + 4 * n) for n in range(12)]
    bbox, mask = stroke(geometry, centres, 5.0, 0)
    k0, k1, j0, j1, i0, i1 = bbox
    region = labels[k0:k1, j0:j1, i0:i1]
    region[mask] = LIVER

    def refresh() -> None:
        keys = blocks_of_bbox(bbox, geometry.shape)
        surface.update(build_blocks(labels, geometry, LIVER, keys))

    refresh_s = best_of(repeats, refresh)
    blocks = len(blocks_of_bbox(bbox, geometry.shape))
    rebuild_s = best_of(
        repeats, lambda: surface.update(build_segment(labels, geometry, LIVER), True)
    )
    met = build_s < GOAL_BUILD_S and refresh_s < GOAL_REFRESH_S
    report(
        f"Segment surface, 512x512x{depth} label map, a liver of "
        f"{int((labels == LIVER).sum()) * geometry.voxel_volume_mm3 / 1e6:.1f} L",
        [
            ("vtkSurfaceNets3D, whole map (baseline)", f"{nets_s:.3f} s", "smoothed"),
            ("vtkDiscreteFlyingEdges3D, whole map", f"{flying_s:.3f} s", "no smoothing"),
            ("Caliper: find the segment's blocks", f"{scan_s:.3f} s", "one pass"),
            ("Caliper: full build (blocks + merge)", f"{build_s:.3f} s", f"{triangles:,} tri"),
            ("full rebuild after a stroke", f"{rebuild_s:.3f} s", "no blocks"),
            ("Caliper: refresh after a stroke", f"{refresh_s:.3f} s", f"{blocks} blocks"),
        ],
        f"{'MET' if met else 'NOT MET'} (goals: build < {GOAL_BUILD_S} s, "
        f"refresh < {GOAL_REFRESH_S * 1000:.0f} ms)",
    )
    return build_s


if __name__ == "__main__":
    main()
