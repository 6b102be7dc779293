"""The pure-Python event emitter used by workspace models."""

from __future__ import annotations

import gc

import pytest

from workspace.events import EmitterGroup, EventEmitter


class Recorder:
    """A view-like object whose bound method is connected (held weakly)."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def on_event(self, *args: object) -> None:
        self.calls.append(args)


def test_emit_calls_callbacks_in_order_with_arguments() -> None:
    emitter: EventEmitter[[int, str]] = EventEmitter("changed")
    calls: list[tuple[str, int, str]] = []
    emitter.connect(lambda n, s: calls.append(("first", n, s)))
    emitter.connect(lambda n, s: calls.append(("second", n, s)))
    emitter.emit(1, "a")
    assert calls == [("first", 1, "a"), ("second", 1, "a")]


def test_keyword_arguments_pass_through() -> None:
    emitter = EventEmitter()
    seen: list[dict[str, object]] = []
    emitter.connect(lambda **kw: seen.append(kw))
    emitter.emit(value=3)
    assert seen == [{"value": 3}]


def test_connect_twice_calls_once_and_works_as_decorator() -> None:
    emitter = EventEmitter()
    calls: list[int] = []

    @emitter.connect
    def on_event() -> None:
        calls.append(1)

    emitter.connect(on_event)
    emitter.emit()
    assert calls == [1]
    assert emitter.callbacks == (on_event,)


def test_disconnect_one_all_and_unknown() -> None:
    emitter = EventEmitter()
    a, b = Recorder(), Recorder()
    emitter.connect(a.on_event)
    emitter.connect(b.on_event)
    emitter.disconnect(a.on_event)
    emitter.disconnect(Recorder().on_event)  # never connected: ignored
    emitter.emit(1)
    assert (a.calls, b.calls) == ([], [(1,)])
    emitter.disconnect()
    emitter.emit(2)
    assert b.calls == [(1,)]


def test_blocker_suppresses_and_restores() -> None:
    emitter = EventEmitter()
    view = Recorder()
    emitter.connect(view.on_event)
    with emitter.blocker():
        assert emitter.blocked
        emitter.emit("dropped")
        with emitter.blocker():
            emitter.emit("dropped too")
        emitter.emit("still blocked")
    assert not emitter.blocked
    emitter.emit("seen")
    assert view.calls == [("seen",)]


def test_blocker_is_released_when_the_block_raises() -> None:
    emitter = EventEmitter()
    view = Recorder()
    emitter.connect(view.on_event)
    with pytest.raises(RuntimeError), emitter.blocker(), emitter.blocker(view.on_event):
        raise RuntimeError
    emitter.emit(1)
    assert view.calls == [(1,)]


def test_blocker_for_one_callback_blocks_only_the_echo() -> None:
    emitter = EventEmitter()
    writer, other = Recorder(), Recorder()
    emitter.connect(writer.on_event)
    emitter.connect(other.on_event)
    with emitter.blocker(writer.on_event):
        emitter.emit("x")
    emitter.emit("y")
    assert writer.calls == [("y",)]
    assert other.calls == [("x",), ("y",)]


def test_bound_methods_are_held_weakly() -> None:
    emitter = EventEmitter()
    view = Recorder()
    emitter.connect(view.on_event)
    del view
    gc.collect()
    emitter.emit(1)  # the dead callback is skipped, then pruned
    assert emitter.callbacks == ()
    assert len(emitter._refs) == 0


def test_functions_and_lambdas_are_held_strongly() -> None:
    emitter = EventEmitter()
    calls: list[int] = []
    emitter.connect(lambda: calls.append(1))
    gc.collect()
    emitter.emit()
    assert calls == [1]


def test_connecting_and_disconnecting_during_emit_is_safe() -> None:
    emitter = EventEmitter()
    calls: list[str] = []

    def late() -> None:
        calls.append("late")

    def first() -> None:
        calls.append("first")
        emitter.disconnect(first)
        emitter.connect(late)

    emitter.connect(first)
    emitter.emit()
    emitter.emit()
    assert calls == ["first", "late"]


def test_callback_errors_propagate() -> None:
    emitter = EventEmitter()

    def broken() -> None:
        raise ValueError("boom")

    emitter.connect(broken)
    with pytest.raises(ValueError, match="boom"):
        emitter.emit()


class LayerEvents(EmitterGroup):
    def __init__(self) -> None:
        self.visible: EventEmitter[[bool]] = EventEmitter("visible")
        self.opacity: EventEmitter[[float]] = EventEmitter("opacity")
        self.not_an_emitter = 3


def test_emitter_group() -> None:
    events = LayerEvents()
    assert list(events.emitters()) == ["visible", "opacity"]
    view = Recorder()
    events.visible.connect(view.on_event)
    events.opacity.connect(view.on_event)
    with events.blocker_all():
        events.visible.emit(False)
        events.opacity.emit(0.5)
    events.visible.emit(True)
    events.disconnect(view.on_event)
    events.opacity.emit(1.0)
    assert view.calls == [(True,)]


def test_repr_names_the_event() -> None:
    assert repr(EventEmitter("visible")) == "<EventEmitter visible: 0 callbacks>"
