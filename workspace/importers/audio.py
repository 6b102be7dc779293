"""Recorded conversations: WAV and FLAC files, read through libsndfile (``soundfile``)."""

from __future__ import annotations

from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext, file_entry, read_head

AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac"})


def _has_audio_magic(head: bytes) -> bool:
    return (head[:4] == b"RIFF" and head[8:12] == b"WAVE") or head[:4] == b"fLaC"


def wav_length_problem(path: Path) -> str | None:
    """Why a RIFF/WAVE file is shorter than its ``data`` chunk says, or None.

    libsndfile reads such a file silently as far as it goes; other files (RF64, FLAC, no data
    chunk at all) are left to it.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        position = 12
        while position + 8 <= size:
            handle.seek(position)
            chunk = handle.read(8)
            length = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"data":
                found = size - position - 8
                if length > found:
                    return (
                        f"is shorter than its header says: its data chunk should hold {length} "
                        f"bytes, and {found} follow"
                    )
                return None
            position += 8 + length + (length & 1)
    return None


def _duration_text(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


class AudioImporter:
    """Reads ``.wav`` / ``.flac`` headers, one item per file."""

    format_id = "audio"
    modality = "audio"

    def claims(self, path: Path) -> bool:
        """Claim by extension, or by RIFF/WAVE or fLaC magic bytes."""
        if path.suffix.lower() in AUDIO_SUFFIXES:
            return True
        return _has_audio_magic(read_head(path, 12))

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """One item per file that libsndfile can open and that holds at least one frame."""
        import soundfile

        ctx = context or ReadContext()
        items: list[ImportedItem] = []
        for path in paths:
            ctx.check_cancelled()
            try:
                truncated = wav_length_problem(path)
                info = soundfile.info(str(path))
            except (RuntimeError, OSError, ValueError) as exc:
                # soundfile.LibsndfileError is a RuntimeError.
                reason = getattr(exc, "error_string", None) or str(exc).split(": ")[-1]
                ctx.problem(path, f"is not a readable audio file ({reason})")
                ctx.step()
                continue
            if truncated is not None:
                ctx.problem(path, truncated)
                ctx.step()
                continue
            if info.frames <= 0 or info.samplerate <= 0:
                ctx.problem(path, "contains no audio")
                ctx.step()
                continue
            duration = info.frames / info.samplerate
            meta = {
                "samplerate": int(info.samplerate),
                "channels": int(info.channels),
                "frames": int(info.frames),
                "duration_s": round(duration, 6),
                "format": str(info.format),
                "subtype": str(info.subtype),
            }
            title = f"{path.stem} ({_duration_text(duration)}, {info.channels} ch)"
            items.append(ImportedItem("audio", title, [file_entry(path)], meta))
            ctx.step()
        return items
