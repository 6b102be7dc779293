"""What the one-file signal importers (EDF, DICOM waveform, CSV) share: read each file's
header with its format's reader, one item per readable file."""

from __future__ import annotations

from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext, file_entry
from workspace.waveform.readers import read_header, record_meta, record_title
from workspace.waveform.record import SignalFileError


def read_signal_files(
    signal_format: str, paths: list[Path], context: ReadContext | None
) -> list[ImportedItem]:
    """One waveform item per file whose header its reader accepts; the others reported."""
    ctx = context or ReadContext()
    items: list[ImportedItem] = []
    for path in paths:
        ctx.check_cancelled()
        try:
            header = read_header(signal_format, path)
        except SignalFileError as exc:
            ctx.problem(path, str(exc).removeprefix(f"{path}: "))
            ctx.step()
            continue
        if header.duration_s <= 0:
            ctx.problem(path, "holds no samples")
            ctx.step()
            continue
        meta = record_meta(signal_format, header)
        title = record_title(path.stem, meta)
        items.append(ImportedItem("waveform", title, [file_entry(path)], meta))
        ctx.step()
    return items
