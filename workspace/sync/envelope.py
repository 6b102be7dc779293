"""Project-key envelopes: AES-256-GCM over everything Caliper puts on the queue or in a file.

Layout: ``CLPE`` magic, format byte, key id (8 bytes: SHA-256 of the key, truncated), segment
size, plaintext length, then segments of at most ``segment size`` bytes, each
``nonce (12) || ciphertext || tag (16)``. Every segment's associated data binds the header,
the caller's context (what the bytes are: ``manifest:<batch>``, ``object:<digest>``) and the
segment's index, so segments cannot be reordered, dropped, truncated or moved to another
context without the open failing. Large payloads are sealed segment by segment; AES-GCM runs
without the GIL, so a thread pool seals them in parallel.
"""

from __future__ import annotations

import hashlib
import os
import struct
from concurrent.futures import ThreadPoolExecutor

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from workspace.errors import WorkspaceError

MAGIC = b"CLPE"
FORMAT = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SEGMENT_SIZE = 4 * 1024 * 1024
_HEADER = struct.Struct(">4sB8sIQ")
_PARALLEL_FROM = 2 * SEGMENT_SIZE
_POOL = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))


class EnvelopeError(WorkspaceError, ValueError):
    """Bytes that are not a valid envelope for this key and context (tampered or truncated)."""


def new_project_key() -> bytes:
    """A fresh random 256-bit project key."""
    return os.urandom(KEY_BYTES)


def key_id(key: bytes) -> bytes:
    """The 8-byte identifier of ``key`` written in every envelope (not secret)."""
    return hashlib.sha256(b"caliper-project-key-id" + key).digest()[:8]


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise ValueError("A project key is 32 bytes.")


def _segment_aad(header: bytes, context: bytes, index: int) -> bytes:
    return header + struct.pack(">I", len(context)) + context + struct.pack(">Q", index)


def seal(key: bytes, plaintext: bytes | bytearray | memoryview, context: str) -> bytes:
    """Encrypt and authenticate ``plaintext`` for ``context`` under the project key."""
    _check_key(key)
    view = memoryview(plaintext)
    header = _HEADER.pack(MAGIC, FORMAT, key_id(key), SEGMENT_SIZE, len(view))
    aead = AESGCM(key)
    ctx = context.encode()
    count = max(1, -(-len(view) // SEGMENT_SIZE))

    def seal_segment(index: int) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        part = view[index * SEGMENT_SIZE : (index + 1) * SEGMENT_SIZE]
        return nonce + aead.encrypt(nonce, bytes(part), _segment_aad(header, ctx, index))

    if len(view) >= _PARALLEL_FROM:
        segments = list(_POOL.map(seal_segment, range(count)))
    else:
        segments = [seal_segment(i) for i in range(count)]
    return b"".join([header, *segments])


def sealed_size(plain_size: int) -> int:
    """The envelope size of ``plain_size`` plaintext bytes."""
    count = max(1, -(-plain_size // SEGMENT_SIZE))
    return _HEADER.size + plain_size + count * (NONCE_BYTES + TAG_BYTES)


def open_sealed(key: bytes, envelope: bytes | bytearray | memoryview, context: str) -> bytearray:
    """The plaintext of ``envelope``; :class:`EnvelopeError` if it was altered or cut short.

    Segments are decrypted straight into one buffer (in parallel for large payloads).
    """
    _check_key(key)
    view = memoryview(envelope)
    if len(view) < _HEADER.size:
        raise EnvelopeError(f"{context}: too short to be a Caliper envelope (truncated?).")
    header = bytes(view[: _HEADER.size])
    magic, fmt, kid, segment_size, length = _HEADER.unpack(header)
    if magic != MAGIC:
        raise EnvelopeError(f"{context}: not a Caliper envelope.")
    if fmt != FORMAT:
        raise EnvelopeError(f"{context}: envelope format {fmt} is not supported (need {FORMAT}).")
    if kid != key_id(key):
        raise EnvelopeError(f"{context}: sealed with a different project key.")
    if segment_size <= 0 or segment_size > 64 * SEGMENT_SIZE:
        raise EnvelopeError(f"{context}: damaged envelope header.")
    count = max(1, -(-length // segment_size))
    overhead = NONCE_BYTES + TAG_BYTES
    if len(view) != _HEADER.size + length + count * overhead:
        raise EnvelopeError(f"{context}: truncated or padded ({len(view)} bytes).")
    aead = AESGCM(key)
    ctx = context.encode()
    plaintext = bytearray(length)
    out = memoryview(plaintext)

    def open_segment(index: int) -> None:
        start = _HEADER.size + index * (segment_size + overhead)
        plain_len = min(segment_size, length - index * segment_size) if length else 0
        body = view[start : start + plain_len + overhead]
        target = out[index * segment_size : index * segment_size + plain_len]
        try:
            aead.decrypt_into(
                body[:NONCE_BYTES], body[NONCE_BYTES:], _segment_aad(header, ctx, index), target
            )
        except InvalidTag:
            raise EnvelopeError(f"{context}: failed authentication (tampered).") from None

    if length >= _PARALLEL_FROM:
        list(_POOL.map(open_segment, range(count)))
    else:
        for index in range(count):
            open_segment(index)
    out.release()
    return plaintext
