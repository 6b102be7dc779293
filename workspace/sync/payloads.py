"""Moving item files and label maps through the object stores, sealed and verified.

Objects are named by the SHA-256 of their plaintext; what the server holds is the project-key
envelope of it. A download is accepted only when the envelope opens and the plaintext hashes
to the name it was asked for.
"""

from __future__ import annotations

import hashlib

from nats.js.api import ObjectMeta, ObjectMetaOptions
from nats.js.errors import NotFoundError
from nats.js.object_store import ObjectStore

from workspace.sync.envelope import EnvelopeError, open_sealed, seal

#: Chunk size of objects on the server (below nats-server's default 1 MiB max payload).
OBJECT_CHUNK = 512 * 1024


class PayloadError(ValueError):
    """An object that is missing, altered or cut short; the message names it."""


def object_context(digest: str) -> str:
    """The envelope context of the object named ``digest``."""
    return f"object:{digest}"


async def has_object(store: ObjectStore, digest: str) -> bool:
    """True when the store holds a live object named ``digest``."""
    try:
        info = await store.get_info(digest)
    except NotFoundError:
        return False
    return not info.deleted


async def upload(store: ObjectStore, key: bytes, digest: str, plaintext: bytes) -> int:
    """Seal and store ``plaintext`` as ``digest`` unless already there; returns bytes sent."""
    if hashlib.sha256(plaintext).hexdigest() != digest:
        raise PayloadError(f"Refusing to upload {digest[:12]}: the data does not match it.")
    if await has_object(store, digest):
        return 0
    sealed = seal(key, plaintext, object_context(digest))
    meta = ObjectMeta(name=digest, options=ObjectMetaOptions(max_chunk_size=OBJECT_CHUNK))
    await store.put(digest, sealed, meta=meta)
    return len(sealed)


class _Sink:
    """A write target for nats-py that collects chunks without quadratic copying."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)


async def download(store: ObjectStore, key: bytes, digest: str) -> bytes:
    """The verified plaintext of the object ``digest``; :class:`PayloadError` if unusable."""
    sink = _Sink()
    try:
        await store.get(digest, writeinto=sink)  # type: ignore[arg-type]
    except NotFoundError:
        raise PayloadError(f"Object {digest[:12]} is not on the queue server.") from None
    except Exception as exc:
        if type(exc).__name__ == "DigestMismatchError":
            raise PayloadError(f"Object {digest[:12]} is damaged on the server.") from None
        raise
    try:
        plaintext = open_sealed(key, b"".join(sink.parts), object_context(digest))
    except EnvelopeError as exc:
        raise PayloadError(f"Object {digest[:12]} was rejected: {exc}") from None
    if hashlib.sha256(plaintext).hexdigest() != digest:
        raise PayloadError(f"Object {digest[:12]} does not match its digest.")
    return plaintext
