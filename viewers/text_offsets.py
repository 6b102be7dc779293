"""Offsets in a note's text versus cursor positions in Qt's text document.

Spans are stored as code-point offsets into the decoded UTF-8 note (what Python slicing
uses). Qt counts UTF-16 units and shows ``\\r\\n`` as one line break, so the two differ for
notes with Windows line endings or characters outside the Basic Multilingual Plane.
"""

from __future__ import annotations

from bisect import bisect_left


def display_text(text: str) -> str:
    """The text as the editor shows it (every line ending one ``\\n``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class OffsetMap:
    """Two-way mapping between code-point offsets in ``text`` and Qt document positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        positions = [0] * (len(text) + 1)
        position = 0
        for index, char in enumerate(text):
            positions[index] = position
            if char == "\r" and text[index + 1 : index + 2] == "\n":
                continue
            position += 2 if ord(char) > 0xFFFF else 1
        positions[len(text)] = position
        self._positions = positions

    def to_qt(self, offset: int) -> int:
        """The Qt position of code-point ``offset`` (clamped to the text)."""
        return self._positions[max(0, min(offset, len(self.text)))]

    def from_qt(self, position: int) -> int:
        """The code-point offset at Qt ``position``."""
        return bisect_left(self._positions, position)
