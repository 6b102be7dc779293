"""The audio viewer: waveform, spectrogram, playback and regions in speaker tiers (issue 11).

Praat's two panes (waveform over spectrogram), ELAN's tiers (one a speaker, overlaps across
tiers), Audacity's transport. The recording is decoded and its pyramid built in a background
job; the spectrogram of the visible window is computed in another. Every edit is a command
(undo, saved at once) built by :mod:`viewers.audio.regions`; a read-only task refuses them.

Keys (the viewer has focus): Space plays the selection or region (else plays/pauses from the
playhead), arrows seek, J/K/L shuttle (:mod:`viewers.audio.transport`), Delete removes the
selected region, Alt+Right / Alt+Left select the next / previous region, F2 puts the keys in
the region's attribute fields (dialogue act, SOAP section...; Escape gives them back), a label's
key labels the selected region (or the selected text of the transcript as an entity, or makes a
region of the time selection). The wheel zooms.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEvent, QEventLoop, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from viewers.audio import regions as model
from viewers.audio import transport
from viewers.audio.loading import LoadedRecording, load_recording
from viewers.audio.playback import Player
from viewers.audio.region_panel import RegionPanel
from viewers.audio.regions import Region, Tier
from viewers.audio.spectrogram_pane import SpectrogramPane
from viewers.audio.tier_actions import TierActions
from viewers.audio.tier_pane import TierPane
from viewers.audio.timeline import Timeline, region_marks
from viewers.audio.view_state import AudioViewState
from viewers.audio.waveform_pane import WaveformPane
from viewers.base import Viewer, register_viewer
from viewers.job_strip import JobStrip
from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError
from workspace.commands import Command
from workspace.items import ItemSummary
from workspace.schema import LabelClass
from workspace.workspace import Workspace

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
MESSAGE_STYLE = "background: #5c4400; color: #ffe9a8; padding: 4px 8px;"
#: Speaker ids of the tiers a recording without regions starts with.
FIRST_SPEAKERS = ("S1", "S2")


def _region_key(event: QKeyEvent) -> int | None:
    """Alt+Right: 1 (next region), Alt+Left: -1 (previous), F2: 0 (its attributes); else None."""
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if event.key() == Qt.Key.Key_F2 and modifiers == Qt.KeyboardModifier.NoModifier:
        return 0
    if modifiers == Qt.KeyboardModifier.AltModifier:
        return {Qt.Key.Key_Right: 1, Qt.Key.Key_Left: -1}.get(Qt.Key(event.key()))
    return None


@register_viewer("audio")
class AudioViewer(Viewer):
    """One recording: its panes, its player and its regions."""

    editable = True
    gestures = (
        ("Play / pause (the selection or region if any)", "Space"),
        ("Seek 1 s (Shift: 5 s)", "Left / Right"),
        ("Shuttle backward / pause / forward", "J / K / L"),
        ("Select a stretch", "Drag on the waveform"),
        ("Add a region", "Drag on a tier"),
        ("Move / resize a region", "Drag its body / edge"),
        ("Delete the selected region", "Delete"),
        ("Select the next / previous region", "Alt+Right / Alt+Left"),
        ("Edit the region's attributes (dialogue act, SOAP section)", "F2"),
        ("Zoom", "Wheel"),
    )

    def __init__(
        self, workspace: Workspace, item: ItemSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, item, parent)
        self.document = workspace.document(item.id)
        self.recording: LoadedRecording | None = None
        self.state: AudioViewState | None = None
        self.player: Player | None = None
        self.extra_tiers: list[Tier] = []
        self.tier_actions = TierActions(self)
        self.colors = {c.name: c.color for c in self.schema.classes}
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self.message_bar = QLabel()
        self.message_bar.setStyleSheet(MESSAGE_STYLE)
        self.message_bar.setWordWrap(True)
        self.message_bar.hide()
        self._layout.addWidget(self.message_bar)
        self.strip = JobStrip(self)
        self._layout.addWidget(self.strip)
        files = self.opened.files
        if not files:
            self.strip.show_error("This item has no recording.")
            return
        self.loading = self.jobs.start(
            "Opening the recording",
            lambda context: load_recording(workspace, files[0], context),
            failure="The recording could not be opened: ",
        )
        self.loading.succeeded.connect(self._show)
        self.strip.watch(self.loading)

    def wait_loaded(self, timeout_ms: int = 30_000) -> bool:
        """Process events until the recording is shown (tests, screenshots); False on time-out."""
        deadline = QDeadlineTimer(timeout_ms)
        while self.recording is None and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return self.recording is not None

    # ------------------------------------------------------------------ building
    def _show(self, recording: LoadedRecording) -> None:
        self.recording = recording
        clip = recording.clip
        self.state = state = AudioViewState(clip.duration, clip.rate, self)
        self.waveform = WaveformPane(recording.pyramid, state)
        self.spectrogram = SpectrogramPane(recording.mono, state, self.jobs)
        self.tier_pane = TierPane(state, self.colors)
        self.timeline = Timeline(recording.pyramid, state, self.waveform.value_ranges[0])
        self.panel = RegionPanel(self.schema)
        self.panel.editor.label_keys = {
            QKeySequence(c.shortcut).toString().lower() for c in self.schema.classes if c.shortcut
        }
        self.panel.set_read_only(self.read_only_reason is not None)
        self.panel.attributes.escaped.connect(self.setFocus)
        for pane in (self.waveform, self.spectrogram, self.tier_pane):
            pane.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            pane.setFocusProxy(self)
        self.player = Player(clip, self)
        self.player.position_changed.connect(state.set_playhead)
        self.player.state_changed.connect(self._on_player_state)
        self.player.error.connect(self.show_message)
        self.waveform.seek_requested.connect(self.player.seek)
        self.tier_pane.region_created.connect(self.create_region)
        self.tier_pane.region_changed.connect(self.move_region)
        self.tier_pane.region_clicked.connect(self.select_region)
        self.tier_pane.empty_clicked.connect(self._on_empty_click)
        self.panel.transcript_committed.connect(self.set_transcript)
        self.panel.attribute_changed.connect(self.set_attribute)
        self.task_changed.connect(self._follow_task)
        state.changed.connect(self._update_zoom_label)

        panes = QSplitter(Qt.Orientation.Vertical)
        panes.addWidget(self.waveform)
        panes.addWidget(self.spectrogram)
        panes.addWidget(self.tier_pane)
        panes.setSizes([220, 160, 140])
        column = QWidget()
        stacked = QVBoxLayout(column)
        stacked.setContentsMargins(0, 0, 0, 0)
        stacked.addWidget(panes, 1)
        stacked.addWidget(self.timeline)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(column)
        body.addWidget(self.panel)
        body.setStretchFactor(0, 4)
        body.setStretchFactor(1, 1)
        body.setSizes([900, 280])
        self._layout.addWidget(self._transport_bar())
        self._layout.addWidget(body, 1)
        if not self.regions() and not model.saved_tiers(self.document.all()):
            speakers = [c.name for c in self.schema.classes if c.group == "speaker"][:2]
            self.extra_tiers = [Tier(n, s) for n, s in zip(speakers, FIRST_SPEAKERS, strict=False)]
        for event in (self.document.added, self.document.updated, self.document.removed):
            self.relays.connect(event, self._on_document_changed)
        self.refresh()
        self._update_zoom_label()
        self.setFocus()

    def _transport_bar(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.play_pause)
        self.loop_box = QCheckBox("Loop")
        self.loop_box.toggled.connect(self._set_loop)
        self.speed_box = QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed:g}×", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.currentIndexChanged.connect(self._set_speed)
        add_tier = QPushButton("Add tier…")
        add_tier.clicked.connect(self.tier_actions.ask_new_tier)
        rename = QPushButton("Rename tier…")
        rename.clicked.connect(self.tier_actions.ask_rename_tier)
        self.zoom_label = QLabel()
        for widget in (self.play_button, self.loop_box, QLabel("Speed"), self.speed_box):
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.zoom_label, add_tier, rename):
            row.addWidget(widget)
        for widget in (self.play_button, self.loop_box, self.speed_box, add_tier, rename):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return bar

    # ------------------------------------------------------------------ display
    def regions(self) -> list[Region]:
        """Every region of the recording, in time order."""
        return model.regions_of(self.document.all())

    def tiers(self) -> list[Tier]:
        """The tiers shown, top to bottom: those with regions, those the tier list keeps and
        the first speakers of a recording without either."""
        return self._tiers_of(self.regions())

    def _tiers_of(self, regions: list[Region]) -> list[Tier]:
        saved = model.saved_tiers(self.document.all())
        return model.tiers_of(regions, [*self.extra_tiers, *saved])

    def selected_region(self) -> Region | None:
        """The selected region, if it still exists."""
        if self.state is None or self.state.region_id is None:
            return None
        return next((r for r in self.regions() if r.id == self.state.region_id), None)

    def refresh(self) -> None:
        """Redraw the tiers and the side panel from the document."""
        if self.state is None:
            return
        regions = self.regions()
        self.timeline.set_marks(region_marks(self.document.all(), self.state.rate), self.colors)
        self.tier_pane.set_content(self._tiers_of(regions), regions)
        region = self.selected_region()
        if region is None and self.state.region_id is not None:
            self.state.select_region(None)
        spans = model.spans_of(self.document.all(), region.id) if region else []
        attributes = self.document.get(region.id).data.get(ATTRIBUTES) if region else None
        self.panel.show_region(region, spans, attributes if isinstance(attributes, dict) else {})

    def _on_document_changed(self, annotation: object) -> None:
        del annotation
        self.refresh()

    def _update_zoom_label(self) -> None:
        if self.state is not None:
            window = self.state.window
            self.zoom_label.setText(f"{window.start:.3f}–{window.stop:.3f} s")

    def show_message(self, text: str) -> None:
        """Show ``text`` in the message bar above the panes (and the status bar)."""
        self.message_bar.setText(text)
        self.message_bar.show()
        self.message.emit(text)

    # ------------------------------------------------------------------ playback
    def play_pause(self) -> None:
        """Pause when playing; else play the selection or selected region, or on from the
        playhead."""
        player = self.player
        if player is None:
            return
        if player.state == "playing":
            player.pause()
            return
        chosen = self.chosen_range()
        if chosen is not None and (
            player.state == "stopped" or not chosen[0] <= player.position() < chosen[1]
        ):
            player.set_direction(1)
            player.play(*chosen)
        else:
            transport.apply(player, transport.TransportAction.PLAY_PAUSE)

    def chosen_range(self) -> tuple[float, float] | None:
        """The time selection, else the selected region's span."""
        if self.state is None:
            return None
        if self.state.selection is not None:
            return self.state.selection
        region = self.selected_region()
        return (region.start, region.end) if region is not None else None

    def _follow_task(self) -> None:
        """A read-only task makes the transcript and attributes read-only too."""
        self.panel.set_read_only(self.read_only_reason is not None)

    def _set_loop(self, loop: bool) -> None:
        if self.player is not None:
            self.player.set_loop(loop)

    def _set_speed(self, index: int) -> None:
        if self.player is not None:
            self.player.set_speed(SPEEDS[index])

    def _on_player_state(self, state: str) -> None:
        self.play_button.setText("Pause" if state == "playing" else "Play")

    # ------------------------------------------------------------------ keys
    def event(self, event: QEvent) -> bool:
        """Transport keys, region keys and Delete win over window shortcuts while the viewer
        has focus."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (
                transport.action_for(event) is not None
                or event.key() == Qt.Key.Key_Delete
                or _region_key(event) is not None
            )
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Transport, Delete; the rest to the base class."""
        if self.player is None:
            super().keyPressEvent(event)
            return
        action = transport.action_for(event)
        if action is transport.TransportAction.PLAY_PAUSE:
            self.play_pause()
        elif action is not None:
            transport.apply(self.player, action)
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif (step := _region_key(event)) is not None:
            if step:
                self.select_next_region(step)
            else:
                self.edit_attributes()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ------------------------------------------------------------------ editing
    def _push(self, build: object) -> bool:
        """Push the command ``build()`` returns; a kind error is shown, not raised."""
        try:
            command = build()  # type: ignore[operator]
        except AnnotationKindError as exc:
            self.show_message(str(exc))
            return False
        if command is None:
            return False
        assert isinstance(command, Command)
        return self.push(command)

    def create_region(self, tier: Tier, start: float, end: float) -> str | None:
        """Add a region on ``tier``; its id (None if refused)."""
        if self.state is None:
            return None
        command = None

        def build() -> Command:
            nonlocal command
            command = model.add_region(
                self.document,
                tier,
                start,
                end,
                schema=self.schema,
                duration=self.state.duration if self.state else end,
                author=self.workspace.user,
            )
            return command

        if not self._push(build) or command is None:
            return None
        self.select_region(command.annotation.id)
        return command.annotation.id

    def move_region(self, region_id: str, start: float, end: float) -> bool:
        """Move or resize a region."""
        if self.state is None:
            return False
        duration = self.state.duration
        return self._push(
            lambda: model.move_region(
                self.document, region_id, start, end, schema=self.schema, duration=duration
            )
        )

    def select_region(self, region_id: str | None) -> None:
        """Select a region (its tier becomes the current one)."""
        if self.state is None:
            return
        self.state.select_region(region_id)
        region = self.selected_region()
        if region is not None:
            self.tier_pane.current_tier = region.tier
            self.state.set_selection(None)
        self.refresh()

    def _on_empty_click(self, tier: Tier | None, time: float) -> None:
        self.select_region(None)
        if self.player is not None:
            self.player.seek(time)

    def delete_selected(self) -> bool:
        """Delete the selected region (and the entities in its transcript)."""
        region = self.selected_region()
        if region is None:
            return False
        return self._push(lambda: model.delete_region(self.document, region.id))

    def set_transcript(self, region_id: str, text: str) -> bool:
        """Save the transcript of a region (its entity spans follow their words)."""
        if region_id not in self.document:
            return False
        if self.read_only_reason is not None:
            return False
        return self._push(
            lambda: model.set_transcript(self.document, region_id, text, schema=self.schema)
        )

    def set_attribute(self, region_id: str, name: str, value: object) -> bool:
        """Set (None: clear) a schema attribute of a region (dialogue act, SOAP section...)."""
        if region_id not in self.document or self.refuse_edit():
            return False
        return self._push(
            lambda: model.set_region_attribute(
                self.document, region_id, name, value, schema=self.schema
            )
        )

    def select_next_region(self, step: int) -> bool:
        """Select the region after (``step`` 1) or before (-1) the selected one, by start time
        (none selected: the first or last); its tier becomes the current one."""
        regions = self.regions()
        if not regions:
            return False
        ids = [r.id for r in regions]
        current = self.state.region_id if self.state is not None else None
        if current in ids:
            index = min(max(ids.index(current) + step, 0), len(ids) - 1)
        else:
            index = 0 if step > 0 else len(ids) - 1
        self.select_region(ids[index])
        return True

    def edit_attributes(self) -> bool:
        """Put the keys in the selected region's first attribute field (F2)."""
        field = self.panel.attributes.first_field() if self.state is not None else None
        if self.selected_region() is None or field is None:
            return False
        field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def apply_label(self, label: LabelClass) -> bool:
        """Label the selected transcript text (an entity), else the selected region, else make
        a region of the time selection."""
        region = self.selected_region()
        editor = self.panel.editor if self.state is not None else None
        if region is not None and editor is not None and editor.textCursor().hasSelection():
            editor.commit()
            cursor = editor.textCursor()
            start, end = cursor.selectionStart(), cursor.selectionEnd()
            done = self._push(
                lambda: model.add_transcript_span(
                    self.document,
                    region.id,
                    start,
                    end,
                    label.name,
                    schema=self.schema,
                    author=self.workspace.user,
                )
            )
            if done:
                cursor.clearSelection()
                editor.setTextCursor(cursor)
            return done
        if region is not None:
            return self._push(
                lambda: model.relabel_region(
                    self.document, region.id, label.name, schema=self.schema
                )
            )
        if self.state is not None and self.state.selection is not None:
            current = self.tier_pane.current_tier
            speaker = current.speaker if current and current.label == label.name else ""
            return self.create_region(Tier(label.name, speaker), *self.state.selection) is not None
        self.message.emit("Select a region, a stretch of the waveform or transcript text first.")
        return False

    # ------------------------------------------------------------------ tiers
    def add_tier(self, tier: Tier) -> bool:
        """Add a new (empty) tier, kept in the item's tier list (:mod:`.tier_actions`)."""
        return self.tier_actions.add_tier(tier)

    def rename_tier(self, tier: Tier, new: Tier) -> bool:
        """Move every region of ``tier`` to ``new`` and rename it in the tier list."""
        return self.tier_actions.rename_tier(tier, new)

    # ------------------------------------------------------------------ closing
    def shutdown(self) -> None:
        """Stop playing and let go of the sound device."""
        if self.player is not None:
            self.player.close()
        super().shutdown()
