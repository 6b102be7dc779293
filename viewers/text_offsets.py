"""Offsets in a note's text versus cursor positions in Qt's text document.

Spans are stored as code-point offsets into the decoded UTF-8 note (what Python slicing
uses). Qt counts UTF-16 units and shows ``\\r\\n`` as one line break, so the two differ for
notes with Windows line endings or characters outside the Basic Multilingual Plane.
"""

from __future__ import annotations

import re
from bisect import bisect_left

#: Where Qt's UTF-16 count drifts from code points: a CRLF (one break) or an astral character.
_DRIFTS = re.compile("\r\n|[\U00010000-\U0010ffff]")


def display_text(text: str) -> str:
    """The text as the editor shows it (every line ending one ``\\n``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class OffsetMap:
    """Two-way mapping between code-point offsets in ``text`` and Qt document positions.

    Only the places where the two counts drift apart are kept (each ``\\r\\n`` and each
    character outside the BMP), found by one regular-expression pass, so a 1 MB note maps in
    milliseconds and a plain ASCII note costs nothing.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._length = len(text)
        #: Offsets of the characters after which Qt's count drifts, and the drift after each.
        self._events: list[int] = []
        self._drift: list[int] = [0]
        drift = 0
        for found in _DRIFTS.finditer(text):
            drift += -1 if found.group() == "\r\n" else 1
            self._events.append(found.start())
            self._drift.append(drift)

    def to_qt(self, offset: int) -> int:
        """The Qt position of code-point ``offset`` (clamped to the text)."""
        offset = max(0, min(offset, self._length))
        return offset + self._drift[bisect_left(self._events, offset)]

    def from_qt(self, position: int) -> int:
        """The code-point offset at Qt ``position`` (the first one mapped there or after)."""
        if not self._events:
            return max(0, min(position, self._length))
        low, high = 0, self._length
        while low < high:
            middle = (low + high) // 2
            if self.to_qt(middle) < position:
                low = middle + 1
            else:
                high = middle
        return low
