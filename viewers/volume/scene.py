"""What the 3D view shows besides the surfaces: the volume's outline, the crosshair, the
orientation cube, and the anterior starting camera (VTK, no Qt). Every VTK object built here is
kept referenced by its owner, as VTK pipelines need."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.volume.geometry import VolumeGeometry

OUTLINE_RGB = (0.55, 0.6, 0.7)
CROSSHAIR_RGB = (1.0, 0.82, 0.0)
#: faces of the orientation cube in LPS: +x is the patient's left, +y posterior, +z superior
CUBE_LETTERS = (("XPlus", "L"), ("XMinus", "R"), ("YPlus", "P"), ("YMinus", "A"),
                ("ZPlus", "S"), ("ZMinus", "I"))  # fmt: skip


def volume_corners(geometry: VolumeGeometry) -> npt.NDArray[np.float64]:
    """The 8 outer corners of the volume in LPS mm (x fastest, as vtkOutlineSource wants)."""
    k, j, i = geometry.shape
    corners = [(x, y, z) for z in (-0.5, k - 0.5) for y in (-0.5, j - 0.5) for x in (-0.5, i - 0.5)]
    return geometry.index_to_lps(corners)


def _line_actor(source: Any, rgb: tuple[float, float, float]) -> tuple[Any, Any]:
    from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

    mapper = vtkPolyDataMapper()
    if hasattr(source, "GetOutputPort"):
        mapper.SetInputConnection(source.GetOutputPort())
    else:
        mapper.SetInputData(source)
    actor = vtkActor()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColor(*rgb)
    actor.PickableOff()
    return mapper, actor


def outline(renderer: Any, geometry: VolumeGeometry) -> list[Any]:
    """Add the (possibly oblique) box of the volume; returns the objects to keep."""
    from vtkmodules.vtkFiltersSources import vtkOutlineSource

    source = vtkOutlineSource()
    source.SetBoxTypeToOriented()
    source.SetCorners(volume_corners(geometry).ravel().tolist())
    mapper, actor = _line_actor(source, OUTLINE_RGB)
    renderer.AddActor(actor)
    return [source, mapper, actor]


class Crosshair3D:
    """Three lines through the crosshair point along the volume's axes, edge to edge."""

    def __init__(self, renderer: Any, geometry: VolumeGeometry) -> None:
        from vtkmodules.vtkCommonCore import vtkPoints
        from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData

        self.geometry = geometry
        self.lines = vtkPolyData()
        self.lines.SetPoints(vtkPoints())
        self.lines.GetPoints().SetNumberOfPoints(6)
        cells = vtkCellArray()
        for n in range(3):
            cells.InsertNextCell(2, [2 * n, 2 * n + 1])
        self.lines.SetLines(cells)
        self.mapper, self.actor = _line_actor(self.lines, CROSSHAIR_RGB)
        self.actor.GetProperty().SetOpacity(0.7)
        self.actor.VisibilityOff()
        renderer.AddActor(self.actor)

    def move_to(self, lps: npt.ArrayLike) -> None:
        """Show the lines through LPS point ``lps``."""
        centre = self.geometry.lps_to_index(lps)  # continuous (i, j, k)
        sizes = self.geometry.shape[::-1]
        points = self.lines.GetPoints()
        for n in range(3):
            for end, position in enumerate((-0.5, sizes[n] - 0.5)):
                ijk = np.array(centre, dtype=np.float64)
                ijk[n] = position
                x, y, z = self.geometry.index_to_lps(ijk)
                points.SetPoint(2 * n + end, x, y, z)
        points.Modified()
        self.lines.Modified()
        self.actor.VisibilityOn()


def orientation_marker(interactor: Any) -> tuple[Any, Any]:
    """An R/L/A/P/S/I cube in the lower left corner, turning with the camera."""
    from vtkmodules.vtkInteractionWidgets import vtkOrientationMarkerWidget
    from vtkmodules.vtkRenderingAnnotation import vtkAnnotatedCubeActor

    cube = vtkAnnotatedCubeActor()
    for face, letter in CUBE_LETTERS:
        getattr(cube, f"Set{face}FaceText")(letter)
    cube.SetFaceTextScale(0.6)
    cube.GetCubeProperty().SetColor(0.25, 0.28, 0.34)
    cube.GetTextEdgesProperty().SetColor(0.6, 0.6, 0.6)
    widget = vtkOrientationMarkerWidget()
    widget.SetOrientationMarker(cube)
    widget.SetInteractor(interactor)
    widget.SetViewport(0.0, 0.0, 0.15, 0.15)
    widget.SetEnabled(1)
    widget.InteractiveOff()
    return widget, cube


def anterior_camera(renderer: Any, geometry: VolumeGeometry) -> None:
    """Look at the whole volume from the front (anterior is -y in LPS), superior up."""
    corners = volume_corners(geometry)
    centre = corners.mean(axis=0)
    camera = renderer.GetActiveCamera()
    camera.SetFocalPoint(*centre)
    camera.SetPosition(centre[0], centre[1] - 1000.0, centre[2])
    camera.SetViewUp(0.0, 0.0, 1.0)
    low, high = corners.min(axis=0), corners.max(axis=0)
    renderer.ResetCamera(low[0], high[0], low[1], high[1], low[2], high[2])
