"""Signal records in the encrypted blob store: one blob of little-endian samples per channel.

An imported record is stored as its samples, not as its files (as a volume is stored as its
voxels): the source is read once, by its format's reader, on the user's own disk, and
opening the item later decrypts the channels straight into numpy arrays — no decrypted file
is ever written. ``meta["signals"]`` describes the channels (name, unit, rate, length,
scale, dtype, blob); a channel can be loaded alone.

The item's identity is that of its source files (the SHA-256 of each, combined as
:func:`workspace.items.content_digest` combines stored files), so importing the same record
twice finds the first item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from storage.blobs import CHUNK_SIZE, BlobStore
from storage.models import Item, ItemBlob
from storage.profile import Profile
from workspace.errors import NotFoundError
from workspace.importers.base import ImportedItem
from workspace.items import ItemFile, ItemSummary, SealedFiles, content_digest, find_by_identity
from workspace.items import store_item as store_indexed_item
from workspace.waveform.readers import FORMAT_KEY, read_record
from workspace.waveform.record import Channel, ChannelInfo, SignalFileError, SignalRecord

META_KEY = "signals"
LAYOUT = "channel-blobs-little-endian-v1"

ProblemCallback = Callable[[Path, str], None]


def _file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK_SIZE):
            hasher.update(block)
    return hasher.hexdigest()


def source_identity(paths: Sequence[Path]) -> str:
    """The identity of an item imported from these files (for deduplication)."""
    return content_digest([_file_sha256(path) for path in paths])


def seal_signals(
    blobs: BlobStore, record: SignalRecord, *, repair: bool = False
) -> tuple[list[ItemFile], dict[str, Any]]:
    """Seal every channel's samples; returns the stored files and the meta entry.

    With ``repair``, a stored copy that fails its check is sealed again."""
    files: list[ItemFile] = []
    channels: list[dict[str, Any]] = []
    for number, channel in enumerate(record.channels):
        samples = np.ascontiguousarray(channel.samples, dtype=np.dtype(channel.info.dtype))
        digest = blobs.put(samples.data.cast("B"), repair=repair)
        files.append(ItemFile(f"channel-{number:03d}.raw", digest))
        channels.append({**channel.info.to_json(), "blob": digest})
    entry: dict[str, Any] = {
        "layout": LAYOUT,
        "file_format": record.file_format,
        "channels": channels,
        "start_time": None if record.start_time is None else record.start_time.isoformat(),
    }
    return files, entry


def _entry(meta: dict[str, Any]) -> dict[str, Any]:
    entry = meta.get(META_KEY)
    if not isinstance(entry, dict) or entry.get("layout") != LAYOUT:
        raise NotFoundError(
            "This waveform was imported before Caliper stored signal samples; import its "
            "files again to open it."
        )
    return entry


def load_signals(
    blobs: BlobStore, meta: dict[str, Any], channels: Sequence[int] | None = None
) -> SignalRecord:
    """The stored record of an item (or only the channels numbered in ``channels``)."""
    entry = _entry(meta)
    described = entry["channels"]
    wanted = range(len(described)) if channels is None else channels
    loaded: list[Channel] = []
    for number in wanted:
        info = ChannelInfo.from_json(described[number])
        data = blobs.get(described[number]["blob"])
        samples = np.frombuffer(data, dtype=np.dtype(info.dtype))
        if samples.size != info.n_samples:
            raise SignalFileError(
                f"Stored channel {info.name!r} holds {samples.size} samples, not "
                f"{info.n_samples}; run caliper check."
            )
        loaded.append(Channel(info, samples))
    start = entry.get("start_time")
    annotations = [
        (float(on), float(dur), str(text)) for on, dur, text in meta.get("file_annotations", [])
    ]
    return SignalRecord(
        str(entry.get("file_format", "")),
        loaded,
        datetime.fromisoformat(start) if start else None,
        annotations,
    )


def store_signal_item(
    profile: Profile,
    imported: ImportedItem,
    project_id: str | None,
    on_problem: ProblemCallback | None = None,
) -> ItemSummary | None:
    """Read an imported record's samples and store them sealed; None (and a report) when the
    file cannot be read after all. The same source files imported again give the same item."""
    paths = [f.path for f in imported.files]
    identity = source_identity(paths)
    existing = find_by_identity(profile, identity)
    damaged = existing is not None and _damaged(profile.blobs, existing.meta)
    if existing is not None and META_KEY in existing.meta and not damaged:
        return existing
    try:
        record = read_record(str(imported.meta[FORMAT_KEY]), paths[0])
    except SignalFileError as exc:
        if on_problem is not None:
            on_problem(paths[0], str(exc))
        return None
    files, entry = seal_signals(profile.blobs, record, repair=damaged)
    if existing is not None and damaged:  # the same files: the same samples, sealed again
        return existing
    imported.meta[META_KEY] = entry
    if existing is not None:
        return _attach_samples(profile, existing, imported.meta, files)
    return store_indexed_item(profile, imported, project_id, sealed=SealedFiles(files, identity))


def _damaged(blobs: BlobStore, meta: dict[str, Any]) -> bool:
    """True when a stored channel of the item fails its check (a re-import repairs it)."""
    entry = meta.get(META_KEY)
    if not isinstance(entry, dict):
        return False
    return any(blobs.damage(str(channel["blob"])) for channel in entry.get("channels", []))


def _attach_samples(
    profile: Profile, existing: ItemSummary, meta: dict[str, Any], files: list[ItemFile]
) -> ItemSummary:
    """Give an item imported before samples were stored (its files only) the samples and
    meta just read: its annotations, tasks and files stay as they are."""
    with profile.database.write() as session:
        row = session.get(Item, existing.id)
        if row is None:
            raise NotFoundError(f"No item with id {existing.id} in this profile.")
        row.meta = {**row.meta, **meta}
        count = session.scalar(select(func.count()).where(ItemBlob.item_id == row.id)) or 0
        session.add_all(
            ItemBlob(item_id=row.id, position=count + i, name=f.name, digest=f.digest)
            for i, f in enumerate(files)
        )
        profile.audit.append(session, "item.import", row.id, {"samples_added": len(files)})
    return find_by_identity(profile, existing.content_digest) or existing
