"""Code-point offsets versus Qt positions."""

from __future__ import annotations

from viewers.text_offsets import OffsetMap, display_text


def test_plain_ascii_is_identity():
    offsets = OffsetMap("abc\ndef")
    assert [offsets.to_qt(i) for i in range(8)] == list(range(8))
    assert [offsets.from_qt(i) for i in range(8)] == list(range(8))


def test_crlf_and_astral_characters():
    text = "a\r\nb😀c"
    shown = display_text(text)
    assert shown == "a\nb😀c"
    offsets = OffsetMap(text)
    start = text.index("b")
    assert offsets.to_qt(start) == 2
    assert offsets.to_qt(text.index("c")) == 5  # the emoji is two UTF-16 units
    assert offsets.from_qt(5) == text.index("c")
    assert offsets.from_qt(1) == 1  # the line break maps to the \r of \r\n
    assert text[offsets.from_qt(0) : offsets.from_qt(1)] == "a"


def _naive_positions(text: str) -> list[int]:
    """Qt's position of every code point, counted one by one."""
    positions, position = [], 0
    for index, char in enumerate(text):
        positions.append(position)
        if char == "\r" and text[index + 1 : index + 2] == "\n":
            continue
        position += 2 if ord(char) > 0xFFFF else 1
    return [*positions, position]


def test_matches_a_character_by_character_count_on_hard_text():
    text = "Pt 😀 刘伟\r\ncafe\u0301 👨\u200d👩\u200d👧\r\n\r\nx\ry 𝔸\r\n"
    positions = _naive_positions(text)
    offsets = OffsetMap(text)
    assert [offsets.to_qt(i) for i in range(len(text) + 1)] == positions
    for position in range(positions[-1] + 1):
        expected = next(i for i, p in enumerate(positions) if p >= position)
        assert offsets.from_qt(position) == expected
    assert offsets.to_qt(-5) == 0 and offsets.to_qt(10_000) == positions[-1]
