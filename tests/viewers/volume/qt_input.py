"""Synthetic mouse and wheel input for the volume views (drags with buttons held), and
exact 32-bit images of widgets (pytest-xvfb's screen has 16-bit colour, so ``grab()`` rounds)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def _send(widget: QWidget, kind: QEvent.Type, point: QPointF, button, buttons, modifiers) -> None:
    global_point = QPointF(widget.mapToGlobal(point.toPoint()))
    event = QMouseEvent(kind, point, global_point, button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def press(widget: QWidget, button: Qt.MouseButton, point: QPointF) -> None:
    """Press ``button`` at ``point`` (and hold it)."""
    _send(widget, QEvent.Type.MouseButtonPress, point, button, button, NO_MODIFIER)


def move(widget: QWidget, button: Qt.MouseButton, point: QPointF) -> None:
    """Move to ``point`` with ``button`` held."""
    _send(widget, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, button, NO_MODIFIER)


def release(widget: QWidget, button: Qt.MouseButton, point: QPointF) -> None:
    """Release ``button`` at ``point``."""
    _send(
        widget,
        QEvent.Type.MouseButtonRelease,
        point,
        button,
        Qt.MouseButton.NoButton,
        NO_MODIFIER,
    )


def drag(
    widget: QWidget,
    button: Qt.MouseButton,
    points: list[QPointF],
    modifiers: Qt.KeyboardModifier = NO_MODIFIER,
) -> None:
    """Press at the first point, move through the others, release at the last."""
    _send(widget, QEvent.Type.MouseButtonPress, points[0], button, button, modifiers)
    for point in points[1:]:
        _send(widget, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, button, modifiers)
    _send(
        widget,
        QEvent.Type.MouseButtonRelease,
        points[-1],
        button,
        Qt.MouseButton.NoButton,
        modifiers,
    )


def hover(widget: QWidget, point: QPointF) -> None:
    """Move the mouse over ``widget`` with no button held."""
    _send(
        widget,
        QEvent.Type.MouseMove,
        point,
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        NO_MODIFIER,
    )


def wheel(
    widget: QWidget, point: QPointF, steps: int, modifiers: Qt.KeyboardModifier = NO_MODIFIER
) -> None:
    """Turn the wheel ``steps`` notches (positive: away from the user)."""
    event = QWheelEvent(
        point,
        QPointF(widget.mapToGlobal(point.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def rendered(widget: QWidget) -> QImage:
    """What ``widget`` paints, in 32-bit colour whatever the screen's depth."""
    image = QImage(widget.size(), QImage.Format.Format_RGB32)
    widget.render(image)
    return image


def double_click(widget: QWidget, point: QPointF) -> None:
    """A left double-click as a window system sends it: press, release, press, double-click,
    release (``QTest.mouseDClick`` does not open an item view's editor here)."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, left),
        (QEvent.Type.MouseButtonRelease, none),
        (QEvent.Type.MouseButtonPress, left),
        (QEvent.Type.MouseButtonDblClick, left),
        (QEvent.Type.MouseButtonRelease, none),
    ):
        _send(widget, kind, point, left, buttons, NO_MODIFIER)
