"""The time axis and the overview strip under the audio panes, following the shared window.

Both are the waveform viewer's (:class:`~viewers.waveform.time_axis.TimeAxis`,
:class:`~viewers.waveform.overview_strip.OverviewStrip`): ticks in seconds (``m:ss`` or
``h:mm:ss`` for long recordings), and the whole recording with the window shown and the regions
marked; a click or drag on the strip centres the window on that time.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QVBoxLayout, QWidget

from viewers.audio.regions import region_of
from viewers.audio.view_state import AudioViewState
from viewers.waveform.marks import Mark
from viewers.waveform.overview_strip import OverviewStrip
from viewers.waveform.time_axis import TimeAxis
from workspace.annotations import Annotation
from workspace.waveform.pyramid import LodPyramid


def region_marks(annotations: Iterable[Annotation], rate: int) -> list[Mark]:
    """The regions among ``annotations`` as intervals on the sample clock (for the strip)."""
    marks = []
    for annotation in annotations:
        region = region_of(annotation)
        if region is not None:
            start, end = round(region.start * rate), round(region.end * rate)
            marks.append(Mark(annotation, start, end, None))
    return marks


class Timeline(QWidget):
    """A time axis over an overview strip, both kept on ``state``'s window."""

    def __init__(
        self,
        pyramid: LodPyramid,
        state: AudioViewState,
        value_range: tuple[float, float],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.axis = TimeAxis(None, self)
        self.overview = OverviewStrip(pyramid, state.rate, self)
        self.overview.value_range = value_range
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.axis)
        layout.addWidget(self.overview)
        state.span_changed.connect(self._follow)
        self.overview.centre_requested.connect(self.centre_on)
        self._follow(state.window.start, state.window.duration)

    def _follow(self, start: float, duration: float) -> None:
        self.axis.set_window(start, duration)
        self.overview.set_window(start, duration)

    def centre_on(self, seconds: float) -> None:
        """Move the window (same length) so that ``seconds`` is in its middle."""
        duration = self.state.window.duration
        self.state.set_span(seconds - duration / 2, duration)

    def set_marks(self, marks: list[Mark], colors: dict[str, str]) -> None:
        """The regions to mark on the strip, coloured by label."""
        self.overview.set_marks(marks, colors)
