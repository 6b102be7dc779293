"""DICOM dates (``YYYYMMDD``) as people read them."""

from __future__ import annotations


def dicom_date(value: str) -> str:
    """``YYYYMMDD`` as ``YYYY-MM-DD`` (anything else as it is)."""
    text = value.strip()
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text
