"""Replace a profile's data key, resumably: ``caliper passwd --rotate-key``.

The phases, each safe to run again after a crash, are named in a journal file in the profile
(``rotate-key.journal``, written atomically before each phase):

1. ``rekey-database``: SQLCipher ``PRAGMA rekey`` to the new raw key (one transaction: a crash
   leaves the whole database under the old key or the new one; whichever opens is used).
2. ``reseal-blobs``: every indexed blob is read under the old key and sealed again under keys
   derived from the new one. Blob file names are HMACs of the digest under a key derived from
   the data key, so each object gets a new name: the new file is written (atomically) and
   indexed first, then the old one removed; an object whose new file exists is done.
3. ``anchor``: the audit anchor's MAC is recomputed under the new key (same head).
4. ``save-keys``: ``keys.json`` replaced by the new key file (new key under the new passphrase,
   no recovery key: the old one wrapped the old key). Then the journal is removed.

The journal holds each key wrapped under the other, and the new key file: whichever
passphrase opens (the old one before phase 4, the new one at any time) yields both keys, so
:func:`finish` completes the rotation at the next unlock. After it an old copy of
``keys.json`` unwraps a key that opens neither the database nor any blob.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.exceptions import InvalidTag

from storage.audit_anchor import ANCHOR_FILE, AnchorError, AnchorFile
from storage.blob_format import CHUNK_SIZE
from storage.blobs import BlobStore, derive_subkey
from storage.database import Database, describe_database_error
from storage.errors import BlobNotFoundError, IntegrityError, StorageError
from storage.fileio import atomic_write, fsync_directory
from storage.keys import Argon2Params, KeyFile, _unwrap, _wrap, new_data_key
from storage.models import BlobRecord

JOURNAL_FILE = "rotate-key.journal"
KEY_FILE = "keys.json"
DATABASE_FILE = "caliper.db"
BLOB_DIR = "blobs"
PHASES = ("rekey-database", "reseal-blobs", "anchor", "save-keys")
#: Tests only: the process kills itself (SIGKILL) on reaching this point.
_KILL_AT_ENV = "CALIPER_TEST_KILL_AT"


def key_id(key: bytes) -> str:
    """A short public fingerprint telling two data keys apart."""
    return hashlib.sha256(b"caliper-key-id-v1" + key).hexdigest()[:32]


def _escrow_key(key: bytes) -> bytes:
    return derive_subkey(key, "caliper-rotation-escrow-v1")


def _checkpoint(name: str) -> None:
    if os.environ.get(_KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Journal:
    """The journal of one rotation in progress."""

    path: Path
    phase: str
    old_id: str
    new_id: str
    old_wrapped: str  # the old key wrapped by the new one
    new_wrapped: str  # the new key wrapped by the old one
    new_key_file: dict[str, Any]

    @classmethod
    def load(cls, profile_dir: Path) -> Journal | None:
        """The pending rotation of ``profile_dir``; None when there is none."""
        path = profile_dir / JOURNAL_FILE
        try:
            raw = json.loads(path.read_bytes())
            return cls(path, **{k: raw[k] for k in cls.__dataclass_fields__ if k != "path"})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            raise StorageError(
                f"The key rotation journal {path} is damaged; the rotation cannot be finished."
            ) from None

    def save(self, phase: str) -> None:
        """Record that ``phase`` starts now."""
        self.phase = phase
        document = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "path"}
        atomic_write(self.path, json.dumps(document, indent=1).encode(), "the rotation journal")

    def pending_key_file(self) -> KeyFile:
        """The key file the rotation ends with (the new key under the new passphrase)."""
        return KeyFile.from_document(self.path.with_name(KEY_FILE), self.new_key_file)

    def unwrap_with_passphrase(self, passphrase: str) -> bytes:
        """The new data key, from the new passphrase."""
        return self.pending_key_file().unwrap_with_passphrase(passphrase)

    def keys(self, key: bytes) -> tuple[bytes, bytes]:
        """``(old key, new key)`` from either of them."""
        try:
            if key_id(key) == self.old_id:
                return key, _unwrap(_escrow_key(key), self.new_wrapped)
            if key_id(key) == self.new_id:
                return _unwrap(_escrow_key(key), self.old_wrapped), key
        except (InvalidTag, ValueError):
            pass
        raise StorageError(f"The key rotation journal {self.path} does not match this profile.")


def rotate(
    profile_dir: Path, old_key: bytes, new_passphrase: str, params: Argon2Params
) -> tuple[KeyFile, bytes]:
    """Rotate a closed profile's data key; returns the new key file and key."""
    if (profile_dir / JOURNAL_FILE).exists():
        raise StorageError("A key rotation is already in progress; unlock to finish it.")
    new_key = new_data_key()
    pending = KeyFile.wrapping(profile_dir / KEY_FILE, new_key, new_passphrase, params)
    journal = Journal(
        path=profile_dir / JOURNAL_FILE,
        phase=PHASES[0],
        old_id=key_id(old_key),
        new_id=key_id(new_key),
        old_wrapped=_wrap(_escrow_key(new_key), old_key),
        new_wrapped=_wrap(_escrow_key(old_key), new_key),
        new_key_file=pending.document(),
    )
    journal.save(PHASES[0])
    _checkpoint("journal")
    return finish(profile_dir, journal, old_key)


def finish(profile_dir: Path, journal: Journal, key: bytes) -> tuple[KeyFile, bytes]:
    """Run the journal's remaining phases (each is idempotent); ``key`` is either key."""
    old_key, new_key = journal.keys(key)
    start = PHASES.index(journal.phase) if journal.phase in PHASES else 0
    steps = {
        "rekey-database": lambda: _rekey_database(profile_dir / DATABASE_FILE, old_key, new_key),
        "reseal-blobs": lambda: _reseal_blobs(profile_dir, old_key, new_key),
        "anchor": lambda: _reanchor(profile_dir / ANCHOR_FILE, old_key, new_key),
        "save-keys": lambda: journal.pending_key_file().save(),
    }
    for phase in PHASES[start:]:
        if phase != journal.phase:
            journal.save(phase)
        steps[phase]()
        _checkpoint(phase)
    journal.path.unlink()
    fsync_directory(profile_dir)
    return journal.pending_key_file(), new_key


def _connect(path: Path, key: bytes) -> Any | None:
    """A connection under ``key``, or None when the database is not under that key."""
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA cipher_log_level = NONE")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlcipher3.DatabaseError:
        conn.close()
        return None
    return conn


def _rekey_database(path: Path, old_key: bytes, new_key: bytes) -> None:
    """``PRAGMA rekey`` from the old raw key to the new one (skipped if already done)."""
    try:
        conn = _connect(path, new_key)
        if conn is None:
            conn = _connect(path, old_key)
            if conn is None:
                raise IntegrityError(
                    f"The profile database {path} opens with neither the old nor the new key."
                )
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"").fetchall()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        conn.close()
    except sqlcipher3.DatabaseError as exc:
        raise describe_database_error(exc, path) from None


def _reseal_blobs(profile_dir: Path, old_key: bytes, new_key: bytes) -> None:
    """Seal every indexed blob again under the new key, under its new file name."""
    database = Database(profile_dir / DATABASE_FILE, new_key)
    try:
        old_store = BlobStore(profile_dir / BLOB_DIR, old_key, database)
        new_store = BlobStore(profile_dir / BLOB_DIR, new_key, database)
        for info in new_store.digests():
            if new_store.contains(info.digest):
                _index_new_name(database, info.digest, new_store.path_of(info.digest).name)
            else:
                try:
                    _reseal(old_store, new_store, info.digest)
                except (BlobNotFoundError, IntegrityError):
                    continue  # already lost or damaged: left for 'caliper check' to report
                _checkpoint("blob")
            old_store.path_of(info.digest).unlink(missing_ok=True)
    finally:
        database.dispose()


def _reseal(old_store: BlobStore, new_store: BlobStore, digest: str) -> None:
    """Copy one object from the old key's store to the new one's, chunk by chunk."""
    with old_store.open(digest) as reader:
        if reader.chunk_size != CHUNK_SIZE:
            new_store.put(reader.read(), sha256=digest)
            return
        chunks = (memoryview(reader.read_chunk(i)) for i in range(reader.chunk_count))
        new_store._store(digest, reader.size, chunks, None)


def _index_new_name(database: Database, digest: str, file_name: str) -> None:
    """Point the index at the new file (when a crash came between writing and indexing)."""
    with database.write() as session:
        record = session.get(BlobRecord, digest)
        if record is not None and record.file_name != file_name:
            record.file_name = file_name


def _reanchor(path: Path, old_key: bytes, new_key: bytes) -> None:
    """The anchored head, MAC'd under the new key (an anchor under neither stays as it is)."""
    try:
        if AnchorFile(path, new_key).read() is not None:
            return
    except AnchorError:
        pass
    try:
        head = AnchorFile(path, old_key).read()
    except AnchorError:
        return  # left for 'caliper audit verify' to report
    if head is not None:
        AnchorFile(path, new_key).write(head, durable=True)
