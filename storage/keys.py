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

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import StorageError, WrongPassphraseError
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
        params = params or Argon2Params()
        salt = secrets.token_bytes(16)
        kek = params.derive(passphrase.encode("utf-8"), salt)
        key_file = cls(path, params, salt, _wrap(kek, data_key), None)
        key_file.save()
        return key_file

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read a key file, with a clear error if it is damaged."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != KEY_FILE_VERSION:
                raise StorageError(f"Unsupported key file version in {path}.")
            kdf = raw["kdf"]
            return cls(
                path=path,
                params=Argon2Params(kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"]),
                salt=_unb64(kdf["salt"]),
                wrapped_by_passphrase=raw["wrapped_by_passphrase"],
                wrapped_by_recovery=raw.get("wrapped_by_recovery"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"The profile key file {path} is damaged ({exc}).") from exc

    def save(self) -> None:
        """Write the key file atomically (a crash leaves the old or the new file, never half)."""
        document = {
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
        atomic_write(self.path, json.dumps(document, indent=2).encode("utf-8"))

    def unwrap_with_passphrase(self, passphrase: str) -> bytes:
        """Return the data key, or raise :class:`WrongPassphraseError`."""
        kek = self.params.derive(passphrase.encode("utf-8"), self.salt)
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

    def new_recovery_key(self, data_key: bytes) -> str:
        """Make a new recovery key (replacing any earlier one) and return it formatted."""
        raw = secrets.token_bytes(KEY_BYTES)
        self.wrapped_by_recovery = _wrap(raw, data_key)
        self.save()
        return format_recovery_key(raw)
