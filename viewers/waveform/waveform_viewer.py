"""The viewer for waveform items (ECG, EEG, other physiological signals).

The record opens in a background job (progress in the job strip) that reads the stored
channels and builds their min/max pyramid; then the channels are shown stacked with their
names, units and scale bars, on ECG paper true to the screen's size for an ECG, with a time
axis (seconds and clock time) and an overview strip of the whole record.

Annotating (every edit an undoable command, saved at once): put the cursor with a click
(Shift+Left/Right moves it), then press a label's key to place a point (a beat) there; drag
across the trace to select a range and press a label's key to make it an interval; with an
annotation selected (click it) a label key relabels it, Del deletes it, dragging moves it
(an interval's edge moves that edge); a double-click places a point with the active label.
] and [ jump to the next and previous annotation with the selected (else the active) label.
Calipers: right-drag, or C then left-drag (C again to stop); C with a range selected
measures the range. With "One channel" on, new annotations belong to the channel under the
pointer, else to every channel.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from viewers.base import Viewer, register_viewer
from viewers.job_strip import JobStrip
from viewers.jobs import Job
from viewers.waveform.display_filters import DisplayFilter
from viewers.waveform.ecg_layout import LAYOUTS
from viewers.waveform.loader import LoadedRecord, load_job
from viewers.waveform.marks import mark_of, marks_of, moved, next_mark
from viewers.waveform.montage_channels import montage_record
from viewers.waveform.overview_strip import OverviewStrip
from viewers.waveform.signal_view import SignalView
from viewers.waveform.time_axis import TimeAxis, seconds_text
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.signal_marks import sample_interval, sample_point
from workspace.annotations import AddAnnotation, Annotation, DeleteAnnotation, UpdateAnnotation
from workspace.items import ItemSummary
from workspace.schema import LabelClass, normalize_shortcut
from workspace.waveform.montage import Montage, montages_for
from workspace.workspace import Workspace

GESTURES: tuple[tuple[str, str], ...] = (
    ("Put the cursor / select an annotation", "Click"),
    ("Move the cursor", "Shift+Left / Shift+Right"),
    ("Place a point (beat) at the cursor, or relabel the selected one", "Label key"),
    ("Select a range (then a label key makes an interval)", "Left drag"),
    ("Place a point with the active label", "Double-click"),
    ("Move an annotation or an interval's edge", "Drag it"),
    ("Delete the selected annotation", "Del"),
    ("Next / previous annotation of the label", "] / ["),
    ("Calipers (interval in ms, rate in bpm)", "Right drag, or C then drag"),
    ("Zoom", "Wheel, + / -"),
    ("Gain of the channel under the pointer", "Ctrl+wheel, Ctrl++ / Ctrl+- (Ctrl+0 resets)"),
    ("Scroll", "Shift+wheel, middle drag, arrows, Page Up/Down, Home/End"),
)
SPEEDS = (12.5, 25.0, 50.0)
GAINS = (2.5, 5.0, 10.0, 20.0, 40.0)
#: The display filters offered (Hz; None: off), by the DisplayFilter field they set.
FILTER_CHOICES: dict[str, tuple[str, tuple[float | None, ...]]] = {
    "highpass": ("High-pass", (None, 0.5, 1.0, 5.0)),
    "lowpass": ("Low-pass", (None, 15.0, 35.0, 70.0)),
    "notch": ("Notch", (None, 50.0, 60.0)),
}
STACKED = "Stacked"
MONTAGE_TIP = (
    "EEG montage: referential (as recorded) or bipolar longitudinal (double banana), "
    "derived from the samples of the window shown; annotations stay on the recorded channels."
)
FILTER_TIP = (
    "Display filters (never stored). They apply when zoomed in far enough for the samples "
    "to be drawn; zoomed out, the min-max envelope is drawn unfiltered."
)


@register_viewer("waveform")
class WaveformViewer(Viewer):
    """Stacked channels, time axis and overview of one record, with its annotations."""

    editable = True
    gestures = GESTURES
    view: SignalView
    overview: OverviewStrip
    axis: TimeAxis
    readout: QLabel

    def __init__(
        self, workspace: Workspace, item: ItemSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, item, parent)
        self.document = workspace.document(item.id)
        self.record: LoadedRecord | None = None
        self.colors = {c.name: c.color for c in self.schema.classes}
        self._closed = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self.strip = JobStrip(self)
        self._layout.addStretch(1)
        self._layout.addWidget(self.strip, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout.addStretch(1)
        self.loading: Job = self.jobs.start(
            "Opening the record", load_job(workspace, item.id), failure="Not opened: "
        )
        self.loading.succeeded.connect(self._show)
        self.loading.cancelled.connect(
            lambda: self.strip.show_error("Not opened: cancelled. Open the item again.")
        )
        self.strip.watch(self.loading)

    def wait_loaded(self, timeout_ms: int = 30_000) -> bool:
        """Process events until the record is shown (tests, screenshots); False on time-out."""
        deadline = QDeadlineTimer(timeout_ms)
        while self.record is None and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return self.record is not None

    def shutdown(self) -> None:
        """Stop loading and let go of the document."""
        self._closed = True
        super().shutdown()

    # ------------------------------------------------------------------ building
    def _show(self, record: LoadedRecord) -> None:
        if self._closed:
            return
        self.record = record
        while self._layout.count():
            taken = self._layout.takeAt(0)
            widget = None if taken is None else taken.widget()
            if widget is not None and widget is not self.strip:
                widget.hide()
        shortcuts = [c.shortcut for c in self.schema.classes if c.shortcut]
        self.view = SignalView(record, self.colors, shortcuts, self)
        self.axis = TimeAxis(record.start_time, self)
        self.overview = OverviewStrip(record.pyramid, record.rate, self)
        self.overview.value_range = self.view.value_ranges[0] if self.view.value_ranges else (0, 1)
        self.readout = QLabel(self)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(self._toolbar(record))
        self._layout.addWidget(self.view, 1)
        self._layout.addWidget(self.axis)
        self._layout.addWidget(self.overview)
        self._layout.addWidget(self.readout)
        self._layout.addWidget(self.strip)
        view = self.view
        view.span_changed.connect(self._on_span)
        view.cursor_moved.connect(lambda _s: self._update_readout())
        view.caliper_changed.connect(self._update_readout)
        view.range_changed.connect(self._update_readout)
        view.mark_selected.connect(lambda _i: self._update_readout())
        view.label_pressed.connect(self._on_label_key)
        view.point_requested.connect(self._on_point_requested)
        view.mark_moved.connect(self._on_mark_moved)
        view.delete_requested.connect(self.delete_selected)
        view.jump_requested.connect(self.jump)
        self.overview.centre_requested.connect(self._centre_on)
        for event in (self.document.added, self.document.updated, self.document.removed):
            self.relays.connect(event, lambda _a: self._refresh_marks())
        self._refresh_marks()
        if view.paper_grid:
            view.resize(max(self.width() - 4, 200), view.height())
            view.fit_paper_speed()
        else:
            view.set_span(0.0, min(10.0, record.duration_s))
        view.rescale()
        self._on_span(*view.span())
        self.setFocusProxy(view)
        view.setFocus()

    def _toolbar(self, record: LoadedRecord) -> QWidget:
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(4, 0, 4, 0)
        self.paper_box = QCheckBox("ECG paper", bar)
        self.paper_box.setChecked(self.view.paper_grid)
        self.paper_box.toggled.connect(self._set_paper)
        self.speed_box = QComboBox(bar)
        self.speed_box.addItems([f"{s:g} mm/s" for s in SPEEDS])
        self.speed_box.setCurrentIndex(SPEEDS.index(25.0))
        self.speed_box.currentIndexChanged.connect(self._set_speed)
        self.gain_box = QComboBox(bar)
        self.gain_box.addItems([f"{g:g} mm/mV" for g in GAINS])
        self.gain_box.setCurrentIndex(GAINS.index(10.0))
        self.gain_box.currentIndexChanged.connect(self._set_gain)
        self.channel_button = QToolButton(bar)
        self.channel_button.setText("Channels")
        self.channel_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.channel_actions: list[QAction] = []
        self._fill_channel_menu(record.names)
        self.montages = montages_for(record.names)
        self.montage_box = QComboBox(bar)
        self.montage_box.addItems([m.name for m in self.montages])
        self.montage_box.setToolTip(MONTAGE_TIP)
        self.montage_box.setVisible(len(self.montages) > 1)
        self.montage_box.currentIndexChanged.connect(lambda i: self.set_montage(self.montages[i]))
        self.layout_box = QComboBox(bar)
        self.layout_box.addItems([STACKED, *LAYOUTS])
        self.layout_box.setToolTip("Printed 12-lead layouts: 3×4 with a rhythm strip, 6×2, 12×1")
        self.layout_box.setVisible(self.view.twelve is not None)
        self.layout_box.currentTextChanged.connect(self.set_ecg_layout)
        self.filter_button = self._filter_button(bar)
        self.one_channel = QCheckBox("One channel", bar)
        self.one_channel.setToolTip("New annotations belong to the channel under the pointer")
        self.one_channel.toggled.connect(self._set_per_channel)
        for widget in (self.paper_box, self.speed_box, self.gain_box, self.channel_button):
            row.addWidget(widget)
        row.addWidget(self.montage_box)
        row.addWidget(self.layout_box)
        row.addWidget(self.filter_button)
        row.addWidget(self.one_channel)
        row.addStretch(1)
        return bar

    def _filter_button(self, bar: QWidget) -> QToolButton:
        button = QToolButton(bar)
        button.setText("Filters")
        button.setToolTip(FILTER_TIP)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        menu.setToolTipsVisible(True)
        #: (field, frequency) -> its menu action.
        self.filter_actions: dict[tuple[str, float | None], QAction] = {}
        for field, (title, choices) in FILTER_CHOICES.items():
            menu.addSection(title)
            group = QActionGroup(menu)
            for hz in choices:
                action = menu.addAction(f"{title} off" if hz is None else f"{title} {hz:g} Hz")
                action.setCheckable(True)
                action.setChecked(hz is None)
                action.setToolTip(FILTER_TIP)
                group.addAction(action)
                action.triggered.connect(lambda _on, f=field, v=hz: self._set_filter(f, v))
                self.filter_actions[(field, hz)] = action
        button.setMenu(menu)
        return button

    def _fill_channel_menu(self, names: list[str]) -> None:
        menu = QMenu(self.channel_button)
        self.channel_actions = []
        for number, name in enumerate(names):
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(lambda _on, n=number: self._channels_changed(n))
            self.channel_actions.append(action)
        old = self.channel_button.menu()
        self.channel_button.setMenu(menu)
        if old is not None:
            old.deleteLater()

    # ------------------------------------------------------------------ display settings
    def set_ecg_layout(self, layout: str) -> None:
        """Show the 12 leads in a printed layout (a key of LAYOUTS) or stacked (STACKED)."""
        layout = "" if layout == STACKED else layout
        self.view.set_ecg_layout(layout)
        self.channel_button.setEnabled(not layout)
        if layout:
            self.one_channel.setChecked(False)
        self.one_channel.setEnabled(not layout)
        if self.layout_box.currentText() != (layout or STACKED):
            self.layout_box.setCurrentText(layout or STACKED)

    def set_montage(self, montage: Montage) -> None:
        """Draw the record through ``montage`` (derived channels computed from the window)."""
        if self.record is None:
            return
        referential = all(d.minus is None for d in montage.derivations)
        if referential:
            self.view.set_record(self.record)
        else:
            self.view.set_record(montage_record(self.record, montage), montage)
            self.one_channel.setChecked(False)
        self.one_channel.setEnabled(referential)
        self._fill_channel_menu(self.view.record.names)
        if self.montage_box.currentText() != montage.name:
            self.montage_box.setCurrentText(montage.name)

    def _set_filter(self, field: str, hz: float | None) -> None:
        current = self.view.display_filter
        values = {f: getattr(current, f) for f in FILTER_CHOICES}
        values[field] = hz
        self.set_display_filter(DisplayFilter(**values))

    def set_display_filter(self, display_filter: DisplayFilter) -> None:
        """Filter the traces drawn (display only; nothing is stored)."""
        self.view.set_display_filter(display_filter)
        for (field, hz), action in self.filter_actions.items():
            action.setChecked(getattr(display_filter, field) == hz)
        active = [
            f"{FILTER_CHOICES[f][0]} {getattr(display_filter, f):g} Hz"
            for f in FILTER_CHOICES
            if getattr(display_filter, f) is not None
        ]
        self.filter_button.setText("Filters: " + ", ".join(active) if active else "Filters")

    def _set_paper(self, on: bool) -> None:
        self.view.paper_grid = on
        if on:
            self.view.fit_paper_speed()
        self.view.rescale()

    def _set_speed(self, index: int) -> None:
        self.view.paper.speed = SPEEDS[index]
        if self.view.paper_grid:
            self.view.fit_paper_speed()

    def _set_gain(self, index: int) -> None:
        self.view.paper.gain = GAINS[index]
        self.view.rescale()

    def set_shown_channels(self, channels: list[int]) -> None:
        """Show only ``channels`` (in this order; none: all)."""
        self.view.shown = list(channels) or list(range(self.view.pyramid.channel_count))
        if self.view.montage is None:
            self.overview.channel = self.view.shown[0]
            self.overview.value_range = self.view.value_ranges[self.view.shown[0]]
        self.view.rescale()
        self.overview.update()

    def _channels_changed(self, _number: int) -> None:
        self.set_shown_channels([n for n, a in enumerate(self.channel_actions) if a.isChecked()])

    def _set_per_channel(self, on: bool) -> None:
        self.view.per_channel = on

    def _on_span(self, start: float, duration: float) -> None:
        self.axis.set_window(start, duration)
        self.overview.set_window(start, duration)

    def _centre_on(self, seconds: float) -> None:
        duration = self.view.time_window.duration
        self.view.set_span(seconds - duration / 2, duration)

    def _refresh_marks(self) -> None:
        marks = marks_of(self.document.all())
        self.view.set_marks(marks)
        self.overview.set_marks(marks, self.colors)
        self._update_readout()

    def _update_readout(self) -> None:
        if self.record is None:
            return
        view, rate = self.view, self.record.rate
        parts = [
            f"Cursor {seconds_text(view.cursor_sample / rate, 0.001)} (sample {view.cursor_sample})"
        ]
        if view.selection is not None:
            start, end = view.selection
            parts.append(f"Range {(end - start) / rate * 1000:.0f} ms")
        mark = view.selected_mark()
        if mark is not None:
            parts.append(f"Selected {mark.label} at sample {mark.start}")
        if view.caliper is not None:
            parts.append(f"Caliper {view.caliper.text()}")
        if view.caliper_mode:
            parts.append("Caliper mode (C to leave)")
        self.readout.setText("   ·   ".join(parts))

    # ------------------------------------------------------------------ editing
    def apply_label(self, label: LabelClass) -> bool:
        """Relabel the selected annotation, else make the selected range an interval, else
        place a point at the cursor."""
        if self.record is None:
            return False
        view = self.view
        mark = view.selected_mark()
        if mark is not None:
            if mark.label == label.name:
                return True
            return self.push(UpdateAnnotation(self.document, mark.id, label=label.name))
        if view.selection is not None:
            start, end = view.selection
            added = self._add_interval(label.name, start, max(end, start + 1))
            if added:
                view.clear_range()
            return added
        return self._add_point(label.name, view.cursor_sample, None)

    def _add_point(self, label: str, sample: int, channel: int | None) -> bool:
        return self._add(
            lambda: sample_point(
                self.item.id,
                sample,
                label,
                samples=self._samples(),
                channel=channel,
                schema=self.schema,
                author=self.workspace.user,
            )
        )

    def _add_interval(self, label: str, start: int, end: int) -> bool:
        return self._add(
            lambda: sample_interval(
                self.item.id,
                start,
                end,
                label,
                samples=self._samples(),
                channel=self.view.selection_channel,
                schema=self.schema,
                author=self.workspace.user,
            )
        )

    def _samples(self) -> int | None:
        return None if self.record is None else self.record.sample_count

    def _add(self, build: Callable[[], Annotation]) -> bool:
        if self.refuse_edit():
            return False
        try:
            annotation = build()
        except AnnotationKindError as error:
            self.message.emit(str(error))
            return False
        if self.push(AddAnnotation(self.document, annotation)):
            self.view.select(annotation.id)
            return True
        return False

    def _on_label_key(self, shortcut: str) -> None:
        for label in self.schema.classes:
            if label.shortcut and normalize_shortcut(label.shortcut) == shortcut:
                self.apply_label(label)
                return

    def _on_point_requested(self, sample: int, channel: int) -> None:
        label = self.active_label
        if label is None:
            self.message.emit("Choose a label in the palette first (or press a label's key).")
            return
        self.view.select("")
        self._add_point(label.name, sample, None if channel < 0 else channel)

    def _on_mark_moved(self, annotation_id: str, start: int, end: int) -> None:
        if annotation_id not in self.document:
            return
        mark = mark_of(self.document.get(annotation_id))
        if mark is None:
            return
        data = moved(mark, start, None if end < 0 else end)
        self.push(UpdateAnnotation(self.document, annotation_id, data=data))

    def delete_selected(self) -> bool:
        """Delete the selected annotation (False when none is selected)."""
        mark = self.view.selected_mark() if self.record is not None else None
        if mark is None:
            return False
        return self.push(DeleteAnnotation(self.document, mark.id))

    def jump(self, forward: bool) -> None:
        """Select the next (or previous) annotation with the selected or active label."""
        view = self.view
        selected = view.selected_mark()
        label = (
            selected.label if selected else self.active_label.name if self.active_label else None
        )
        origin = selected.start if selected else view.cursor_sample
        found = next_mark(view.marks, origin, label, forward)
        if found is None:
            self.message.emit(f"No {'next' if forward else 'previous'} {label or 'annotation'}.")
            return
        view.set_cursor(found.start)
        view.select(found.id)
        view.reveal(found.start)
