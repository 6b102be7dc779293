"""Tiny synchronous events for pure models, in the style of napari's ``EventEmitter``.

A model owns emitters and fires them when its state changes; views connect callbacks. When a
view writes a value back into the model it blocks its own callback so the change does not echo::

    class Segment:
        def __init__(self) -> None:
            self.renamed: EventEmitter[[str]] = EventEmitter("renamed")

    segment.renamed.connect(panel.on_renamed)
    with segment.renamed.blocker(panel.on_renamed):
        segment.name = "liver"  # every callback except panel.on_renamed runs

Callbacks run in the order they were connected, on the emitting thread (connecting and
disconnecting are safe from any thread; a Qt view relays to its GUI thread). Bound methods are held
through weak references, so a closed view is never kept alive (nor called) by the model it
watched; plain functions and lambdas are held strongly. Exceptions raised by a callback
propagate to the code that emitted.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Generic, TypeVar

from typing_extensions import ParamSpec

P = ParamSpec("P", default=...)
#: Callbacks are not checked against the event's arguments, so lambdas type-check anywhere.
Callback = Callable[..., object]
C = TypeVar("C", bound=Callback)

__all__ = ["EmitterGroup", "EventEmitter"]


class EventEmitter(Generic[P]):
    """A named event: ``connect`` callbacks, ``emit`` to call them all.

    Parametrise it with the arguments of the event, e.g. ``EventEmitter[[Annotation]]``, so
    that type checkers verify each ``emit``; a bare ``EventEmitter()`` accepts any arguments.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._refs: list[Callable[[], Callback | None]] = []
        self._block_all = 0
        self._blocked: list[Callback] = []
        self._lock = threading.Lock()  # guards changes to _refs, not the calls

    def __repr__(self) -> str:
        return f"<EventEmitter {self.name or '(unnamed)'}: {len(self.callbacks)} callbacks>"

    @property
    def callbacks(self) -> tuple[Callback, ...]:
        """The live connected callbacks, in connection order."""
        return tuple(cb for ref in self._refs if (cb := ref()) is not None)

    @property
    def blocked(self) -> bool:
        """Whether emission is currently suppressed for every callback."""
        return self._block_all > 0

    def connect(self, callback: C) -> C:
        """Call ``callback`` on every emission; returns it, so this works as a decorator.

        Connecting the same callback twice has no effect.
        """
        with self._lock:
            if callback not in self.callbacks:
                self._refs.append(_reference(callback))
        return callback

    def disconnect(self, callback: Callback | None = None) -> None:
        """Stop calling ``callback`` (every callback when None); unknown callbacks are ignored."""
        with self._lock:
            if callback is None:
                self._refs = []
            else:
                self._refs = [ref for ref in self._refs if ref() not in (None, callback)]

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call each connected callback with these arguments, unless blocked."""
        if self._block_all:
            return
        dead = False
        for ref in list(self._refs):
            callback = ref()
            if callback is None:
                dead = True
            elif callback not in self._blocked:
                callback(*args, **kwargs)
        if dead:
            with self._lock:
                self._refs = [ref for ref in self._refs if ref() is not None]

    @contextmanager
    def blocker(self, callback: Callback | None = None) -> Iterator[None]:
        """Suppress emission inside the ``with`` block: for ``callback`` only, or for everyone.

        Blockers nest; suppressed emissions are dropped, not replayed afterwards.
        """
        if callback is None:
            self._block_all += 1
        else:
            self._blocked.append(callback)
        try:
            yield
        finally:
            if callback is None:
                self._block_all -= 1
            else:
                self._blocked.remove(callback)


class EmitterGroup:
    """Base class for a model's set of events: subclass it and assign emitters in ``__init__``.

    ::

        class LayerEvents(EmitterGroup):
            def __init__(self) -> None:
                self.visible: EventEmitter[[bool]] = EventEmitter("visible")
                self.opacity: EventEmitter[[float]] = EventEmitter("opacity")
    """

    def emitters(self) -> dict[str, EventEmitter]:
        """Every emitter of the group, by attribute name."""
        return {name: e for name, e in vars(self).items() if isinstance(e, EventEmitter)}

    def disconnect(self, callback: Callback) -> None:
        """Disconnect ``callback`` from every emitter, e.g. when a view closes."""
        for emitter in self.emitters().values():
            emitter.disconnect(callback)

    @contextmanager
    def blocker_all(self) -> Iterator[None]:
        """Suppress every emitter of the group inside the ``with`` block."""
        with ExitStack() as stack:
            for emitter in self.emitters().values():
                stack.enter_context(emitter.blocker())
            yield


def _reference(callback: Callback) -> Callable[[], Callback | None]:
    """A weak reference for a bound method, a strong one for anything else."""
    if inspect.ismethod(callback):
        return weakref.WeakMethod(callback)
    return lambda: callback
