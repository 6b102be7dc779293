"""A user's profile directory: key file, encrypted database, blob store and audit log.

The directory is ``0700`` and every file in it ``0600`` (the blob store's folders ``0700``).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError, OperationalError

from storage import key_rotation, migrations
from storage.audit import AuditLog
from storage.audit_anchor import ANCHOR_FILE, AnchorFile
from storage.blobs import BlobStore
from storage.database import Database, describe_database_error
from storage.errors import (
    ProfileExistsError,
    ProfileLockedError,
    ProfileNotFoundError,
    StorageError,
    WrongPassphraseError,
)
from storage.fileio import DIR_MODE, FILE_MODE, atomic_write, private_dir
from storage.keys import Argon2Params, KeyFile, new_data_key
from storage.models import Setting
from storage.unlock_throttle import UnlockThrottle

KEY_FILE = "keys.json"
DATABASE_FILE = "caliper.db"
BLOB_DIR = "blobs"
_USER_SETTING = "profile.user"


def is_profile(path: Path) -> bool:
    """True when ``path`` holds a Caliper profile."""
    return (path / KEY_FILE).is_file()


def restrict_permissions(path: Path) -> None:
    """Make the profile folder ``0700`` and the files directly in it ``0600`` (best effort:
    a profile on a file system without Unix modes still opens)."""
    try:
        path.chmod(DIR_MODE)
        for entry in path.iterdir():
            if not entry.is_symlink():
                entry.chmod(DIR_MODE if entry.is_dir() else FILE_MODE)
    except OSError:
        pass


class Profile:
    """An unlocked profile. Create with :meth:`create`, open with :meth:`unlock`."""

    def __init__(self, path: Path, key_file: KeyFile, data_key: bytes) -> None:
        self.path = path
        self._open(key_file, data_key)

    def _open(self, key_file: KeyFile, data_key: bytes) -> None:
        path = self.path
        self._key_file = key_file
        self._data_key: bytes | None = data_key
        restrict_permissions(path)
        self._database: Database | None = Database(path / DATABASE_FILE, data_key)
        self._database.check_readable()
        try:
            with self._database.engine.begin() as conn:
                migrations.upgrade(conn)
        except (DatabaseError, OperationalError) as exc:
            self._database.dispose()
            raise describe_database_error(exc, self._database.path) from None
        self._blobs: BlobStore | None = BlobStore(path / BLOB_DIR, data_key, self._database)
        self.user = self._load_user()
        self._audit: AuditLog | None = self._open_audit(data_key)

    def _open_audit(self, data_key: bytes) -> AuditLog:
        audit = AuditLog(self.database, self.user, AnchorFile(self.path / ANCHOR_FILE, data_key))
        audit.start_anchoring()
        return audit

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        user: str | None = None,
        kdf: Argon2Params | None = None,
    ) -> Profile:
        """Make a new profile with a fresh random data key wrapped by ``passphrase``."""
        if is_profile(path):
            raise ProfileExistsError(f"A profile already exists at {path}.")
        if not passphrase:
            raise ValueError("The passphrase must not be empty.")
        private_dir(path)
        # SQLite gives the WAL and shared-memory files the database file's mode.
        os.close(os.open(path / DATABASE_FILE, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        data_key = new_data_key()
        key_file = KeyFile.create(path / KEY_FILE, data_key, passphrase, kdf)
        profile = cls(path, key_file, data_key)
        with profile.database.write() as session:
            session.merge(Setting(key=_USER_SETTING, value=user or getpass.getuser()))
        profile.user = profile._load_user()
        profile.audit.user = profile.user
        profile.audit.record("profile.create", str(path))
        return profile

    @classmethod
    def _load_key_file(cls, path: Path) -> KeyFile:
        if not is_profile(path):
            raise ProfileNotFoundError(f"No Caliper profile at {path} (run 'caliper init').")
        return KeyFile.load(path / KEY_FILE)

    @classmethod
    def unlock(cls, path: Path, passphrase: str, throttle: UnlockThrottle | None = None) -> Profile:
        """Open with the passphrase; a wrong one only counts towards the growing delay."""
        return cls._unlock(
            path,
            "passphrase",
            lambda key_file: key_file.unwrap_with_passphrase(passphrase),
            lambda journal: journal.unwrap_with_passphrase(passphrase),
            throttle,
        )

    @classmethod
    def unlock_with_recovery_key(
        cls, path: Path, recovery_key: str, throttle: UnlockThrottle | None = None
    ) -> Profile:
        """Open with an exported recovery key (then set a new passphrase)."""
        return cls._unlock(
            path,
            "recovery-key",
            lambda key_file: key_file.unwrap_with_recovery_key(recovery_key),
            None,
            throttle,
        )

    @classmethod
    def _unlock(
        cls,
        path: Path,
        method: str,
        unwrap: Callable[[KeyFile], bytes],
        unwrap_pending: Callable[[key_rotation.Journal], bytes] | None,
        throttle: UnlockThrottle | None,
    ) -> Profile:
        """Unwrap the data key (after any delay owed), finish an interrupted key rotation,
        open, and record the unlock with the wrong attempts that came before it."""
        key_file = cls._load_key_file(path)
        throttle = throttle or UnlockThrottle(path)
        throttle.wait()
        journal = key_rotation.Journal.load(path)
        try:
            data_key = unwrap(key_file)
        except WrongPassphraseError:
            # During a rotation the new passphrase already opens the pending key file.
            if journal is None or unwrap_pending is None:
                throttle.record_failure()
                raise
            try:
                data_key = unwrap_pending(journal)
            except WrongPassphraseError:
                throttle.record_failure()
                raise
        resumed = False
        if journal is not None:
            key_file, data_key = key_rotation.finish(path, journal, data_key)
            resumed = True
        profile = cls(path, key_file, data_key)
        profile.resumed_rotation = resumed
        failures = throttle.failures()[0]
        if failures:
            profile.audit.record("profile.unlock_failures", str(path), {"count": failures})
        profile.audit.record("profile.unlock", str(path), {"method": method})
        throttle.reset()
        return profile

    @classmethod
    def database_problems(cls, path: Path, passphrase: str) -> list[str]:
        """``PRAGMA cipher_integrity_check`` of a profile too damaged to unlock (nothing is
        written); one line per damaged page, [] when the database is sound."""
        key_file = cls._load_key_file(path)
        journal = key_rotation.Journal.load(path)
        try:
            data_key = key_file.unwrap_with_passphrase(passphrase)
        except WrongPassphraseError:
            if journal is None:
                raise
            data_key = journal.unwrap_with_passphrase(passphrase)
        database = Database(path / DATABASE_FILE, data_key)
        try:
            return database.integrity_problems()
        finally:
            database.dispose()

    resumed_rotation = False  #: True when this unlock finished an interrupted key rotation

    # ------------------------------------------------------------------ state
    @property
    def database(self) -> Database:
        """The open database; raises :class:`ProfileLockedError` once locked."""
        if self._database is None:
            raise ProfileLockedError("The profile is locked; unlock it to continue.")
        return self._database

    @property
    def blobs(self) -> BlobStore:
        """The blob store; raises :class:`ProfileLockedError` once locked."""
        if self._blobs is None:
            raise ProfileLockedError("The profile is locked; unlock it to continue.")
        return self._blobs

    @property
    def audit(self) -> AuditLog:
        """The audit log; raises :class:`ProfileLockedError` once locked."""
        if self._audit is None:
            raise ProfileLockedError("The profile is locked; unlock it to continue.")
        return self._audit

    @property
    def is_locked(self) -> bool:
        """True after :meth:`lock`."""
        return self._database is None

    def _load_user(self) -> str:
        with self.database.read() as session:
            value = session.scalar(select(Setting.value).where(Setting.key == _USER_SETTING))
        return str(value) if value else getpass.getuser()

    # ------------------------------------------------------------------ keys
    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-wrap the data key under ``new_passphrase``; no data is re-encrypted."""
        if not new_passphrase:
            raise ValueError("The passphrase must not be empty.")
        self._key_file.rewrap_passphrase(self._require_key(), new_passphrase)
        self.audit.record("profile.passwd", str(self.path))

    def export_recovery_key(self, out: Path | None = None) -> str:
        """Make a new recovery key, write it to ``out`` (``0600``) first, and return it.

        The file is written atomically before the key file changes: if that write fails,
        nothing changes and the earlier recovery key keeps working. Once the key file is
        saved, the earlier one stops working.
        """
        recovery, wrapped = self._key_file.new_recovery_key(self._require_key())
        if out is not None:
            atomic_write(out, (recovery + "\n").encode("ascii"), f"the recovery key file {out}")
        try:
            self._key_file.set_recovery(wrapped)
        except BaseException:
            if out is not None:
                out.unlink(missing_ok=True)
            raise
        self.audit.record("profile.recovery_key", str(self.path))
        return recovery

    def rotate_key(self, new_passphrase: str) -> None:
        """Replace the data key: database re-keyed, every blob re-sealed, keys re-wrapped.

        Resumable: a journal in the profile names the phase, and the next unlock (with the
        old or the new passphrase) finishes an interrupted rotation. The recovery key stops
        working (export a new one). The audit log must verify first.
        """
        if not new_passphrase:
            raise ValueError("The passphrase must not be empty.")
        report = self.audit.verify()
        if not report.ok:
            raise StorageError(
                f"The audit log is broken at row {report.first_bad_id} ({report.reason}); "
                "the key was not rotated."
            )
        self.audit.record("profile.rotate_key", str(self.path))
        old_key = self._require_key()
        params = self._key_file.params
        self.lock()
        key_file, data_key = key_rotation.rotate(self.path, old_key, new_passphrase, params)
        self._open(key_file, data_key)

    def _require_key(self) -> bytes:
        if self._data_key is None:
            raise ProfileLockedError("The profile is locked; unlock it to continue.")
        return self._data_key

    def lock(self) -> None:
        """Drop the key and close the database; the object is unusable until re-unlocked."""
        if self._database is not None:
            self._database.dispose()
        # Drop every object that holds key material (the database's connection factory
        # holds the raw key; the blob store its derived keys) so none stays reachable.
        self._database = None
        self._data_key = None
        self._blobs = None
        self._audit = None

    close = lock
