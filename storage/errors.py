"""Errors raised by the storage layer, each carrying one clear sentence for the user."""


class StorageError(Exception):
    """Base class: ``str(error)`` is a message fit to show a user as it is."""


class WrongPassphraseError(StorageError):
    """The passphrase (or recovery key) does not unwrap the profile's data key."""


class ProfileNotFoundError(StorageError):
    """No profile exists at the given directory."""


class ProfileExistsError(StorageError):
    """A profile already exists where a new one was to be created."""


class ProfileLockedError(StorageError):
    """The profile key was dropped (idle lock); unlock it again before use."""


class IntegrityError(StorageError):
    """Stored data failed an integrity check (tampering or disk damage)."""


class BlobNotFoundError(StorageError):
    """No blob with the requested digest is stored."""


class DiskFullError(StorageError):
    """The disk is full; nothing already saved was harmed."""


class KeyFileDamagedError(StorageError):
    """The profile's key file (``keys.json``) is damaged, truncated or malformed."""


class DatabaseDamagedError(IntegrityError):
    """A page of the profile database failed its check; ``caliper check`` names it."""
