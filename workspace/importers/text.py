"""Clinical notes: plain text and Markdown files."""

from __future__ import annotations

import codecs
from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext, file_entry

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
MAX_NOTE_BYTES = 20 * 1024 * 1024
TITLE_LENGTH = 80


def decode_text(data: bytes | bytearray) -> tuple[str, str]:
    """Decode ``data``: UTF-16 if it has a byte-order mark, else UTF-8, else Windows-1252,
    else Latin-1 (which never fails). Returns the text and the encoding used.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding.removesuffix("-sig")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def title_of(text: str, fallback: str) -> str:
    """First non-blank line, without Markdown heading marks, cut to a readable length."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"
    return fallback


class TextImporter:
    """Reads ``.txt`` / ``.md`` notes, one item per file."""

    format_id = "text"
    modality = "text"

    def claims(self, path: Path) -> bool:
        """Claim by extension."""
        return path.suffix.lower() in TEXT_SUFFIXES

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """One item per readable, non-empty, non-binary file."""
        ctx = context or ReadContext()
        items: list[ImportedItem] = []
        for path in paths:
            ctx.check_cancelled()
            item = self._read_one(path, ctx)
            if item is not None:
                items.append(item)
            ctx.step()
        return items

    def _read_one(self, path: Path, ctx: ReadContext) -> ImportedItem | None:
        try:
            size = path.stat().st_size
            if size > MAX_NOTE_BYTES:
                ctx.problem(path, f"too large for a clinical note ({size // 2**20} MiB)")
                return None
            data = path.read_bytes()
        except OSError as exc:
            ctx.problem(path, f"cannot be read ({exc.strerror or exc})")
            return None
        text, encoding = decode_text(data)
        if "\x00" in text:
            ctx.problem(path, "is a binary file, not text")
            return None
        if not text.strip():
            ctx.problem(path, "is empty")
            return None
        meta = {
            "characters": len(text),
            "lines": len(text.splitlines()),
            "encoding": encoding,
        }
        return ImportedItem("text", title_of(text, path.stem), [file_entry(path)], meta)
