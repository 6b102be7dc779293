"""A user's profile directory: key file, encrypted database, blob store and audit log."""

from __future__ import annotations

import getpass
from pathlib import Path

from sqlalchemy import select

from storage import migrations
from storage.audit import AuditLog
from storage.blobs import BlobStore
from storage.database import Database
from storage.errors import ProfileExistsError, ProfileLockedError, ProfileNotFoundError
from storage.keys import Argon2Params, KeyFile, new_data_key
from storage.models import Setting

KEY_FILE = "keys.json"
DATABASE_FILE = "caliper.db"
BLOB_DIR = "blobs"
_USER_SETTING = "profile.user"


def is_profile(path: Path) -> bool:
    """True when ``path`` holds a Caliper profile."""
    return (path / KEY_FILE).is_file()


class Profile:
    """An unlocked profile. Create with :meth:`create`, open with :meth:`unlock`."""

    def __init__(self, path: Path, key_file: KeyFile, data_key: bytes) -> None:
        self.path = path
        self._key_file = key_file
        self._data_key: bytes | None = data_key
        self._database: Database | None = Database(path / DATABASE_FILE, data_key)
        self._database.check_readable()
        with self._database.engine.begin() as conn:
            migrations.upgrade(conn)
        self._blobs: BlobStore | None = BlobStore(path / BLOB_DIR, data_key, self._database)
        self.user = self._load_user()
        self._audit: AuditLog | None = AuditLog(self._database, self.user)

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
        path.mkdir(parents=True, exist_ok=True)
        data_key = new_data_key()
        key_file = KeyFile.create(path / KEY_FILE, data_key, passphrase, kdf)
        profile = cls(path, key_file, data_key)
        with profile.database.write() as session:
            session.merge(Setting(key=_USER_SETTING, value=user or getpass.getuser()))
        profile.user = profile._load_user()
        profile._audit = AuditLog(profile.database, profile.user)
        profile.audit.record("profile.create", str(path))
        return profile

    @classmethod
    def _load_key_file(cls, path: Path) -> KeyFile:
        if not is_profile(path):
            raise ProfileNotFoundError(f"No Caliper profile at {path} (run 'caliper init').")
        return KeyFile.load(path / KEY_FILE)

    @classmethod
    def unlock(cls, path: Path, passphrase: str) -> Profile:
        """Open with the passphrase; a wrong one touches nothing on disk."""
        key_file = cls._load_key_file(path)
        profile = cls(path, key_file, key_file.unwrap_with_passphrase(passphrase))
        profile.audit.record("profile.unlock", str(path), {"method": "passphrase"})
        return profile

    @classmethod
    def unlock_with_recovery_key(cls, path: Path, recovery_key: str) -> Profile:
        """Open with an exported recovery key (then set a new passphrase)."""
        key_file = cls._load_key_file(path)
        profile = cls(path, key_file, key_file.unwrap_with_recovery_key(recovery_key))
        profile.audit.record("profile.unlock", str(path), {"method": "recovery-key"})
        return profile

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

    def export_recovery_key(self) -> str:
        """Make a new recovery key (the previous one stops working) and return it."""
        recovery = self._key_file.new_recovery_key(self._require_key())
        self.audit.record("profile.recovery_key", str(self.path))
        return recovery

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
