"""The workstation's Ed25519 key pair and result signatures.

Each profile holds one key pair, made at ``caliper init`` (or on first need for older
profiles); the private key lives in the encrypted ``settings`` table, so it is re-keyed with
the database and never leaves it. A result is signed over its canonical JSON bytes without
the ``signature`` field, prefixed by a domain string, and carries
``{"key": <public key hex>, "value": <signature hex>}``. The manager enrols each
workstation's public key (:mod:`workspace.sync.signers`) and checks the signature when it
collects.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from workspace.errors import WorkspaceError
from workspace.settings import read_setting, write_setting

if TYPE_CHECKING:
    from storage.profile import Profile

SIGNING_KEY_SETTING = "sync.signing_key"
#: What a public key looks like when printed for the manager: ``ed25519:`` and 64 hex digits.
PUBLIC_KEY_PREFIX = "ed25519:"
_DOMAIN = b"caliper result signature v1\x00"
_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")


class SigningKeyError(WorkspaceError, ValueError):
    """A public key or stored signing key that cannot be used; the message says why."""


def ensure_signing_key(profile: Profile) -> Ed25519PrivateKey:
    """This profile's signing key, made and stored on first need."""
    stored = read_setting(profile.database, SIGNING_KEY_SETTING)
    if stored:
        try:
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(stored))
        except ValueError:
            raise SigningKeyError("This profile's signing key is damaged.") from None
    key = Ed25519PrivateKey.generate()
    write_setting(profile.database, SIGNING_KEY_SETTING, key.private_bytes_raw().hex())
    profile.audit.record("sync.signing_key", "", {"public_key": public_hex(key)})
    return key


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw public key as 64 hex digits."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def public_key_text(profile: Profile) -> str:
    """``ed25519:<hex>``: what ``caliper whoami --public-key`` prints for the manager."""
    return PUBLIC_KEY_PREFIX + public_hex(ensure_signing_key(profile))


def parse_public_key(text: str) -> str:
    """The 64-hex public key in ``text`` (``ed25519:<hex>`` or bare hex), else a clear error."""
    value = text.strip().lower().removeprefix(PUBLIC_KEY_PREFIX)
    if not _HEX_KEY.match(value):
        raise SigningKeyError(
            "A workstation public key is 'ed25519:' and 64 hexadecimal digits "
            "(from `caliper whoami --public-key` on the workstation)."
        )
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))
    except ValueError:
        raise SigningKeyError("That is not a valid Ed25519 public key.") from None
    return value


def fingerprint(public_key_hex: str) -> str:
    """A short stable name of a public key (32 hex digits), safe as a KV key."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:32]


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """The bytes a result's signature covers: its canonical JSON without ``signature``."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign_result(profile: Profile, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with this workstation's signature (replacing any earlier one)."""
    key = ensure_signing_key(profile)
    body = {k: v for k, v in document.items() if k != "signature"}
    value = key.sign(_DOMAIN + canonical_bytes(body))
    return {**body, "signature": {"key": public_hex(key), "value": value.hex()}}


def signature_valid(document: dict[str, Any]) -> bool:
    """True when ``document`` carries a signature that its own key verifies."""
    signature = document.get("signature")
    if not isinstance(signature, dict):
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(signature["key"])))
        public.verify(bytes.fromhex(str(signature["value"])), _DOMAIN + canonical_bytes(document))
    except (KeyError, ValueError, InvalidSignature):
        return False
    return True


def derived_key(profile: Profile, purpose: str) -> bytes:
    """A 32-byte symmetric key for ``purpose`` derived from the signing key (HKDF-SHA256).

    Used to seal what only this workstation reads back (its published audit heads): it
    survives a passphrase change and a data-key rotation, as the signing key does.
    """
    seed = ensure_signing_key(profile).private_bytes_raw()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
    return hkdf.derive(seed)
