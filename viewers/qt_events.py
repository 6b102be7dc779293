"""Bridge from workspace events (plain Python) to Qt slots on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from workspace.events import EventEmitter


class EventRelay(QObject):
    """Forward every emission of ``emitter`` to ``slot``, queued when it comes from a worker.

    Workspace models may fire events from a background thread (an import, a sync); Qt widgets
    must only be touched on the GUI thread. A Qt signal with an automatic connection delivers
    directly when emitted on the GUI thread and queues otherwise.
    """

    _fired = Signal(object)

    def __init__(
        self, emitter: EventEmitter, slot: Callable[..., Any], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._emitter: EventEmitter | None = emitter
        self._slot: Callable[..., Any] | None = slot
        self._callback = self._forward
        self._fired.connect(self._deliver)
        emitter.connect(self._callback)

    def _forward(self, *args: Any) -> None:
        self._fired.emit(args)

    @Slot(object)
    def _deliver(self, args: tuple[Any, ...]) -> None:
        if self._slot is not None:
            self._slot(*args)

    def close(self) -> None:
        """Stop forwarding (idempotent)."""
        if self._emitter is not None:
            self._emitter.disconnect(self._callback)
        self._emitter = None
        self._slot = None


class RelayGroup:
    """Several relays closed together when a view lets go of its model."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._parent = parent
        self._relays: list[EventRelay] = []

    def connect(self, emitter: EventEmitter, slot: Callable[..., Any]) -> None:
        """Relay ``emitter`` to ``slot`` until :meth:`close`."""
        self._relays.append(EventRelay(emitter, slot, self._parent))

    def close(self) -> None:
        """Close every relay."""
        for relay in self._relays:
            relay.close()
            relay.deleteLater()
        self._relays.clear()
