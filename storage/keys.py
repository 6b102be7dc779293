"""Key hierarchy: a random data key wrapped by an Argon2id passphrase key and a recovery key.

The key file (``keys.json``) holds only salts, KDF parameters and AES-256-GCM wrapped copies of
the 256-bit data key; nothing in it reveals the key without the passphrase or recovery key.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import KeyFileDamagedError, StorageError, WrongPassphraseError
from storage.fileio import atomic_write

KEY_BYTES = 32
KEY_FILE_VERSION = 1
_WRAP_AAD = b"caliper-data-key-v1"
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters (RFC 9106 second recommended option, scaled for laptops)."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2

    def derive(self, secret: bytes, salt: bytes) -> bytes:
        """Derive a 256-bit key-encryption key from ``secret``."""
        return hash_secret_raw(
            secret,
            salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=KEY_BYTES,
            type=Type.ID,
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _wrap(kek: bytes, data_key: bytes) -> str:
    nonce = os.urandom(12)
    return _b64(nonce + AESGCM(kek).encrypt(nonce, data_key, _WRAP_AAD))


def _unwrap(kek: bytes, wrapped: str) -> bytes:
    blob = _unb64(wrapped)
    return AESGCM(kek).decrypt(blob[:12], blob[12:], _WRAP_AAD)


def new_data_key() -> bytes:
    """A fresh random 256-bit data key."""
    return secrets.token_bytes(KEY_BYTES)


def format_recovery_key(raw: bytes) -> str:
    """Show a 256-bit recovery key as groups of unambiguous characters (Crockford-like)."""
    number = int.from_bytes(raw, "big")
    chars = []
    for _ in range(52):  # 52 * 5 bits = 260 bits >= 256
        number, index = divmod(number, 32)
        chars.append(_RECOVERY_ALPHABET[index])
    text = "".join(reversed(chars))
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    """Inverse of :func:`format_recovery_key`; tolerant of case, spaces and dashes."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) != 52 or any(ch not in _RECOVERY_ALPHABET for ch in cleaned):
        raise WrongPassphraseError("That is not a Caliper recovery key (52 characters expected).")
    number = 0
    for ch in cleaned:
        number = number * 32 + _RECOVERY_ALPHABET.index(ch)
    if number >> (KEY_BYTES * 8):
        raise WrongPassphraseError("That is not a Caliper recovery key.")
    return number.to_bytes(KEY_BYTES, "big")


@dataclass
class KeyFile:
    """The on-disk wrapped copies of a profile's data key."""

    path: Path
    params: Argon2Params
    salt: bytes
    wrapped_by_passphrase: str
    wrapped_by_recovery: str | None

    @classmethod
    def create(
        cls, path: Path, data_key: bytes, passphrase: str, params: Argon2Params | None = None
    ) -> KeyFile:
        """Wrap ``data_key`` with ``passphrase`` and write a new key file."""
        key_file = cls.wrapping(path, data_key, passphrase, params)
        key_file.save()
        return key_file

    @classmethod
    def wrapping(
        cls, path: Path, data_key: bytes, passphrase: str, params: Argon2Params | None = None
    ) -> KeyFile:
        """A key file wrapping ``data_key`` with ``passphrase`` (not saved; no recovery key)."""
        params = params or Argon2Params()
        salt = secrets.token_bytes(16)
        kek = params.derive(passphrase.encode("utf-8"), salt)
        return cls(path, params, salt, _wrap(kek, data_key), None)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read a key file, with one clear sentence if it is damaged, truncated or unreadable."""
        try:
            raw = json.loads(path.read_bytes().decode("utf-8"))
        except OSError as exc:
            message = f"The profile key file {path} cannot be read ({exc.strerror})."
            raise StorageError(message) from None
        except ValueError:
            raise KeyFileDamagedError(
                f"The profile key file {path} is damaged or truncated (not valid JSON)."
            ) from None
        return cls.from_document(path, raw)

    @classmethod
    def from_document(cls, path: Path, raw: object) -> KeyFile:
        """A key file from its parsed JSON; :class:`KeyFileDamagedError` when it is malformed."""
        try:
            if not isinstance(raw, dict):
                raise TypeError("not a JSON object")
            if raw.get("version") != KEY_FILE_VERSION:
                raise StorageError(f"Unsupported key file version in {path}.")
            kdf = raw["kdf"]
            params = Argon2Params(
                int(kdf["time_cost"]), int(kdf["memory_kib"]), int(kdf["parallelism"])
            )
            wrapped = raw["wrapped_by_passphrase"]
            recovery = raw.get("wrapped_by_recovery")
            if not isinstance(wrapped, str) or not isinstance(recovery, str | None):
                raise TypeError("a wrapped key is not text")
            key_file = cls(path, params, _unb64(kdf["salt"]), wrapped, recovery)
            for text in (wrapped, recovery):
                if text is not None and len(_unb64(text)) != 12 + KEY_BYTES + 16:
                    raise ValueError("a wrapped key has the wrong length")
            return key_file
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyFileDamagedError(f"The profile key file {path} is damaged ({exc}).") from None

    def document(self) -> dict[str, object]:
        """The key file's JSON document."""
        return {
            "version": KEY_FILE_VERSION,
            "kdf": {
                "algorithm": "argon2id",
                "salt": _b64(self.salt),
                "time_cost": self.params.time_cost,
                "memory_kib": self.params.memory_kib,
                "parallelism": self.params.parallelism,
            },
            "wrapped_by_passphrase": self.wrapped_by_passphrase,
            "wrapped_by_recovery": self.wrapped_by_recovery,
        }

    def save(self) -> None:
        """Write the key file atomically (a crash leaves the old or the new file, never half)."""
        atomic_write(self.path, json.dumps(self.document(), indent=2).encode("utf-8"))

    def unwrap_with_passphrase(self, passphrase: str) -> bytes:
        """Return the data key, or raise :class:`WrongPassphraseError`."""
        try:
            kek = self.params.derive(passphrase.encode("utf-8"), self.salt)
        except HashingError as exc:
            raise KeyFileDamagedError(
                f"The profile key file {self.path} is damaged (bad key derivation settings: {exc})."
            ) from None
        try:
            return _unwrap(kek, self.wrapped_by_passphrase)
        except InvalidTag:
            raise WrongPassphraseError("Wrong passphrase.") from None

    def unwrap_with_recovery_key(self, recovery_key: str) -> bytes:
        """Return the data key from a recovery key, or raise :class:`WrongPassphraseError`."""
        if self.wrapped_by_recovery is None:
            raise WrongPassphraseError("No recovery key was ever exported for this profile.")
        try:
            return _unwrap(parse_recovery_key(recovery_key), self.wrapped_by_recovery)
        except InvalidTag:
            raise WrongPassphraseError("Wrong recovery key.") from None

    def rewrap_passphrase(self, data_key: bytes, new_passphrase: str) -> None:
        """Wrap the same data key under a new passphrase (with a new salt)."""
        self.salt = secrets.token_bytes(16)
        kek = self.params.derive(new_passphrase.encode("utf-8"), self.salt)
        self.wrapped_by_passphrase = _wrap(kek, data_key)
        self.save()

    def new_recovery_key(self, data_key: bytes) -> tuple[str, str]:
        """A new recovery key: ``(formatted key, its wrapped data key)``; nothing is saved.

        Write the key out first, then :meth:`set_recovery` the wrapped copy, so a failed
        write leaves the earlier recovery key working.
        """
        raw = secrets.token_bytes(KEY_BYTES)
        return format_recovery_key(raw), _wrap(raw, data_key)

    def set_recovery(self, wrapped: str | None) -> None:
        """Replace the wrapped recovery copy (None: no recovery key) and save."""
        previous, self.wrapped_by_recovery = self.wrapped_by_recovery, wrapped
        try:
            self.save()
        except BaseException:
            self.wrapped_by_recovery = previous
            raise
