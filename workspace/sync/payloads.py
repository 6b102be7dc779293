"""Moving item files and label maps through the object stores, sealed and verified.

Objects are named by the SHA-256 of their plaintext; what the server holds is the project-key
envelope of it. A download is accepted only when the envelope opens and the plaintext hashes
to the name it was asked for.
"""

from __future__ import annotations

import hashlib

from nats.js import JetStreamContext
from nats.js.api import ObjectMeta, ObjectMetaOptions
from nats.js.errors import NotFoundError
from nats.js.object_store import ObjectStore

from storage.blob_format import is_random_id
from workspace.errors import WorkspaceError
from workspace.sync.envelope import EnvelopeError, open_sealed, seal, sealed_size

#: Chunk size of objects on the server (below nats-server's default 1 MiB max payload).
OBJECT_CHUNK = 512 * 1024
#: Longest wait for the next chunk of an object before the download counts as cut short.
CHUNK_TIMEOUT_S = 15.0


class PayloadError(WorkspaceError, ValueError):
    """An object that is missing, altered or cut short; the message names it."""


def _matches(plaintext: bytes | bytearray, digest: str) -> bool:
    """True when ``plaintext`` is the object ``digest`` names: its SHA-256, or any data for a
    random id (an internal object such as a slide segment: the envelope's GCM tags, whose
    context binds the id, vouch for it, and the store's own tags once it is sealed)."""
    return is_random_id(digest) or hashlib.sha256(plaintext).hexdigest() == digest


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
    """Seal and store ``plaintext`` as ``digest``; returns bytes sent.

    An object already there is kept when its size is the envelope's size, and replaced when
    not (truncated or padded on the server), so pushing again repairs it.
    """
    if not _matches(plaintext, digest):
        raise PayloadError(f"Refusing to upload {digest[:12]}: the data does not match it.")
    try:
        info = await store.get_info(digest)
    except NotFoundError:
        info = None
    if info is not None and not info.deleted:
        if int(info.size or 0) == sealed_size(len(plaintext)):
            return 0
        await store.delete(digest)
    sealed = seal(key, plaintext, object_context(digest))
    meta = ObjectMeta(name=digest, options=ObjectMetaOptions(max_chunk_size=OBJECT_CHUNK))
    await store.put(digest, sealed, meta=meta)
    return len(sealed)


async def download(js: JetStreamContext, bucket: str, key: bytes, digest: str) -> bytearray:
    """The verified plaintext of the object ``digest``; :class:`PayloadError` if unusable.

    The chunks are read with an ordered consumer straight into one buffer: nats-py's own
    ``ObjectStore.get`` answers the server's flow control only every 250 ms, which held a
    1 GB pull near 40 MB/s. Damage is caught by the envelope's GCM tags and the plaintext's
    SHA-256 (the object store's own digest would be a third pass over the bytes).
    """
    store = await js.object_store(bucket)
    try:
        info = await store.get_info(digest)
    except NotFoundError:
        raise PayloadError(f"Object {digest[:12]} is not on the queue server.") from None
    size = int(info.size or 0)
    sealed = bytearray(size)
    view = memoryview(sealed)
    received = 0
    subscription = await js.subscribe(
        f"$O.{bucket}.C.{info.nuid}", ordered_consumer=True, pending_bytes_limit=64 * 1024**2
    )
    try:
        while received < size:
            try:
                message = await subscription.next_msg(timeout=CHUNK_TIMEOUT_S)
            except TimeoutError:
                raise PayloadError(
                    f"Object {digest[:12]} is truncated on the server "
                    f"({received} of {size} bytes arrived)."
                ) from None
            chunk = message.data
            if received + len(chunk) > size:
                raise PayloadError(f"Object {digest[:12]} is longer than its record says.")
            view[received : received + len(chunk)] = chunk
            received += len(chunk)
    finally:
        view.release()
        await subscription.unsubscribe()
    try:
        plaintext = open_sealed(key, sealed, object_context(digest))
    except EnvelopeError as exc:
        raise PayloadError(f"Object {digest[:12]} was rejected: {exc}") from None
    if not _matches(plaintext, digest):
        raise PayloadError(f"Object {digest[:12]} does not match its digest.")
    return plaintext
