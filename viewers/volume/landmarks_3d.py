"""Landmarks in the 3D view: a dot in its label's colour at each point (VTK, no Qt).

The points are drawn as spheres of a fixed size on the screen, in a renderer layered over the
surfaces' one and sharing its camera, so that a landmark inside an organ stays visible. Every
VTK object is kept referenced here, as VTK pipelines need.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

POINT_SIZE = 12.0

#: A landmark to draw: LPS millimetres and 0-255 red, green, blue.
Landmark3D = tuple[Sequence[float], tuple[int, int, int]]


class Landmarks3D:
    """The landmarks of a 3D view's renderer."""

    def __init__(self, render_window: Any, renderer: Any) -> None:
        from vtkmodules.vtkCommonDataModel import vtkPolyData
        from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkRenderer

        self.renderer = vtkRenderer()
        self.renderer.SetLayer(1)
        self.renderer.InteractiveOff()
        self.renderer.SetActiveCamera(renderer.GetActiveCamera())
        render_window.SetNumberOfLayers(max(render_window.GetNumberOfLayers(), 2))
        render_window.AddRenderer(self.renderer)
        self.points = vtkPolyData()
        self.mapper = vtkPolyDataMapper()
        self.mapper.SetInputData(self.points)
        self.mapper.SetScalarModeToUseCellData()
        self.actor = vtkActor()
        self.actor.SetMapper(self.mapper)
        self.actor.PickableOff()
        prop = self.actor.GetProperty()
        prop.SetRenderPointsAsSpheres(True)
        prop.SetPointSize(POINT_SIZE)
        self.actor.VisibilityOff()
        self.renderer.AddActor(self.actor)

    def set_landmarks(self, landmarks: Sequence[Landmark3D]) -> None:
        """Show exactly ``landmarks``."""
        from vtkmodules.vtkCommonCore import vtkPoints, vtkUnsignedCharArray
        from vtkmodules.vtkCommonDataModel import vtkCellArray

        points, cells, colors = vtkPoints(), vtkCellArray(), vtkUnsignedCharArray()
        colors.SetNumberOfComponents(3)
        colors.SetName("colors")
        for n, (lps, rgb) in enumerate(landmarks):
            x, y, z = (float(v) for v in lps)
            points.InsertNextPoint(x, y, z)
            cells.InsertNextCell(1, [n])
            colors.InsertNextTuple3(*rgb)
        self.points.SetPoints(points)
        self.points.SetVerts(cells)
        self.points.GetCellData().SetScalars(colors)
        self.points.Modified()
        self.actor.SetVisibility(bool(landmarks))
