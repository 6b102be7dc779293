"""Runs the chosen tool on the viewer's segmentation (the Widget half of Slicer's Logic /
Widget split: the computing is done by :mod:`workspace.segmentation.tools`).

Nothing here names a tool: each one's :class:`~viewers.volume.tool_ui.ToolUI` says how it acts.
A stroke tool gets the drags of the slice views, a click tool the voxel clicked, the others
their page's Apply; each edit creates the registered tool, gives it its page's options
(:meth:`OptionsPage.tool_options`) and hands it to :class:`SegmentEditing`, which pushes one
undoable command. A previewed tool (the threshold) is drawn over each slice view while it is
chosen (its ``preview_slice``); Apply edits and puts it down, Cancel (or Esc) only puts it down.

A tool whose work is whole-volume (``Tool.background``: threshold, region grow, islands,
smoothing, fill between slices, logical operators) runs as a job (:mod:`viewers.jobs`): the
command is computed on a worker, with progress and Cancel in the viewer's job strip, then pushed
on the GUI thread. While it runs no other tool edits the segmentation (they are refused with a
message, not queued); should the labels or segments change meanwhile (undo, a lock), its result
is dropped rather than pushed over them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from viewers.job_strip import JobStrip
from viewers.jobs import Job, JobCancelledError, JobContext, JobGroup
from viewers.volume.editing import SegmentEditing, compute
from viewers.volume.reslice import View, Voxel
from viewers.volume.slice_view import SliceView
from viewers.volume.state import VolumeViewState
from viewers.volume.tool_options import ToolEnvironment
from viewers.volume.tool_ui import Interaction
from viewers.volume.tools_panel import ToolsPanel
from workspace.commands import Command
from workspace.segmentation.area import EditError
from workspace.segmentation.progress import EditCancelledError, Progress
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.erase import EraserOptions
from workspace.segmentation.tools.registry import create_tool

#: Shift+drag erases with any tool: this tool, with the brush of the view state.
SHIFT_ERASER = "erase"
Target = Callable[[bool], int | None]


class ToolControl(QObject):
    """Connects the panel to the slice views and the editing of one segmentation."""

    modes_changed = Signal()  # what a left-click in a slice view does may have changed
    message = Signal(str)

    def __init__(
        self,
        state: VolumeViewState,
        panel: ToolsPanel,
        editing: SegmentEditing,
        views: Mapping[View, SliceView],
        target: Target,
        parent: QObject | None = None,
        jobs: JobGroup | None = None,
        strip: JobStrip | None = None,
    ) -> None:
        super().__init__(parent)
        self.jobs = jobs if jobs is not None else JobGroup()
        self.strip = strip
        #: The background tool running (None when idle) and whether its inputs changed.
        self.job: Job | None = None
        self._stale = False
        editing.document.events.labels_changed.connect(self._edited)
        editing.document.events.segments_changed.connect(self._edited)
        self.state = state
        self.panel = panel
        self.editing = editing
        self.views = views
        self.target = target  # target(create): the segment value the tools edit
        self.env = ToolEnvironment(
            state,
            editing.document,
            {view: slice_view.frame.fixed_axis for view, slice_view in views.items()},
            lambda: self.target(False),
        )
        self.preview: Any = None  # the previewed tool, activated (it has preview_slice)
        state.events.tool.connect(self._tool_changed)
        panel.options_changed.connect(self._options_changed)
        panel.apply_requested.connect(self.apply)
        panel.cancel_requested.connect(lambda _tool: self.put_down())
        panel.area_changed.connect(self._area_changed)
        for view in views.values():
            view.voxel_clicked.connect(lambda voxel, v=view: self.click(v, voxel))

    # ------------------------------------------------------------------ state
    @property
    def tool(self) -> str | None:
        """The chosen tool's id."""
        return self.state.tool

    @property
    def interaction(self) -> Interaction | None:
        """How the chosen tool acts now (None: no tool)."""
        return self.panel.interaction(self.tool)

    def wants_click(self) -> bool:
        """Whether a left-click in a slice view goes to the chosen tool."""
        return self.interaction is Interaction.CLICK

    @property
    def previewing(self) -> bool:
        """Whether the chosen tool is one that is previewed (Esc puts it down)."""
        return self.tool is not None and self.panel.uis[self.tool].preview

    def put_down(self) -> None:
        """No tool: a left-click navigates again."""
        self.state.tool = None

    def make_tool(self, tool_id: str) -> Tool[Any]:
        """The registered tool ``tool_id`` with its page's options."""
        tool = create_tool(tool_id)
        options = self.panel.page(tool_id).tool_options(self.env)
        if options is not None:
            tool.options = options
        return tool

    # ------------------------------------------------------------------ edits
    def apply(self, tool_id: str) -> None:
        """Apply ``tool_id`` to the selected segment (the Apply button)."""
        self._run(self.make_tool(tool_id))
        if self.panel.uis[tool_id].preview:
            self.put_down()  # as Slicer does: a previewed effect is put down after Apply

    def click(self, view: SliceView, voxel: Voxel) -> None:
        """A left-click in click mode: a region-grow seed, or the island to keep or remove."""
        if self.tool is not None and self.wants_click():
            self._run(self.make_tool(self.tool), Pointer(voxel, view.frame.fixed_axis))

    def stroke(self, view: SliceView, voxels: Sequence[Voxel], erase: bool) -> None:
        """A left-drag in paint mode: the chosen stroke tool along ``voxels`` (Shift held,
        ``erase``: the eraser with the view state's brush, whatever the tool)."""
        if not voxels or self.tool is None:
            return
        if erase and not self.panel.uis[self.tool].erases:
            tool = create_tool(SHIFT_ERASER)
            tool.options = EraserOptions(self.state.brush_radius_mm, self.state.brush_sphere)
        else:
            tool = self.make_tool(self.tool)
        axis = view.frame.fixed_axis
        self._run(tool, points=[Pointer(v, axis) for v in voxels], quiet=True)

    @property
    def busy(self) -> bool:
        """Whether a background tool is running (other edits are refused meanwhile)."""
        return self.job is not None

    def _run(
        self,
        tool: Tool[Any],
        at: Pointer | None = None,
        points: Sequence[Pointer] | None = None,
        quiet: bool = False,
    ) -> None:
        if self.job is not None:
            self._say(f"Wait for {self.job.title} to finish, or cancel it.")
            return
        if refused := self.editing.read_only():
            self._say(refused)
            return
        if not self.editing.stored:  # a new segmentation: stored first, off the GUI thread
            self._store_first(lambda: self._run(tool, at, points, quiet))
            return
        value = self.target(True)
        if value is None:
            self._say("Select a segment first (Segments list or label palette).")
            return
        if tool.background:
            self._start(tool, value, at, points)
            return
        try:
            if points is None:
                problem = self.editing.run(tool, value, at)
            else:
                problem = self.editing.run_stroke(tool, value, points)
        except ValueError as error:  # options the tool refuses
            problem = str(error)
        if problem:
            self._say(problem)
        elif not quiet:
            self._say(self._applied(tool, value))

    def _applied(self, tool: Tool[Any], value: int) -> str:
        return f"{tool.title}: applied to {self.editing.document.segment(value).name}."

    # ------------------------------------------------------------------ background tools
    def _start(
        self, tool: Tool[Any], value: int, at: Pointer | None, points: Sequence[Pointer] | None
    ) -> None:
        """Run ``tool`` as a job: computed on a worker, pushed here when it succeeds."""
        if refused := self.editing.begin(value):
            self._say(refused)
            return
        context = self.editing.context(value)

        def work(job: JobContext) -> Command | None:
            progress = Progress(job.progress, job.cancelled)
            try:
                return compute(tool, context, at, points, progress)
            except EditCancelledError:
                raise JobCancelledError from None

        self._stale = False
        self.job = job = self.jobs.start(tool.title, work, failure=f"{tool.title}: ")
        job.succeeded.connect(lambda command: self._computed(tool, value, command))
        job.cancelled.connect(lambda: self._say(f"{tool.title}: cancelled, nothing changed."))
        job.failed.connect(self._say)
        job.finished.connect(self._job_ended)
        if self.strip is not None:
            self.strip.watch(job)
        self.panel.show_message(f"{tool.title}: working…")

    def _store_first(self, then: Callable[[], None]) -> None:
        """Seal the new segmentation's snapshot on a worker (compressing a whole label map
        takes a quarter of a second), record it here, then go on with ``then``."""
        self._stale = False
        self.job = job = self.jobs.start(
            "Storing the new segmentation",
            lambda _job: self.editing.seal(),
            failure="The segmentation could not be stored: ",
        )
        job.succeeded.connect(lambda digest: self._stored(digest, then))
        job.failed.connect(self._say)
        job.finished.connect(self._job_ended)
        if self.strip is not None:
            self.strip.watch(job, cancellable=False)

    def _stored(self, digest: str, then: Callable[[], None]) -> None:
        try:
            self.editing.ensure_stored(None if self._stale else digest)
        except Exception as error:  # noqa: BLE001 - said to the user in one line
            self._say(f"The segmentation could not be stored: {error}")
            return
        self.job = None  # the edit that waited for it goes on now
        then()

    def _computed(self, tool: Tool[Any], value: int, command: Command | None) -> None:
        if self._stale:
            self._say(f"{tool.title}: the segmentation changed meanwhile; apply it again.")
        elif problem := self.editing.finish(tool, command):
            self._say(problem)
        else:
            self._say(self._applied(tool, value))

    def _job_ended(self) -> None:
        if self.job is not None and self.job.is_finished:
            self.job = None
        self.modes_changed.emit()

    def _edited(self, *_changed: object) -> None:
        if self.job is not None:
            self._stale = True

    def cancel(self) -> None:
        """Cancel the background tool running (nothing is changed)."""
        if self.job is not None:
            self.job.cancel()

    def _say(self, text: str) -> None:
        self.panel.show_message(text)
        self.message.emit(text)

    # ------------------------------------------------------------------ preview
    def refresh(self) -> None:
        """The segments, labels or target changed: redraw the preview (if one is shown)."""
        if self.previewing:
            self._start_preview()
        for page in self.panel.pages.values():
            page.refresh(self.env)

    def _tool_changed(self, tool_id: str | None) -> None:
        self._stop_preview()
        if tool_id is not None and self.panel.uis[tool_id].preview:
            self._start_preview()
        for page in self.panel.pages.values():
            page.refresh(self.env)
        self.modes_changed.emit()

    def _options_changed(self, tool_id: str) -> None:
        if tool_id == self.tool and self.preview is not None:
            self.preview.options = self.make_tool(tool_id).options
            caption = self.panel.page(tool_id).preview_caption()
            for view in self.views.values():
                view.set_preview(self._preview_slice, caption=caption)
        self.modes_changed.emit()

    def _area_changed(self, rule: Any) -> None:
        self.editing.area = type(self.editing.area)(rule, self.editing.area.intensity_range)
        self.refresh()

    def _start_preview(self) -> None:
        self._stop_preview()
        tool_id = self.tool
        value = self.target(False)
        if tool_id is None:
            return
        if value is None:
            self.panel.show_message(f"Select a segment to preview the {tool_id} tool.")
            return
        tool = self.make_tool(tool_id)
        if not hasattr(tool, "preview_slice"):
            return
        tool.activate(self.editing.context(value))
        self.preview = tool
        color = QColor(self.editing.document.segment(value).color)
        caption = self.panel.page(tool_id).preview_caption()
        for view in self.views.values():
            view.set_preview(self._preview_slice, color, caption)

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
                mask: npt.NDArray[np.bool_] = self.preview.preview_slice(axis, index)
                return mask
            except EditError:  # the segment was locked or removed meanwhile
                pass
        return np.zeros([n for a, n in enumerate(shape) if a != axis], dtype=np.bool_)

    def close(self) -> None:
        """Drop the preview and abandon a running tool (the viewer is shutting down)."""
        self._stop_preview()
        if self.job is not None:
            self.job.abandon()
            self.job = None
