"""What the panes of the audio viewer share: the time window, the playhead, the selections.

One observable object (as glue's ``ViewerState``) rather than state copied between widgets: the
waveform, the spectrogram and the tiers all read it and repaint on :attr:`changed`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from viewers.waveform.time_window import TimeWindow

#: The window never shows fewer samples than this (single samples, as in Audacity).
SHORTEST_SAMPLES = 8


class AudioViewState(QObject):
    """Time window over a recording of ``duration`` seconds at ``rate`` Hz, playhead, selections.

    ``selection`` is a time range (seconds) chosen on the waveform, ``region_id`` the selected
    region's annotation id. Signals: ``changed`` (anything), ``span_changed`` (the window).
    """

    changed = Signal()
    span_changed = Signal(float, float)

    def __init__(self, duration: float, rate: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rate = rate
        self.window = TimeWindow(duration, SHORTEST_SAMPLES / rate)
        self.playhead = 0.0
        self.selection: tuple[float, float] | None = None
        self.region_id: str | None = None

    @property
    def duration(self) -> float:
        """Length of the recording in seconds."""
        return self.window.total

    def set_span(self, start: float, duration: float) -> None:
        """Show ``duration`` seconds from ``start`` (clamped to the recording)."""
        self.window.set(start, duration)
        self.window_changed()

    def window_changed(self) -> None:
        """Announce a change made to :attr:`window` in place."""
        self.span_changed.emit(self.window.start, self.window.duration)
        self.changed.emit()

    def set_playhead(self, seconds: float) -> None:
        """Move the playhead (seconds, clamped), following it when it leaves the window."""
        self.playhead = min(max(seconds, 0.0), self.duration)
        window = self.window
        if not window.start <= self.playhead <= window.stop:
            window.set(self.playhead - 0.1 * window.duration, window.duration)
            self.span_changed.emit(window.start, window.duration)
        self.changed.emit()

    def set_selection(self, selection: tuple[float, float] | None) -> None:
        """Select ``(start, end)`` seconds (in either order), or nothing."""
        if selection is not None:
            low, high = sorted(selection)
            low, high = max(low, 0.0), min(high, self.duration)
            selection = (low, high) if high > low else None
        self.selection = selection
        self.changed.emit()

    def select_region(self, region_id: str | None) -> None:
        """Make ``region_id`` the selected region (None: none)."""
        self.region_id = region_id
        self.changed.emit()

    # ------------------------------------------------------------------ geometry
    def x_of(self, seconds: float, width: int) -> float:
        """Widget x of ``seconds`` in a pane ``width`` pixels wide."""
        window = self.window
        return (seconds - window.start) / window.duration * max(width, 1)

    def time_at(self, x: float, width: int) -> float:
        """The time (seconds) at widget x ``x`` of a pane ``width`` pixels wide."""
        window = self.window
        return window.start + x / max(width, 1) * window.duration
