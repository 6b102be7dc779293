"""The audit chain's head kept outside the database, under a keyed MAC.

One fixed 80-byte record, ``magic | sequence | row hash | HMAC-SHA256``, rewritten in place
after every committed audit row (one small write; no fsync on the edit path, so after a power
cut the anchor may lag a few rows behind, which verification accepts). The MAC key is derived
from the profile's data key: the anchor catches whoever edits the database (with the key) and
does not forge a matching anchor, or rolls back only the database; whoever knows the
passphrase can forge it too, and nothing offline detects a rollback of the whole profile.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

from storage.blobs import derive_subkey
from storage.fileio import FILE_MODE

ANCHOR_FILE = "audit-anchor"
_MAGIC = b"CLPANCH1"
_RECORD = struct.Struct(">8sQ32s32s")  # magic, sequence, row hash, MAC


@dataclass(frozen=True)
class AuditHead:
    """The newest row of an audit chain: its sequence number (row id) and hash."""

    seq: int
    hash: bytes


class AnchorError(Exception):
    """The anchor file exists but is damaged or was not written with this profile's key."""


class AnchorFile:
    """Reads and writes the MAC'd head of one profile's audit chain."""

    def __init__(self, path: Path, data_key: bytes) -> None:
        self.path = path
        self._key = derive_subkey(data_key, "caliper-audit-anchor-v1")
        self._lock = threading.Lock()

    def _mac(self, seq: int, digest: bytes) -> bytes:
        message = _MAGIC + seq.to_bytes(8, "big") + digest
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def read(self) -> AuditHead | None:
        """The anchored head; None when there is no anchor file; :class:`AnchorError` if bad."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if len(raw) != _RECORD.size:
            raise AnchorError("the anchor file is truncated or damaged")
        magic, seq, digest, mac = _RECORD.unpack(raw)
        if magic != _MAGIC or not hmac.compare_digest(mac, self._mac(seq, digest)):
            raise AnchorError("the anchor file was altered or written with another key")
        return AuditHead(seq, digest)

    def write(self, head: AuditHead, durable: bool = False) -> None:
        """Record ``head`` (one in-place write; ``durable`` also syncs it to disk)."""
        record = _RECORD.pack(_MAGIC, head.seq, head.hash, self._mac(head.seq, head.hash))
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
            try:
                os.pwrite(fd, record, 0)
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
