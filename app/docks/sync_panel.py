"""Queue sync dock: connection settings, check out / sync / pause, progress, checked-out batches.

Settings go to the profile's encrypted store (:func:`~workspace.sync.config.save_config`),
never to QSettings: they hold a password and project keys.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.sync_worker import (
    SyncOutcome,
    SyncWorker,
    format_seconds,
    format_size,
    local_time,
    parse_tracks,
    percent,
    progress_text,
)
from viewers.jobs import JobRunner
from viewers.qt_events import RelayGroup
from workspace.sync.checkouts import CheckoutRow
from workspace.sync.config import (
    SyncConfig,
    load_config,
    parse_project_key,
    project_keys,
    save_config,
    set_project_key,
)
from workspace.workspace import Workspace

if TYPE_CHECKING:  # nats-py is imported when a sync starts, not at start-up
    from workspace.sync.checkout import BatchProgress

#: (on a dark window, on a light one): readable on both themes.
COLORS = {
    "online": ("#4cc38a", "#1b7a46"),
    "offline": ("#ff6b6b", "#c62828"),
    "warning": ("#e0a526", "#8a5a00"),
}
NOT_SYNCED = "○ Not synced yet"
FLAGGED = "→ results will be flagged"
STATE_NAMES = {"downloading": "downloading", "stored": "stored", "acked": "ready"}
MAX_BATCHES = 50
TICK_MS = 1000
#: Background sync while a profile is open: lease renewal and outbox drain.
BACKGROUND_SYNC_MS = 5 * 60 * 1000
#: Delay before sending a just-submitted result (lets several submits go in one sync).
SEND_DELAY_MS = 2000
CA_FILTER = "Certificates (*.pem *.crt *.cer);;All files (*)"


def tinted(widget: QWidget, kind: str) -> None:
    """Colour ``widget``'s text for ``kind`` ("online", "offline", "warning"; "" resets)."""
    if not kind:
        widget.setStyleSheet("")
        return
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    widget.setStyleSheet(f"color: {COLORS[kind][0 if dark else 1]};")


class BatchCard(QFrame):
    """One checked-out batch: id and state, track and size, progress, lease (wraps to fit)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.state = ""
        self.track = ""
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.lease = QLabel()
        self.lease.setWordWrap(True)
        self.brief = QLabel()  # due date and instructions
        self.brief.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        for widget in (self.title, self.detail, self.bar, self.lease, self.brief):
            layout.addWidget(widget)

    def show_batch(
        self, row: CheckoutRow, live: BatchProgress | None, paused: bool, now: datetime
    ) -> None:
        """Show ``row``, with the live download progress when there is one."""
        self.track = row.track
        self.title.setText(row.batch_id)
        self.title.setToolTip(f"Project {row.project}")
        tasks = f"{row.tasks_total} task{'s' if row.tasks_total != 1 else ''}"
        detail = f"{tasks} · {format_size(row.bytes_total)}"
        downloading = row.state == "downloading"
        if downloading:
            done = live.bytes_done if live is not None else row.bytes_done
            value = percent(done, row.bytes_total)
            self.state = f"{'paused' if paused else 'downloading'} {value}%"
            self.bar.setValue(value)
            detail = batch_detail(live) if live is not None else detail
        else:
            self.state = STATE_NAMES.get(row.state, row.state)
        self.bar.setVisible(downloading)
        self.detail.setText(f"{self.state} · {row.track} · {detail}")
        problem = row.lease_problem(now)
        if problem:
            self.lease.setText(f"{problem.capitalize()} {FLAGGED}")
            tinted(self.lease, "offline")
            self.lease.setToolTip("Submitted results will be flagged late for the manager.")
        else:
            until = local_time(row.lease_expires_at) if row.lease_expires_at else "—"
            self.lease.setText(f"Lease until {until}")
            tinted(self.lease, "")
            self.lease.setToolTip("Sync now renews the lease while tasks are open.")
        self.brief.setText(batch_brief(row))
        self.brief.setVisible(bool(self.brief.text()))

    def texts(self) -> list[str]:
        """Id, track, state and lease as shown (tests)."""
        return [self.title.text(), self.track, self.state, self.lease.text()]


def batch_brief(row: CheckoutRow) -> str:
    """``Due 2026-12-20 · Instructions: ...`` for a batch card ("" when it has neither)."""
    parts = [f"Due {row.due}"] if row.due else []
    if row.instructions:
        parts.append(f"Instructions: {row.instructions}")
    return " · ".join(parts)


def batch_detail(batch: BatchProgress) -> str:
    """``1.2 / 2.7 MB · 3 / 5 files · 12 s left``."""
    text = progress_text(batch.bytes_done, batch.bytes_total, batch.files_done, batch.files_total)
    left = format_seconds(batch.seconds_left()) if batch.state == "downloading" else ""
    return f"{text} · {left}" if left else text


class SyncPanelDock(QDockWidget):
    """Check out batches from the queue, send results, and see what is checked out."""

    sync_text_changed = Signal(str)  # a short state for the status bar
    message = Signal(str)  # a transient message for the status bar

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__("Queue sync", parent)
        self.setObjectName("syncPanelDock")
        self.workspace: Workspace | None = None
        self.worker = SyncWorker(runner, self)
        self.worker.progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.last_outcome: SyncOutcome | None = None
        self._live: dict[str, BatchProgress] = {}
        self._pull = 0
        self._last_waiting = 0
        self._relays = RelayGroup(self)
        self._ticker = QTimer(self)  # while syncing: new checkouts, time left
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._tick)
        # While online: renew leases and drain the outbox in the background.
        self._background = QTimer(self)
        self._background.setInterval(BACKGROUND_SYNC_MS)
        self._background.timeout.connect(self._background_sync)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._build_status())
        layout.addLayout(self._build_actions())
        layout.addLayout(self._build_progress())
        layout.addWidget(self._heading("Checked-out batches"))
        self.no_batches = QLabel("None yet: check out batches from your tracks.")
        self.no_batches.setWordWrap(True)
        layout.addWidget(self.no_batches)
        self.cards_box = QVBoxLayout()
        self.cards_box.setSpacing(4)
        layout.addLayout(self.cards_box)
        self.cards: dict[str, BatchCard] = {}
        layout.addStretch(1)
        layout.addWidget(self._build_settings())
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self._update_buttons()

    # ------------------------------------------------------------------ building
    def _build_status(self) -> QVBoxLayout:
        self.state_label = QLabel(NOT_SYNCED)
        self.state_label.setObjectName("syncOnlineState")
        self.state_label.setWordWrap(True)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        tinted(self.notes_label, "warning")
        self.notes_label.hide()
        self.outbox_label = QLabel()
        box = QVBoxLayout()
        box.addWidget(self.state_label)
        box.addWidget(self.notes_label)
        box.addWidget(self.outbox_label)
        return box

    def _build_actions(self) -> QVBoxLayout:
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, MAX_BATCHES)
        self.count_spin.setValue(1)
        self.count_spin.setSuffix(" batches")
        self.count_spin.setToolTip("How many new batches to check out")
        self.check_out_button = QPushButton("Check out")
        self.check_out_button.setToolTip("Check out new batches from your tracks, then sync")
        self.check_out_button.clicked.connect(self.check_out)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setToolTip("Send submitted results and renew the leases")
        self.sync_button.clicked.connect(self.sync_now)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Hold the running download (Resume goes on where it was)")
        self.pause_button.clicked.connect(self.toggle_pause)
        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.check_out_button)
        first.addWidget(self.count_spin, 1)
        second.addWidget(self.sync_button, 1)
        second.addWidget(self.pause_button, 1)
        box = QVBoxLayout()
        box.addLayout(first)
        box.addLayout(second)
        return box

    def _build_progress(self) -> QVBoxLayout:
        self.overall_bar = QProgressBar()
        self.overall_bar.setRange(0, 100)
        self.overall_bar.setValue(0)
        self.overall_label = QLabel("No download running.")
        self.overall_label.setWordWrap(True)
        box = QVBoxLayout()
        box.addWidget(self.overall_bar)
        box.addWidget(self.overall_label)
        return box

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        label.setContentsMargins(0, 6, 0, 0)
        return label

    def _build_settings(self) -> QWidget:
        self.settings_toggle = QToolButton()
        self.settings_toggle.setText("Connection settings")
        self.settings_toggle.setCheckable(True)
        self.settings_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.settings_toggle.setAutoRaise(True)
        self.settings_toggle.toggled.connect(self._show_settings)
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("tls://queue.example.org:4222")
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_edit = QLineEdit()
        self.ca_edit.setPlaceholderText("ca.pem (for a site CA)")
        self.ca_button = QPushButton("Browse…")
        self.ca_button.clicked.connect(self.browse_ca)
        self.tracks_edit = QLineEdit()
        self.tracks_edit.setPlaceholderText("ct-chest, ecg")
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("project=64 hex characters")
        self.keys_label = QLabel()
        self.keys_label.setWordWrap(True)
        self.save_button = QPushButton("Save settings")
        self.save_button.clicked.connect(self.save_settings)
        self.settings_error = QLabel()
        self.settings_error.setWordWrap(True)
        tinted(self.settings_error, "offline")
        self.settings_error.hide()
        ca_row = QHBoxLayout()
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.ca_button)
        self.settings_form = QWidget()
        form = QFormLayout(self.settings_form)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Server URL", self.server_edit)
        form.addRow("User", self.user_edit)
        form.addRow("Password", self.password_edit)
        form.addRow("CA file", ca_row)
        form.addRow("Tracks", self.tracks_edit)
        form.addRow("Project key", self.key_edit)
        form.addRow("", self.keys_label)
        form.addRow(self.settings_error)
        form.addRow(self.save_button)
        section = QWidget()
        box = QVBoxLayout(section)
        box.setContentsMargins(0, 4, 0, 0)
        box.addWidget(self.settings_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self.settings_form)
        self._show_settings(False)
        return section

    def _show_settings(self, shown: bool) -> None:
        self.settings_form.setVisible(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.settings_toggle.setArrowType(arrow)
        if self.settings_toggle.isChecked() != shown:
            self.settings_toggle.setChecked(shown)

    # ------------------------------------------------------------------ workspace
    def bind(self, workspace: Workspace | None) -> None:
        """Show ``workspace``'s sync state (None clears every field, e.g. while locked)."""
        self._relays.close()
        self.workspace = workspace
        self._live.clear()
        if workspace is not None:
            self._relays.connect(workspace.tasks_changed, self.refresh)
            self._background.start()
        else:
            self._background.stop()
        self._load_settings()
        self.refresh()

    def _background_sync(self) -> None:
        """Renew leases and send waiting results, when a server is set and nothing runs."""
        if self.workspace is None or self.worker.running:
            return
        if load_config(self.workspace.profile).server_url:
            self._start(0)

    def _send_soon(self) -> None:
        """A result was just submitted while online: send it without waiting for the timer."""
        online = self.last_outcome is not None and self.last_outcome.online
        if online and not self.worker.running:
            QTimer.singleShot(SEND_DELAY_MS, self._background_sync)

    def _load_settings(self) -> None:
        config = load_config(self.workspace.profile) if self.workspace is not None else SyncConfig()
        self.server_edit.setText(config.server_url)
        self.user_edit.setText(config.user)
        self.password_edit.setText(config.password)
        self.ca_edit.setText(config.ca_file)
        self.tracks_edit.setText(", ".join(config.tracks))
        self.key_edit.clear()
        self._show_keys()
        self.settings_error.hide()
        self._show_settings(self.workspace is not None and not config.server_url)

    def _show_keys(self) -> None:
        names = sorted(project_keys(self.workspace.profile)) if self.workspace is not None else []
        self.keys_label.setText(
            f"Keys held for: {', '.join(names)}" if names else "No project key yet."
        )

    def refresh(self) -> None:
        """Re-read the checked-out batches and the outbox."""
        workspace = self.workspace
        rows = workspace.checked_out() if workspace is not None else []
        waiting = workspace.outbox_count() if workspace is not None else 0
        self.outbox_label.setText(f"Results waiting to be sent: {waiting}")
        self.outbox_label.setProperty("count", waiting)
        if waiting and waiting != self._last_waiting:
            self._send_soon()
        self._last_waiting = waiting
        self._show_batches(rows)
        self._update_buttons()

    def _show_batches(self, rows: list[CheckoutRow]) -> None:
        now, paused = datetime.now(UTC), self.worker.is_paused
        wanted = {row.batch_id for row in rows}
        for batch_id in [b for b in self.cards if b not in wanted]:
            gone = self.cards.pop(batch_id)
            self.cards_box.removeWidget(gone)
            gone.deleteLater()
        for index, row in enumerate(rows):
            card = self.cards.get(row.batch_id)
            if card is None:
                card = BatchCard()
                self.cards[row.batch_id] = card
            if self.cards_box.indexOf(card) != index:
                self.cards_box.removeWidget(card)
                self.cards_box.insertWidget(index, card)
            card.show_batch(row, self._live.get(row.batch_id), paused, now)
        self.no_batches.setVisible(not rows)

    def batch_texts(self) -> dict[str, list[str]]:
        """Id, track, state and lease of every listed batch, by id (tests)."""
        return {batch_id: card.texts() for batch_id, card in self.cards.items()}

    # ------------------------------------------------------------------ settings
    def browse_ca(self) -> None:
        """Choose the CA certificate that signs the queue server's certificate."""
        name, _ = QFileDialog.getOpenFileName(
            self, "CA certificate", self.ca_edit.text(), CA_FILTER
        )
        if name:
            self.ca_edit.setText(name)

    def save_settings(self) -> bool:
        """Store the typed settings (and a new project key); False with a message if invalid."""
        workspace = self.workspace
        if workspace is None:
            return False
        try:
            config = replace(
                load_config(workspace.profile),
                server_url=self.server_edit.text().strip(),
                user=self.user_edit.text().strip(),
                password=self.password_edit.text(),
                ca_file=self.ca_edit.text().strip(),
                tracks=parse_tracks(self.tracks_edit.text()),
            )
            key_text = self.key_edit.text().strip()
            if key_text:
                project, sep, hex_key = key_text.partition("=")
                if not sep or not project.strip():
                    raise ValueError("Give the project key as project=KEY (64 hex characters).")
                set_project_key(workspace.profile, project.strip(), parse_project_key(hex_key))
            save_config(workspace.profile, config)
        except ValueError as error:
            self._show_settings_error(str(error))
            return False
        self.key_edit.clear()
        self.settings_error.hide()
        self._show_keys()
        return True

    def _show_settings_error(self, text: str) -> None:
        self.settings_error.setText(text)
        self.settings_error.show()
        self._show_settings(True)
        self.message.emit(text)

    # ------------------------------------------------------------------ syncing
    def check_out(self) -> None:
        """Check out the chosen number of batches (and send results, renew leases)."""
        self._start(self.count_spin.value())

    def sync_now(self) -> None:
        """Send results and renew leases, without new batches."""
        self._start(0)

    def _start(self, pull: int) -> None:
        workspace = self.workspace
        if workspace is None or self.worker.running or not self.save_settings():
            return
        config = load_config(workspace.profile)
        if not config.server_url:
            self._show_settings_error("Enter the queue server URL (tls://HOST:PORT).")
            return
        if pull and not config.tracks:
            self._show_settings_error("Enter the tracks to check out from (comma-separated).")
            return
        self._live.clear()
        self._pull = pull
        self.worker.start(workspace, config, pull)
        self._ticker.start()
        self.overall_bar.setValue(0)
        self.overall_label.setText("Checking out…" if pull else "Syncing…")
        self.sync_text_changed.emit("Syncing…")
        self._update_buttons()

    def toggle_pause(self) -> None:
        """Pause or resume the running download."""
        if not self.worker.running:
            return
        if self.worker.is_paused:
            self.worker.resume()
        else:
            self.worker.pause()
        self._update_buttons()
        self._show_overall()
        self.refresh()

    def _on_progress(self, batch: BatchProgress) -> None:
        known = batch.batch_id in self._live
        self._live[batch.batch_id] = batch
        self._show_overall()
        if batch.state == "stored" or not known or batch.batch_id not in self.cards:
            self.refresh()

    def _show_overall(self) -> None:
        batches = list(self._live.values())
        if not batches:
            if self.worker.running and self.worker.is_paused:
                self.overall_label.setText("Paused.")
            return
        bytes_done = sum(b.bytes_done for b in batches)
        bytes_total = sum(b.bytes_total for b in batches)
        files_done = sum(b.files_done for b in batches)
        files_total = sum(b.files_total for b in batches)
        self.overall_bar.setValue(percent(bytes_done, bytes_total))
        text = progress_text(bytes_done, bytes_total, files_done, files_total)
        if self.worker.running and self.worker.is_paused:
            text += " · paused"
        elif self.worker.running:
            left = [b.seconds_left() for b in batches if b.state == "downloading"]
            known = [s for s in left if s is not None]
            text += f" · {format_seconds(sum(known))}" if known else ""
        elif all(b.state == "stored" for b in batches):
            text += " · done"
        else:
            text += " · interrupted: the next sync resumes it"
        self.overall_label.setText(text)

    def _tick(self) -> None:
        self._show_overall()
        self.refresh()

    def _on_finished(self, outcome: SyncOutcome) -> None:
        self._ticker.stop()
        self.last_outcome = outcome
        stamp = local_time(outcome.finished_at)[-5:]
        if outcome.online and outcome.report is not None:
            self.state_label.setText(f"● Online — last sync {stamp}: {outcome.report.summary()}")
            tinted(self.state_label, "online")
            self.sync_text_changed.emit(f"Online — synced {stamp}")
            self._show_settings(False)  # connected: the settings are right
            notes = outcome.report.messages
        else:
            label = "Stopped" if outcome.cancelled else "Offline"
            self.state_label.setText(f"● {label} ({stamp}) — {outcome.error}")
            tinted(self.state_label, "offline")
            self.sync_text_changed.emit(f"{label} — last sync {stamp} failed")
            notes = []
        self.state_label.setToolTip(self.state_label.text())
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        if self._live:
            self._show_overall()
        else:
            self.overall_bar.setValue(0)
            idle = "No new batches." if self._pull else "No download running."
            self.overall_label.setText(idle if outcome.online else "")
        self.refresh()

    def _update_buttons(self) -> None:
        bound, running = self.workspace is not None, self.worker.running
        self.check_out_button.setEnabled(bound and not running)
        self.count_spin.setEnabled(bound and not running)
        self.sync_button.setEnabled(bound and not running)
        self.save_button.setEnabled(bound and not running)
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if running and self.worker.is_paused else "Pause")
