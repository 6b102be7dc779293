"""Landmarks and polygons in the 3D view, in their labels' colours (VTK, no Qt).

A landmark is a sphere of a fixed size on the screen; a polygon a closed line through its
vertices (in patient space, so an axial outline lies flat in the volume), as 3D Slicer shows
closed-curve markups. Both are drawn in a renderer layered over the surfaces' one and sharing
its camera, so that a landmark or outline inside an organ stays visible. Every VTK object is
kept referenced here, as VTK pipelines need.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

POINT_SIZE = 12.0
LINE_WIDTH = 3.0

#: A landmark to draw: LPS millimetres and 0-255 red, green, blue.
Landmark3D = tuple[Sequence[float], tuple[int, int, int]]
#: A polygon to draw: its vertices (LPS millimetres) and 0-255 red, green, blue.
Outline3D = tuple[Sequence[Sequence[float]], tuple[int, int, int]]


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
        self.lines = vtkPolyData()
        self.line_mapper = vtkPolyDataMapper()
        self.line_mapper.SetInputData(self.lines)
        self.line_mapper.SetScalarModeToUseCellData()
        self.line_actor = vtkActor()
        self.line_actor.SetMapper(self.line_mapper)
        self.line_actor.PickableOff()
        line = self.line_actor.GetProperty()
        line.SetLineWidth(LINE_WIDTH)
        line.SetRenderLinesAsTubes(True)
        self.line_actor.VisibilityOff()
        self.renderer.AddActor(self.line_actor)

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

    def set_polygons(self, outlines: Sequence[Outline3D]) -> None:
        """Show exactly ``outlines``, each a closed line."""
        from vtkmodules.vtkCommonCore import vtkPoints, vtkUnsignedCharArray
        from vtkmodules.vtkCommonDataModel import vtkCellArray

        points, cells, colors = vtkPoints(), vtkCellArray(), vtkUnsignedCharArray()
        colors.SetNumberOfComponents(3)
        colors.SetName("colors")
        for corners, rgb in outlines:
            first = points.GetNumberOfPoints()
            for corner in corners:
                x, y, z = (float(v) for v in corner)
                points.InsertNextPoint(x, y, z)
            ids = [*range(first, first + len(corners)), first]  # back to the first: closed
            cells.InsertNextCell(len(ids), ids)
            colors.InsertNextTuple3(*rgb)
        self.lines.SetPoints(points)
        self.lines.SetLines(cells)
        self.lines.GetCellData().SetScalars(colors)
        self.lines.Modified()
        self.line_actor.SetVisibility(bool(outlines))
