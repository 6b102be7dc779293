"""Recorded conversations: WAV, FLAC and Ogg (Vorbis, Opus) files, read through libsndfile
(``soundfile``)."""

from __future__ import annotations

from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext, file_entry, read_head

AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".opus"})
#: Ogg page header: capture pattern, version, flags, granule, serial, sequence, CRC, segments.
OGG_PAGE_HEADER = 27
OGG_END_OF_STREAM = 0x04
#: How far from the end the last Ogg page is looked for (a page is at most 65,307 bytes).
OGG_TAIL = 65536 + OGG_PAGE_HEADER


def _has_audio_magic(head: bytes) -> bool:
    return (head[:4] == b"RIFF" and head[8:12] == b"WAVE") or head[:4] in (b"fLaC", b"OggS")


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


def ogg_length_problem(path: Path) -> str | None:
    """Why an Ogg file is cut short, or None (also None for files that are not Ogg).

    libsndfile plays a cut Ogg file silently up to its last whole page; a whole file ends with
    a complete page flagged end-of-stream (RFC 3533).
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        if handle.read(4) != b"OggS":
            return None
        start = max(0, size - OGG_TAIL)
        handle.seek(start)
        tail = handle.read()
    pages = _pages_ending_at_end(tail)
    if not pages:
        return "is cut short: its last Ogg page is incomplete"
    if not pages[0][5] & OGG_END_OF_STREAM:
        return "is cut short: it does not end with an end-of-stream Ogg page"
    return None


def _pages_ending_at_end(tail: bytes) -> list[bytes]:
    """Candidate Ogg pages in ``tail`` whose header-declared length ends exactly at its end.

    Searching from the front, so a capture pattern that happens to occur inside the last page's
    data cannot hide the real page start.
    """
    found: list[bytes] = []
    position = tail.find(b"OggS")
    while position >= 0:
        page = tail[position:]
        if len(page) >= OGG_PAGE_HEADER and len(page) >= OGG_PAGE_HEADER + page[26]:
            segments = page[26]
            body = sum(page[OGG_PAGE_HEADER : OGG_PAGE_HEADER + segments])
            if len(page) == OGG_PAGE_HEADER + segments + body:
                found.append(page)
        position = tail.find(b"OggS", position + 1)
    return found


def _tail_problem(path: Path, frames: int) -> str | None:
    """Why the last frame the header announces cannot be read, or None.

    A FLAC file cut short still opens (its header counts every frame) and fails only when the
    decoder gets there; seeking to the last frame finds that at once.
    """
    import soundfile

    if frames <= 0:
        return None
    with soundfile.SoundFile(str(path)) as sound:
        if not sound.seekable():
            return None
        sound.seek(frames - 1)
        if len(sound.read(1)) < 1:
            return "is cut short: it ends before the length its header announces"
    return None


def _unreadable_reason(exc: Exception) -> str:
    """libsndfile's complaint, in words a user can act on."""
    reason = getattr(exc, "error_string", None) or str(exc).split(": ")[-1]
    if "psf_fseek" in reason:
        return "it is cut short or damaged"
    return str(reason).rstrip(".")


def _duration_text(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


class AudioImporter:
    """Reads ``.wav`` / ``.flac`` / ``.ogg`` / ``.opus`` headers, one item per file."""

    format_id = "audio"
    modality = "audio"

    def claims(self, path: Path) -> bool:
        """Claim by extension, or by RIFF/WAVE, fLaC or OggS magic bytes."""
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
                truncated = wav_length_problem(path) or ogg_length_problem(path)
                info = soundfile.info(str(path))
                truncated = truncated or _tail_problem(path, info.frames)
            except (RuntimeError, OSError, ValueError) as exc:
                # soundfile.LibsndfileError is a RuntimeError.
                ctx.problem(path, f"is not a readable audio file ({_unreadable_reason(exc)})")
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
