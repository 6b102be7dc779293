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
