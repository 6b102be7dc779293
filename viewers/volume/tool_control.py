"""Runs the Tools panel's tools on the viewer's segmentation (the Widget half of Slicer's
Logic / Widget split: the computing is done by :mod:`workspace.segmentation.tools`).

Each Apply (or click, for the tools that act where the user clicks) creates the registered
tool, gives it the panel's options and hands it to :meth:`SegmentEditing.run`, which pushes
one undoable command. The threshold tool is previewed first: while it is chosen, each slice
view draws :meth:`ThresholdTool.preview_slice` of its slice over the image; Apply fills the
segment and puts the tool down, Cancel (or Esc) only puts it down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from viewers.volume.editing import SegmentEditing
from viewers.volume.reslice import View, Voxel
from viewers.volume.slice_view import SliceView
from viewers.volume.tool_options import FillBetweenPage, LogicalPage
from viewers.volume.tools_panel import ToolsPanel
from workspace.segmentation.area import EditError
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.fill_between import FillBetweenOptions
from workspace.segmentation.tools.registry import create_tool
from workspace.segmentation.tools.threshold import ThresholdTool

#: Tools applied with the Apply button; the others act on a click or a drag.
APPLIED = ("threshold", "fill_between", "islands", "smoothing", "logical")
Target = Callable[[bool], int | None]


class ToolControl(QObject):
    """Connects the panel to the slice views and the editing of one segmentation."""

    modes_changed = Signal()  # what a left-click in a slice view does may have changed
    message = Signal(str)

    def __init__(
        self,
        panel: ToolsPanel,
        editing: SegmentEditing,
        views: Mapping[View, SliceView],
        target: Target,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel = panel
        self.editing = editing
        self.views = views
        self.target = target  # target(create): the segment value the tools edit
        self.preview: ThresholdTool | None = None
        panel.tool_changed.connect(self._tool_changed)
        panel.options_changed.connect(self._options_changed)
        panel.apply_requested.connect(self.apply)
        panel.cancel_requested.connect(lambda _tool: self.panel.set_tool(None))
        panel.area_changed.connect(self._area_changed)
        for view in views.values():
            view.voxel_clicked.connect(lambda voxel, v=view: self.click(v, voxel))

    # ------------------------------------------------------------------ state
    @property
    def tool(self) -> str | None:
        """The chosen tool's id."""
        return self.panel.tool

    def wants_click(self) -> bool:
        """Whether a left-click in a slice view goes to the chosen tool."""
        tool = self.tool
        return tool is not None and self.panel.page(tool).needs_click

    def make_tool(self, tool_id: str) -> Tool[Any]:
        """The registered tool ``tool_id`` with the panel's options."""
        tool = create_tool(tool_id)
        page = self.panel.page(tool_id)
        if isinstance(page, FillBetweenPage):
            axis = self.views[page.chosen_view()].frame.fixed_axis
            tool.options = FillBetweenOptions(axis=axis)
        elif tool_id not in ("paint", "erase"):
            tool.options = page.options()
        return tool

    # ------------------------------------------------------------------ edits
    def apply(self, tool_id: str) -> None:
        """Apply ``tool_id`` to the selected segment (the Apply button)."""
        self._run(self.make_tool(tool_id))
        if tool_id == "threshold":
            self.panel.set_tool(None)  # as Slicer does: the effect is put down after Apply

    def click(self, view: SliceView, voxel: Voxel) -> None:
        """A left-click in click mode: a region-grow seed, or the island to keep or remove."""
        if self.tool is not None and self.wants_click():
            self._run(self.make_tool(self.tool), Pointer(voxel, view.frame.fixed_axis))

    def _run(self, tool: Tool[Any], at: Pointer | None = None) -> None:
        if refused := self.editing.read_only():
            self._say(refused)
            return
        value = self.target(True)
        if value is None:
            self._say("Select a segment first (Segments list or label palette).")
            return
        try:
            problem = self.editing.run(tool, value, at)
        except ValueError as error:  # options the tool refuses
            problem = str(error)
        name = self.editing.document.segment(value).name
        self._say(problem or f"{tool.title}: applied to {name}.")

    def _say(self, text: str) -> None:
        self.panel.show_message(text)
        self.message.emit(text)

    # ------------------------------------------------------------------ preview
    def refresh(self) -> None:
        """The segments, labels or target changed: redraw the preview (if one is shown)."""
        if self.tool == "threshold":
            self._start_preview()
        self._update_modifiers()

    def _tool_changed(self, tool_id: str | None) -> None:
        self._stop_preview()
        if tool_id == "threshold":
            self._start_preview()
        self._update_modifiers()
        self.modes_changed.emit()

    def _options_changed(self, tool_id: str) -> None:
        if tool_id == "threshold" and self.preview is not None:
            self.preview.options = self.panel.page("threshold").options()
            for view in self.views.values():
                view.set_preview(self._preview_slice, caption=self._caption())
        if tool_id == "islands":
            self.modes_changed.emit()

    def _area_changed(self, rule: Any) -> None:
        self.editing.area = type(self.editing.area)(rule, self.editing.area.intensity_range)
        self.refresh()

    def _start_preview(self) -> None:
        self._stop_preview()
        value = self.target(False)
        if value is None:
            self.panel.show_message("Select a segment to preview the threshold.")
            return
        tool = self.make_tool("threshold")
        assert isinstance(tool, ThresholdTool)
        tool.activate(self.editing.context(value))
        self.preview = tool
        color = QColor(self.editing.document.segment(value).color)
        for view in self.views.values():
            view.set_preview(self._preview_slice, color, self._caption())

    def _caption(self) -> str:
        assert self.preview is not None
        options = self.preview.options
        return f"Threshold preview {options.low:g} to {options.high:g}"

    def _stop_preview(self) -> None:
        if self.preview is None:
            return
        self.preview.deactivate()
        self.preview = None
        for view in self.views.values():
            view.set_preview(None)

    def _preview_slice(self, axis: int, index: int) -> npt.NDArray[np.bool_]:
        shape = self.editing.document.labels.shape
        if self.preview is not None:
            try:
                return self.preview.preview_slice(axis, index)
            except EditError:  # the segment was locked or removed meanwhile
                pass
        return np.zeros([n for a, n in enumerate(shape) if a != axis], dtype=np.bool_)

    def _update_modifiers(self) -> None:
        page = self.panel.page("logical")
        if isinstance(page, LogicalPage):
            page.set_segments(self.editing.document.segments, self.target(False))

    def close(self) -> None:
        """Drop the preview (the viewer is shutting down)."""
        self._stop_preview()
