"""The recording's waveform over the shared time window: drag selects, a click seeks.

The drawing is the waveform viewers' (:class:`~viewers.waveform.trace_view.TraceView`): a min/max
envelope from the level-of-detail pyramid when a pixel column holds several samples, the samples
joined by lines closer in, so the whole hour and single samples draw alike. The wheel zooms about
the pointer; keys go to the viewer (transport).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from viewers.audio.overlay import paint_overlay
from viewers.audio.view_state import AudioViewState
from viewers.waveform.trace_view import TraceView
from workspace.waveform.pyramid import LodPyramid

#: Fewer pixels than this between press and release is a click, not a selection.
CLICK_PIXELS = 3
#: Room above and below the loudest sample, as a fraction of it.
HEADROOM = 0.05


class WaveformPane(TraceView):
    """The channels of a recording, symmetric about zero, with the selection and the playhead."""

    seek_requested = Signal(float)

    def __init__(
        self, pyramid: LodPyramid, state: AudioViewState, parent: QWidget | None = None
    ) -> None:
        super().__init__(pyramid, state.rate, parent=parent)
        self.state = state
        self.time_window = state.window  # one window for every pane
        self.value_ranges = [self._symmetric(c) for c in range(pyramid.channel_count)]
        self._press_x: float | None = None
        self.setMinimumSize(200, 60)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        state.changed.connect(self.update)

    def _symmetric(self, channel: int) -> tuple[float, float]:
        """From minus to plus the channel's loudest sample, with headroom (zero in the middle)."""
        mins, maxs = self.pyramid.envelope(channel, 0, self.pyramid.sample_count, 1)
        loudest = max(abs(float(mins[0])), abs(float(maxs[0])))
        loudest = loudest if math.isfinite(loudest) and loudest > 0 else 1.0
        return -loudest * (1 + HEADROOM), loudest * (1 + HEADROOM)

    def _changed(self) -> None:
        self.state.window_changed()

    def paintEvent(self, event: QPaintEvent) -> None:
        """The trace, then the selection and the playhead."""
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self.background)
            rect = QRectF(self.rect())
            self.paint_traces(painter, rect)
            painter.setClipping(False)
            paint_overlay(painter, self.state, rect)
        finally:
            painter.end()

    # ---------------------------------------------------------------- input
    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start a selection."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._press_x = event.position().x()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Stretch the selection to the pointer."""
        if self._press_x is None:
            return
        x = event.position().x()
        if abs(x - self._press_x) >= CLICK_PIXELS:
            width = self.width()
            self.state.set_selection(
                (self.state.time_at(self._press_x, width), self.state.time_at(x, width))
            )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click (no drag) clears the selection and moves the playhead there."""
        if self._press_x is None:
            return
        x = event.position().x()
        if abs(x - self._press_x) < CLICK_PIXELS:
            self.state.set_selection(None)
            self.seek_requested.emit(self.state.time_at(x, self.width()))
        self._press_x = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keys belong to the viewer (transport, regions)."""
        event.ignore()
