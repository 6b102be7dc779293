"""Idle lock: an application-wide event filter restarts a timer on every user input."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

DEFAULT_MINUTES = 15
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
    }
)


class IdleLock(QObject):
    """Emits ``timed_out`` after ``interval_ms`` without keyboard, mouse or touch input."""

    timed_out = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._timer.setInterval(max(1, interval_ms))
        self._installed = False

    @staticmethod
    def minutes_to_ms(minutes: float) -> int:
        """``minutes`` as milliseconds (0 or less disables the lock)."""
        return round(minutes * 60_000)

    @property
    def interval_ms(self) -> int:
        """Idle time before locking."""
        return self._timer.interval()

    @property
    def is_active(self) -> bool:
        """True while counting down."""
        return self._timer.isActive()

    @property
    def remaining_ms(self) -> int:
        """Time left before locking (-1 when not counting down)."""
        return self._timer.remainingTime()

    def set_interval_ms(self, interval_ms: int) -> None:
        """Change the idle time; 0 or less stops the lock altogether."""
        if interval_ms <= 0:
            self.stop()
            return
        self._timer.setInterval(interval_ms)
        self.start()

    def start(self) -> None:
        """Begin watching input (idempotent)."""
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked or disabled)."""
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
        self._installed = False

    def poke(self) -> None:
        """Count as user activity."""
        if self._installed:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Restart the countdown on user input; never consumes the event."""
        if event.type() in _INPUT_EVENTS:
            self._timer.start()
        return False

    def _on_timeout(self) -> None:
        self.stop()
        self.timed_out.emit()
