"""The interface between the slide view and its annotation tools.

The view (:mod:`viewers.slide.slide_view`) gives a tool mouse events in level-0 slide pixels
and paints overlays; a tool turns gestures into commands. Both sides are duck-typed:

**What the view calls** — on the active tool (``view.tool``), a :class:`SlideTool`:

* ``mouse_press(event)``, ``mouse_move(event)``, ``mouse_release(event)`` → ``bool``: the
  event is a :class:`ToolEvent` (``x``, ``y`` in level-0 slide pixels, the Qt ``event``);
  True when the tool used it (else the view pans);
* ``key_press(QKeyEvent)`` → ``bool`` (Enter finishes a polygon, Escape cancels, Delete
  removes the selection);
* ``paint(painter, transform)``: the gesture in progress, with ``transform`` an
  :class:`OverlayTransform`; the view adds ``tool.paint`` to ``view.overlays`` beside
  :class:`~viewers.slide.tools.overlay.ShapeOverlay`.

**What a tool calls** — a :class:`ToolSession`: the item's annotation document and command
stack (every edit is one command: undoable and stored at once), the class to draw with, the
selection, the view's scale (for hit tolerances and brush sizes in screen pixels) and a
repaint callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QTransform

from workspace.annotations import AnnotationDocument
from workspace.commands import Command, CommandStack
from workspace.errors import WorkspaceError
from workspace.events import EventEmitter
from workspace.schema import LabelSchema
from workspace.slides.shape_index import ShapeIndex


class ToolEvent(Protocol):
    """A mouse event in level-0 slide pixels (the view's ``SlideMouseEvent``)."""

    @property
    def x(self) -> float: ...

    @property
    def y(self) -> float: ...

    @property
    def event(self) -> QMouseEvent: ...


class OverlayTransform(Protocol):
    """The view's slide → widget mapping (its ``SlideTransform``)."""

    def qtransform(self) -> QTransform:
        """Level-0 slide pixels to widget pixels."""
        ...

    def visible_rect(self) -> QRectF:
        """The level-0 rectangle the widget shows."""
        ...


@dataclass
class ToolSession:
    """What tools share for one open slide: the document, its command stack, the class to
    draw with, the selection, and the view's scale and repaint."""

    document: AnnotationDocument
    stack: CommandStack
    schema: LabelSchema | None = None
    current_class: str = ""
    author: str = ""
    #: Widget pixels per level-0 pixel (the view's transform scale).
    scale: Callable[[], float] = lambda: 1.0
    repaint: Callable[[], None] = lambda: None
    #: Called with one clear sentence when an edit is refused (a status bar message).
    on_error: Callable[[str], None] = lambda message: None
    selection: list[str] = field(default_factory=list)
    index: ShapeIndex = field(init=False)
    #: Fired with the new selection when :meth:`select` changes it (the measurement list).
    selected: EventEmitter[[list[str]]] = field(init=False)

    def __post_init__(self) -> None:
        self.index = ShapeIndex(self.document)
        self.selected = EventEmitter("selected")

    @property
    def item_id(self) -> str:
        """The slide item the document belongs to."""
        return self.document.item_id

    def slide_pixels(self, screen_pixels: float) -> float:
        """A screen distance in level-0 pixels (tolerances, brush radius)."""
        return screen_pixels / max(self.scale(), 1e-9)

    def push(self, make: Callable[[], Command]) -> bool:
        """Build and push one command; a refused edit is reported, nothing is changed."""
        try:
            self.stack.push(make())
        except WorkspaceError as exc:
            self.on_error(str(exc))
            return False
        finally:
            self.repaint()
        return True

    def select(self, ids: list[str]) -> None:
        """Replace the selection."""
        chosen = [i for i in ids if i in self.document]
        changed = chosen != self.selection
        self.selection = chosen
        self.repaint()
        if changed:
            self.selected.emit(list(chosen))


class SlideTool:
    """A tool doing nothing: subclasses override the gestures they use."""

    name = "none"

    def __init__(self, session: ToolSession) -> None:
        self.session = session

    def mouse_press(self, event: ToolEvent) -> bool:
        """A button went down at ``(event.x, event.y)``."""
        return False

    def mouse_move(self, event: ToolEvent) -> bool:
        """The mouse moved (with or without buttons down)."""
        return False

    def mouse_release(self, event: ToolEvent) -> bool:
        """A button came up."""
        return False

    def key_press(self, event: QKeyEvent) -> bool:
        """A key was pressed while the view has focus."""
        return False

    def cancel(self) -> None:
        """Drop the gesture in progress (another tool was chosen, Escape)."""

    def paint(self, painter: QPainter, transform: OverlayTransform) -> None:
        """Paint the gesture in progress (painter in widget pixels)."""


def point_of(event: ToolEvent) -> QPointF:
    """The event's slide position as a QPointF."""
    return QPointF(event.x, event.y)
