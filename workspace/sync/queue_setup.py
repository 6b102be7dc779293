"""Creating the streams, consumers and buckets of the protocol (the manager's job, idempotent)."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from workspace.sync import protocol

#: How long a pulled manifest stays invisible to other workstations without an ack or a
#: progress signal (downloads send ``in_progress`` well inside it).
BATCH_ACK_WAIT_S = 60.0
#: Push retries within this window are dropped by the server (``Nats-Msg-Id``).
BATCH_DUPLICATE_WINDOW_S = 48 * 3600.0
LEASE_STREAM = f"KV_{protocol.LEASE_BUCKET}"


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        await js.add_stream(config)


async def _ensure_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> None:
    assert config.durable_name is not None
    try:
        await js.consumer_info(stream, config.durable_name)
    except NotFoundError:
        await js.add_consumer(stream, config)


async def ensure_buckets(js: JetStreamContext, replicas: int = 1) -> None:
    """The payload and result object stores and the lease KV bucket."""
    for bucket in (protocol.PAYLOAD_BUCKET, protocol.RESULT_BUCKET):
        try:
            await js.object_store(bucket)
        except NotFoundError:
            await js.create_object_store(
                bucket,
                ObjectStoreConfig(replicas=replicas, storage=StorageType.FILE),
            )
    try:
        await js.key_value(protocol.LEASE_BUCKET)
    except NotFoundError:
        # direct=True: workstations read leases with DIRECT.GET, whose subject names the key,
        # so permissions can limit each workstation to its own tracks' leases.
        await js.create_key_value(
            bucket=protocol.LEASE_BUCKET,
            history=5,
            replicas=replicas,
            storage=StorageType.FILE,
            direct=True,
        )
        # No rollups: permissions cannot see headers, and a "Nats-Rollup: all" on one key
        # would wipe every track's leases.
        info = await js.stream_info(LEASE_STREAM)
        info.config.allow_rollup_hdrs = False
        await js.update_stream(info.config)


async def ensure_track(js: JetStreamContext, track: str, replicas: int = 1) -> None:
    """The work-queue stream of ``track`` and the consumer its workstations share."""
    stream = protocol.batch_stream(track)
    await _ensure_stream(
        js,
        StreamConfig(
            name=stream,
            subjects=[protocol.batch_subject(track)],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=BATCH_DUPLICATE_WINDOW_S,
        ),
    )
    await _ensure_consumer(
        js,
        stream,
        ConsumerConfig(
            durable_name=protocol.BATCH_CONSUMER,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=BATCH_ACK_WAIT_S,
            max_deliver=-1,
            max_ack_pending=10_000,
        ),
    )


async def ensure_project(js: JetStreamContext, project: str, replicas: int = 1) -> None:
    """The results stream of ``project`` and the manager's collector consumer."""
    stream = protocol.result_stream(project)
    await _ensure_stream(
        js,
        StreamConfig(
            name=stream,
            subjects=[protocol.result_subject(project)],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=float(protocol.RESULT_DUPLICATE_WINDOW_S),
        ),
    )
    await _ensure_consumer(
        js,
        stream,
        ConsumerConfig(
            durable_name=protocol.RESULT_CONSUMER,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=120.0,
            max_deliver=-1,
        ),
    )


async def lease_replicas(js: JetStreamContext) -> int:
    """The replicas of the lease bucket (1 before the first push): buckets made later match.

    The manager chose them with ``queue push --replicas``; the signer and audit-head buckets
    follow, so a cluster that keeps the leases keeps those too.
    """
    try:
        info = await js.stream_info(LEASE_STREAM)
    except NotFoundError:
        return 1
    return max(1, int(info.config.num_replicas or 1))
