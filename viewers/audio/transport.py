"""Keyboard transport for audio, as in ELAN, Premiere and Audacity.

=================  ==================================================================
Key                Action
=================  ==================================================================
Space              play / pause (plays on from the playhead; a finished range again)
Left / Right       seek 1 s back / forward (Shift: 5 s)
Home / End         playhead to the start / the end of the recording
J                  play backward at 1×; again while playing backward: 1.5×, then 2×
K                  pause
L                  play forward at 1×; again while playing forward: 1.5×, then 2×
=================  ==================================================================

J/K/L follow the shuttle of video editors (Premiere, Final Cut, ELAN's media keys), with the
speed steps capped at 2×, the fastest speed that keeps speech intelligible with the pitch kept.
Backward playback plays the samples reversed (as those editors do), at the chosen speed.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from viewers.audio.playback import Player

SEEK_STEP_S = 1.0
SEEK_BIG_STEP_S = 5.0
#: Speeds stepped through by pressing J or L again while playing that way.
SHUTTLE_SPEEDS = (1.0, 1.5, 2.0)


class TransportAction(Enum):
    """What a transport key does."""

    PLAY_PAUSE = "play-pause"
    SEEK_BACK = "seek-back"
    SEEK_FORWARD = "seek-forward"
    SEEK_BACK_BIG = "seek-back-big"
    SEEK_FORWARD_BIG = "seek-forward-big"
    TO_START = "to-start"
    TO_END = "to-end"
    SHUTTLE_BACKWARD = "shuttle-backward"
    PAUSE = "pause"
    SHUTTLE_FORWARD = "shuttle-forward"


_KEYS: dict[tuple[Qt.Key, bool], TransportAction] = {
    (Qt.Key.Key_Space, False): TransportAction.PLAY_PAUSE,
    (Qt.Key.Key_Left, False): TransportAction.SEEK_BACK,
    (Qt.Key.Key_Right, False): TransportAction.SEEK_FORWARD,
    (Qt.Key.Key_Left, True): TransportAction.SEEK_BACK_BIG,
    (Qt.Key.Key_Right, True): TransportAction.SEEK_FORWARD_BIG,
    (Qt.Key.Key_Home, False): TransportAction.TO_START,
    (Qt.Key.Key_End, False): TransportAction.TO_END,
    (Qt.Key.Key_J, False): TransportAction.SHUTTLE_BACKWARD,
    (Qt.Key.Key_K, False): TransportAction.PAUSE,
    (Qt.Key.Key_L, False): TransportAction.SHUTTLE_FORWARD,
}


def action_for(event: QKeyEvent) -> TransportAction | None:
    """The transport action of a key press, or None (other keys, Ctrl/Alt/Meta held)."""
    modifiers = event.modifiers()
    if modifiers & (
        Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.AltModifier
        | Qt.KeyboardModifier.MetaModifier
    ):
        return None
    shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
    return _KEYS.get((Qt.Key(event.key()), shift))


def _shuttle(player: Player, direction: int) -> None:
    """Play in ``direction``; pressed again while playing that way, the next faster speed."""
    if player.state == "playing" and player.direction == direction:
        faster = [s for s in SHUTTLE_SPEEDS if s > player.speed]
        if faster:
            player.set_speed(faster[0])
        return
    player.set_speed(SHUTTLE_SPEEDS[0])
    player.set_direction(direction)
    if player.state != "playing":
        player.play()


def apply(player: Player, action: TransportAction) -> None:
    """Carry out ``action`` on ``player``."""
    here = player.position()
    if action is TransportAction.PLAY_PAUSE:
        if player.state != "playing":
            player.set_direction(1)
        player.toggle()
    elif action is TransportAction.PAUSE:
        player.pause()
    elif action is TransportAction.SHUTTLE_FORWARD:
        _shuttle(player, 1)
    elif action is TransportAction.SHUTTLE_BACKWARD:
        _shuttle(player, -1)
    else:
        steps = {
            TransportAction.SEEK_BACK: here - SEEK_STEP_S,
            TransportAction.SEEK_FORWARD: here + SEEK_STEP_S,
            TransportAction.SEEK_BACK_BIG: here - SEEK_BIG_STEP_S,
            TransportAction.SEEK_FORWARD_BIG: here + SEEK_BIG_STEP_S,
            TransportAction.TO_START: 0.0,
            TransportAction.TO_END: player.duration,
        }
        player.seek(steps[action])


def handle_key(player: Player, event: QKeyEvent) -> bool:
    """Apply a key press to ``player``; True if it was a transport key (accept the event)."""
    action = action_for(event)
    if action is None:
        return False
    apply(player, action)
    return True
