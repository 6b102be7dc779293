"""Who may do what on the queue: the rendered permissions against a real nats-server.

The manager provisions the protocol's streams and buckets; a workstation (``ws-alice``, track
``ct-chest``) then does its whole job with nats-py, and every forbidden action is refused by
the server (a permissions violation naming the subject) and leaves the server state unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import nats.errors
import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from nats.js.errors import KeyNotFoundError, NotFoundError, ObjectNotFoundError

from tests.sync.conftest import SecuredNats, example_users
from tests.sync.nats_fixtures import NATS_SERVER, LocalCA, NatsCluster, NatsServer, free_port
from workspace.sync import protocol
from workspace.sync.permissions import UserSpec, password_variable, render_server_config

PROJECT = "proj1"
TRACKS = ("ct-chest", "ecg")
PAYLOAD_NAME = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"
#: 2 MiB in 16 chunks: big enough that the server asks the ordered consumer for flow control.
PAYLOAD = bytes(range(256)) * 8192
LEASES = protocol.LEASE_BUCKET
JS_TIMEOUT_S = 5.0


# ----------------------------------------------------------------------------- helpers


class Violations:
    """An ``error_cb`` that keeps the server's asynchronous errors (permission violations)."""

    def __init__(self) -> None:
        self.errors: list[Exception] = []
        self._changed = asyncio.Event()

    async def record(self, error: Exception) -> None:
        """The ``error_cb`` (nats-py wants a coroutine function)."""
        self.errors.append(error)
        self._changed.set()

    def messages(self) -> list[str]:
        """The errors as text (nats-py lower-cases the server's message)."""
        return [str(error) for error in self.errors]

    def find(self, kind: str, subject: str) -> str | None:
        """The violation for ``kind`` ("publish"/"subscription") of ``subject``*, if any."""
        needle = f'permissions violation for {kind} to "{subject}'.lower()
        return next((m for m in self.messages() if needle in m.lower()), None)

    async def wait_for(self, kind: str, subject: str, timeout_s: float) -> str:
        """Wait until the server reports the violation."""
        deadline = time.monotonic() + timeout_s
        while (found := self.find(kind, subject)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no {kind} violation for {subject!r}; errors: {self.messages()}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return found


@dataclass
class Session:
    """A connected user: the client, its JetStream context and its error log."""

    nc: Client
    js: JetStreamContext
    violations: Violations


@contextlib.asynccontextmanager
async def session(secured: SecuredNats, user: str, **overrides: Any) -> AsyncIterator[Session]:
    violations = Violations()
    nc = await nats.connect(
        **secured.connect_options(user, error_cb=violations.record, **overrides)
    )
    try:
        yield Session(nc=nc, js=nc.jetstream(timeout=JS_TIMEOUT_S), violations=violations)
    finally:
        await nc.close()


async def expect_denied(
    who: Session, action: Awaitable[Any], kind: str, subject: str, timeout_s: float = 5.0
) -> str:
    """Run ``action``; the server must refuse ``subject`` and the action must not succeed."""
    task = asyncio.ensure_future(action)
    try:
        message = await who.violations.wait_for(kind, subject, timeout_s)
        if task.done() and task.exception() is None:
            raise AssertionError(f"{subject!r} was refused but the action still succeeded")
        return message
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def provision(js: JetStreamContext, *, replicas: int = 1) -> None:
    """What the manager creates: the protocol's streams, consumers and buckets."""
    for track in TRACKS:
        stream = protocol.batch_stream(track)
        await js.add_stream(
            name=stream,
            subjects=[protocol.batch_subject(track)],
            retention=api.RetentionPolicy.WORK_QUEUE,
            num_replicas=replicas,
        )
        await js.add_consumer(
            stream,
            durable_name=protocol.BATCH_CONSUMER,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=60,
        )
    await js.create_object_store(protocol.PAYLOAD_BUCKET, replicas=replicas)
    await js.create_object_store(protocol.RESULT_BUCKET, replicas=replicas)
    # direct=True: workstations read leases with DIRECT.GET, which names the key (and so the
    # track) in the subject; the permissions depend on it.
    await js.create_key_value(bucket=LEASES, direct=True, history=1, replicas=replicas)
    # No rollups on leases: permissions cannot look at headers, and a "Nats-Rollup: all" on a
    # workstation's own key would wipe every track's leases. put/create/update/delete need none.
    lease_config = (await js.stream_info(f"KV_{LEASES}")).config
    lease_config.allow_rollup_hdrs = False
    await js.update_stream(lease_config)
    results = protocol.result_stream(PROJECT)
    await js.add_stream(
        name=results,
        subjects=[protocol.result_subject(PROJECT)],
        duplicate_window=protocol.RESULT_DUPLICATE_WINDOW_S,
        num_replicas=replicas,
    )
    await js.add_consumer(
        results, durable_name=protocol.RESULT_CONSUMER, ack_policy=api.AckPolicy.EXPLICIT
    )


async def seed(js: JetStreamContext) -> None:
    """One batch per track, a payload object and a lease on the ecg track."""
    for track in TRACKS:
        await js.publish(protocol.batch_subject(track), f"manifest {track} b1".encode())
    payloads = await js.object_store(protocol.PAYLOAD_BUCKET)
    await payloads.put(PAYLOAD_NAME, PAYLOAD)
    leases = await js.key_value(LEASES)
    await leases.put(protocol.lease_key("ecg", "b0"), b"bob")


async def stream_messages(js: JetStreamContext, stream: str) -> int:
    info = await js.stream_info(stream)
    return int(info.state.messages)


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))


# ----------------------------------------------------------------------------- provisioning


def test_manager_provisions_the_protocol(secured_nats: SecuredNats) -> None:
    async def scenario() -> None:
        async with session(secured_nats, "manager") as manager:
            await provision(manager.js)
            batches = await manager.js.stream_info(protocol.batch_stream("ct-chest"))
            assert batches.config.retention == api.RetentionPolicy.WORK_QUEUE
            results = await manager.js.stream_info(protocol.result_stream(PROJECT))
            assert results.config.duplicate_window == protocol.RESULT_DUPLICATE_WINDOW_S
            leases = await manager.js.stream_info(f"KV_{LEASES}")
            assert leases.config.allow_direct is True
            assert manager.violations.errors == []

    run(scenario())


# ----------------------------------------------------------------------------- allowed


def test_workstation_does_its_whole_job(secured_nats: SecuredNats) -> None:
    async def scenario() -> None:
        async with session(secured_nats, "manager") as manager:
            await provision(manager.js)
            await seed(manager.js)
            ct_stream = protocol.batch_stream("ct-chest")
            async with session(secured_nats, "ws-alice") as alice:
                info = await alice.js.account_info()
                assert info.streams >= 1

                # Claim a batch from the shared consumer; ack removes it from the work queue.
                batches = await alice.js.pull_subscribe(
                    protocol.batch_subject("ct-chest"),
                    durable=protocol.BATCH_CONSUMER,
                    stream=ct_stream,
                )
                (msg,) = await batches.fetch(1, timeout=JS_TIMEOUT_S)
                assert msg.data == b"manifest ct-chest b1"
                await msg.in_progress()
                await msg.ack_sync()
                assert await stream_messages(manager.js, ct_stream) == 0

                # nak redelivers; a finished batch can be deleted by sequence.
                await manager.js.publish(protocol.batch_subject("ct-chest"), b"b2")
                (msg,) = await batches.fetch(1, timeout=JS_TIMEOUT_S)
                await msg.nak()
                (again,) = await batches.fetch(1, timeout=JS_TIMEOUT_S)
                assert again.data == b"b2"
                assert again.metadata.num_delivered == 2
                assert await alice.js.delete_msg(ct_stream, again.metadata.sequence.stream)
                assert await stream_messages(manager.js, ct_stream) == 0

                # Leases of its own track: create, read, conditional update, missing key.
                leases = await alice.js.key_value(LEASES)
                key = protocol.lease_key("ct-chest", "b1")
                revision = await leases.create(key, b"alice until friday")
                assert (await leases.get(key)).value == b"alice until friday"
                await leases.update(key, b"alice until monday", last=revision)
                with pytest.raises(KeyNotFoundError):
                    await leases.get(protocol.lease_key("ct-chest", "nothing"))
                manager_leases = await manager.js.key_value(LEASES)
                assert (await manager_leases.get(key)).value == b"alice until monday"

                # Payloads: the whole object, digest checked, flow control answered.
                payloads = await alice.js.object_store(protocol.PAYLOAD_BUCKET)
                assert (await payloads.get(PAYLOAD_NAME)).data == PAYLOAD

                # Results: her own results bucket (made on first use), a large result object
                # and a result message (deduplicated).
                results = await alice.js.create_object_store(protocol.result_bucket("ws-alice"))
                await results.put("result-7c1e", b"label map")
                headers = {"Nats-Msg-Id": "result-7c1e"}
                subject = protocol.result_subject(PROJECT)
                ack = await alice.js.publish(subject, b"result", headers=headers)
                assert ack.stream == protocol.result_stream(PROJECT)
                assert not ack.duplicate
                assert (await alice.js.publish(subject, b"result", headers=headers)).duplicate

                await alice.nc.flush()
                assert alice.violations.errors == []

            # The manager sees what the workstation wrote.
            manager_results = await manager.js.object_store(protocol.result_bucket("ws-alice"))
            assert (await manager_results.get("result-7c1e")).data == b"label map"
            collector = await manager.js.pull_subscribe(
                protocol.result_subject(PROJECT),
                durable=protocol.RESULT_CONSUMER,
                stream=protocol.result_stream(PROJECT),
            )
            received = await collector.fetch(10, timeout=1)
            assert [m.data for m in received] == [b"result"]

    run(scenario())


def test_each_workstation_serves_its_own_track(secured_nats: SecuredNats) -> None:
    async def scenario() -> None:
        async with session(secured_nats, "manager") as manager:
            await provision(manager.js)
            await seed(manager.js)
            async with session(secured_nats, "ws-bob") as bob:
                sub = await bob.js.pull_subscribe_bind(
                    protocol.BATCH_CONSUMER, stream=protocol.batch_stream("ecg")
                )
                (msg,) = await sub.fetch(1, timeout=JS_TIMEOUT_S)
                assert msg.data == b"manifest ecg b1"
                await msg.ack_sync()
                leases = await bob.js.key_value(LEASES)
                assert (await leases.get(protocol.lease_key("ecg", "b0"))).value == b"bob"
                await expect_denied(
                    bob,
                    leases.get(protocol.lease_key("ct-chest", "b1")),
                    "publish",
                    "$JS.API.DIRECT.GET.KV_leases.$KV.leases.ct-chest.b1",
                )
            # Alice's batch is untouched by Bob.
            assert await stream_messages(manager.js, protocol.batch_stream("ct-chest")) == 1

    run(scenario())


def test_workstation_publishes_results_of_its_own_projects_only(secured_nats: SecuredNats) -> None:
    """ws-bob (project ecg-2026) may not publish into proj1's results stream (alice's)."""
    bobs_project = "ecg-2026"

    async def scenario() -> None:
        async with session(secured_nats, "manager") as manager:
            await provision(manager.js)
            await manager.js.add_stream(
                name=protocol.result_stream(bobs_project),
                subjects=[protocol.result_subject(bobs_project)],
            )
            async with session(secured_nats, "ws-bob") as bob:
                ack = await bob.js.publish(protocol.result_subject(bobs_project), b"his result")
                assert ack.stream == protocol.result_stream(bobs_project)
                await expect_denied(
                    bob,
                    bob.js.publish(protocol.result_subject(PROJECT), b"forged result"),
                    "publish",
                    protocol.result_subject(PROJECT),
                )
                assert bob.nc.is_connected
            assert await stream_messages(manager.js, protocol.result_stream(PROJECT)) == 0
            assert await stream_messages(manager.js, protocol.result_stream(bobs_project)) == 1

    run(scenario())


# ----------------------------------------------------------------------------- refused


@dataclass(frozen=True)
class Denied:
    """A forbidden action of ws-alice, the subject the server refuses, and a state check."""

    action: Callable[[Session], Awaitable[Any]]
    kind: str
    subject: str
    unchanged: Callable[[JetStreamContext], Awaitable[None]] | None = None


async def _fetch_other_track(alice: Session) -> Any:
    sub = await alice.js.pull_subscribe_bind(
        protocol.BATCH_CONSUMER, stream=protocol.batch_stream("ecg")
    )
    return await sub.fetch(1, timeout=JS_TIMEOUT_S)


async def _ecg_batch_still_queued(js: JetStreamContext) -> None:
    assert await stream_messages(js, protocol.batch_stream("ecg")) == 1


async def _ct_chest_batches_unchanged(js: JetStreamContext) -> None:
    assert await stream_messages(js, protocol.batch_stream("ct-chest")) == 1


async def _put_lease(alice: Session, key: str) -> Any:
    leases = await alice.js.key_value(LEASES)
    return await leases.put(key, b"alice")


async def _get_lease(alice: Session, key: str) -> Any:
    leases = await alice.js.key_value(LEASES)
    return await leases.get(key)


async def _no_ecg_b1_lease(js: JetStreamContext) -> None:
    leases = await js.key_value(LEASES)
    with pytest.raises(KeyNotFoundError):
        await leases.get(protocol.lease_key("ecg", "b1"))


async def _put_payload(alice: Session) -> Any:
    payloads = await alice.js.object_store(protocol.PAYLOAD_BUCKET)
    return await payloads.put("forged", b"not from the manager")


async def _no_forged_payload(js: JetStreamContext) -> None:
    payloads = await js.object_store(protocol.PAYLOAD_BUCKET)
    with pytest.raises(ObjectNotFoundError):
        await payloads.get_info("forged")


async def _results_unread(js: JetStreamContext) -> None:
    info = await js.consumer_info(protocol.result_stream(PROJECT), protocol.RESULT_CONSUMER)
    assert info.num_pending == 1
    consumers = await js.consumers_info(protocol.result_stream(PROJECT))
    assert [c.name for c in consumers] == [protocol.RESULT_CONSUMER]


async def _ct_chest_stream_exists(js: JetStreamContext) -> None:
    await js.stream_info(protocol.batch_stream("ct-chest"))


async def _no_evil_stream(js: JetStreamContext) -> None:
    with pytest.raises(NotFoundError):
        await js.stream_info("EVIL")


async def _only_workers_consumer(js: JetStreamContext) -> None:
    consumers = await js.consumers_info(protocol.batch_stream("ct-chest"))
    assert [c.name for c in consumers] == [protocol.BATCH_CONSUMER]


CT = protocol.batch_stream("ct-chest")
ECG = protocol.batch_stream("ecg")
DENIED: dict[str, Denied] = {
    "fetch another track's batches": Denied(
        _fetch_other_track,
        "publish",
        f"$JS.API.CONSUMER.MSG.NEXT.{ECG}.workers",
        _ecg_batch_still_queued,
    ),
    "look up another track's consumer": Denied(
        lambda a: a.js.pull_subscribe(
            protocol.batch_subject("ecg"), durable=protocol.BATCH_CONSUMER, stream=ECG
        ),
        "publish",
        f"$JS.API.CONSUMER.INFO.{ECG}.workers",
    ),
    "delete another track's batch": Denied(
        lambda a: a.js.delete_msg(ECG, 1),
        "publish",
        f"$JS.API.STREAM.MSG.DELETE.{ECG}",
        _ecg_batch_still_queued,
    ),
    "ack another track's batch": Denied(
        lambda a: a.nc.request(f"$JS.ACK.{ECG}.workers.1.1.1.1.0", b"+ACK", timeout=5),
        "publish",
        f"$JS.ACK.{ECG}.workers.",
    ),
    "add a consumer to its own track": Denied(
        lambda a: a.js.add_consumer(CT, durable_name="mine", ack_policy=api.AckPolicy.EXPLICIT),
        "publish",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{CT}.mine",
        _only_workers_consumer,
    ),
    "put another track's lease": Denied(
        lambda a: _put_lease(a, protocol.lease_key("ecg", "b1")),
        "publish",
        "$KV.leases.ecg.b1",
        _no_ecg_b1_lease,
    ),
    "get another track's lease": Denied(
        lambda a: _get_lease(a, protocol.lease_key("ecg", "b0")),
        "publish",
        "$JS.API.DIRECT.GET.KV_leases.$KV.leases.ecg.b0",
    ),
    "read leases by sequence": Denied(
        lambda a: a.js.get_msg(f"KV_{LEASES}", seq=1),
        "publish",
        f"$JS.API.STREAM.MSG.GET.KV_{LEASES}",
    ),
    "publish a batch": Denied(
        lambda a: a.js.publish(protocol.batch_subject("ct-chest"), b"forged manifest"),
        "publish",
        "batches.ct-chest",
        _ct_chest_batches_unchanged,
    ),
    "write a payload": Denied(_put_payload, "publish", "$O.payloads.C.", _no_forged_payload),
    "read results through the collector": Denied(
        lambda a: a.js.pull_subscribe(
            protocol.result_subject(PROJECT),
            durable=protocol.RESULT_CONSUMER,
            stream=protocol.result_stream(PROJECT),
        ),
        "publish",
        f"$JS.API.CONSUMER.INFO.{protocol.result_stream(PROJECT)}.collector",
        _results_unread,
    ),
    "read results through its own consumer": Denied(
        lambda a: a.js.subscribe(
            protocol.result_subject(PROJECT), stream=protocol.result_stream(PROJECT)
        ),
        "publish",
        f"$JS.API.CONSUMER.CREATE.{protocol.result_stream(PROJECT)}",
        _results_unread,
    ),
    "delete a stream": Denied(
        lambda a: a.js.delete_stream(CT),
        "publish",
        f"$JS.API.STREAM.DELETE.{CT}",
        _ct_chest_stream_exists,
    ),
    "purge a stream": Denied(
        lambda a: a.js.purge_stream(CT),
        "publish",
        f"$JS.API.STREAM.PURGE.{CT}",
        _ct_chest_batches_unchanged,
    ),
    "create a stream": Denied(
        lambda a: a.js.add_stream(name="EVIL", subjects=["evil.>"]),
        "publish",
        "$JS.API.STREAM.CREATE.EVIL",
        _no_evil_stream,
    ),
}


@pytest.mark.parametrize("case", list(DENIED.values()), ids=list(DENIED))
def test_workstation_is_refused(secured_nats: SecuredNats, case: Denied) -> None:
    async def scenario() -> None:
        async with session(secured_nats, "manager") as manager:
            await provision(manager.js)
            await seed(manager.js)
            await manager.js.publish(protocol.result_subject(PROJECT), b"someone's result")
            async with session(secured_nats, "ws-alice") as alice:
                await expect_denied(alice, case.action(alice), case.kind, case.subject)
                # Still connected: a refusal is not a disconnect.
                assert alice.nc.is_connected
            if case.unchanged is not None:
                await case.unchanged(manager.js)

    run(scenario())


@pytest.mark.parametrize(
    "subject", [protocol.result_subject(PROJECT), "_INBOX_ws-bob.>", "$KV.leases.ecg.>"]
)
def test_workstation_cannot_listen_in(secured_nats: SecuredNats, subject: str) -> None:
    """Core subscriptions outside its own inbox are refused and receive nothing."""

    async def scenario() -> None:
        async with (
            session(secured_nats, "manager") as manager,
            session(secured_nats, "ws-alice") as alice,
        ):
            sub = await alice.nc.subscribe(subject)
            await alice.violations.wait_for("subscription", subject, 5.0)
            await manager.nc.publish(subject.replace(">", "x"), b"not for alice")
            await manager.nc.flush()
            with pytest.raises(nats.errors.TimeoutError):
                await sub.next_msg(timeout=0.3)

    run(scenario())


def test_workstation_cannot_wipe_leases_with_a_rollup(secured_nats: SecuredNats) -> None:
    async def scenario() -> None:
        async with session(secured_nats, "manager") as manager:
            await provision(manager.js)
            await seed(manager.js)
            async with session(secured_nats, "ws-alice") as alice:
                with pytest.raises(nats.js.errors.APIError, match="rollup not permitted"):
                    await alice.js.publish(
                        "$KV.leases.ct-chest.b1", b"", headers={"Nats-Rollup": "all"}
                    )
            leases = await manager.js.key_value(LEASES)
            assert (await leases.get(protocol.lease_key("ecg", "b0"))).value == b"bob"

    run(scenario())


def test_workstation_cannot_wipe_another_workstations_results(secured_nats: SecuredNats) -> None:
    """Object store puts need rollups, which permissions cannot filter: hence one results
    bucket per workstation user, which only that user (and the manager) may write."""

    async def scenario() -> None:
        async with session(secured_nats, "manager") as manager:
            await provision(manager.js)
            bobs = protocol.result_bucket("ws-bob")
            async with session(secured_nats, "ws-bob") as bob:
                results = await bob.js.create_object_store(bobs)
                await results.put("bobs-result", b"label map")
            async with session(secured_nats, "ws-alice") as alice:
                with contextlib.suppress(nats.errors.Error):
                    await alice.js.publish(f"$O.{bobs}.M.x", b"{}", headers={"Nats-Rollup": "all"})
                with contextlib.suppress(nats.errors.Error):
                    await alice.js.purge_stream(f"OBJ_{bobs}")
                await alice.nc.flush()
                assert alice.violations.errors, "alice's writes to bob's bucket were not refused"
            kept = await manager.js.object_store(bobs)
            assert (await kept.get("bobs-result")).data == b"label map"

    run(scenario())


def test_workstation_must_use_its_inbox_prefix(secured_nats: SecuredNats) -> None:
    async def scenario() -> None:
        async with session(secured_nats, "ws-alice", inbox_prefix=b"_INBOX") as alice:
            await expect_denied(alice, alice.js.account_info(), "subscription", "_INBOX.")

    run(scenario())


# ----------------------------------------------------------------------------- TLS and auth


def test_client_without_the_ca_fails_tls(secured_nats: SecuredNats) -> None:
    options = secured_nats.connect_options("ws-alice", tls=ssl.create_default_context())
    with pytest.raises(ssl.SSLCertVerificationError, match="CERTIFICATE_VERIFY_FAILED"):
        run(nats.connect(**options))


def test_plain_connection_is_upgraded_and_verified(secured_nats: SecuredNats) -> None:
    """A ``nats://`` URL still gets TLS (the server requires it), so an unknown CA fails."""
    plain = secured_nats.url.replace("tls://", "nats://")
    options = secured_nats.connect_options("ws-alice", servers=[plain], tls=None)
    with pytest.raises(ssl.SSLCertVerificationError):
        run(nats.connect(**options))


@pytest.mark.parametrize(("user", "password"), [("ws-alice", "wrong"), ("ws-mallory", "x")])
def test_wrong_credentials_are_refused(secured_nats: SecuredNats, user: str, password: str) -> None:
    options = secured_nats.connect_options("ws-alice", user=user, password=password)
    with pytest.raises(nats.errors.Error, match=r"(?i)authorization violation"):
        run(nats.connect(**options))


# ----------------------------------------------------------------------------- configuration


def test_rendered_configuration_passes_the_server_config_test(
    tmp_path: Path, test_ca: LocalCA
) -> None:
    if NATS_SERVER is None:
        pytest.skip("nats-server is not installed")
    carol = UserSpec("ws-carol", "p$2a$quote\"'\\", "workstation", ("ct-chest", "ecg"))
    users = [*example_users().values(), carol]
    conf = tmp_path / "nats.conf"
    conf.write_text(
        render_server_config(
            port=4222,
            store_dir=tmp_path / "js",
            users=users,
            tls=test_ca.server_tls,
            cluster=None,
            server_name="caliper-1",
            http_port=8222,
        )
    )
    check = subprocess.run(
        [NATS_SERVER, "-t", "-c", str(conf)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr + check.stdout
    assert "valid" in check.stderr + check.stdout


def test_password_with_special_characters_is_kept_literally(
    tmp_path: Path, test_ca: LocalCA
) -> None:
    if NATS_SERVER is None:
        pytest.skip("nats-server is not installed")
    password = "p$2a$quote\"'\\ {x}"
    user = UserSpec("manager", password, "manager")
    with NatsServer(tmp_path / "nats", users=[user], tls=test_ca.server_tls) as server:

        async def scenario() -> None:
            nc = await nats.connect(
                server.url, user="manager", password=password, tls=test_ca.client_context()
            )
            await nc.close()

        run(scenario())


REPO = Path(__file__).resolve().parents[2]


def _load_render() -> Any:
    """``packaging/queue/render.py`` (a script: packaging/ is not a package)."""
    path = REPO / "packaging" / "queue" / "render.py"
    spec = importlib.util.spec_from_file_location("caliper_queue_render", path)
    assert spec is not None and spec.loader is not None
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_example_site_files_are_up_to_date() -> None:
    render = _load_render()
    assert render.main(["--check"]) == 0, "run packaging/queue/render.py"
    single = (REPO / "packaging/queue/single/nats-server.conf").read_text()
    assert "$CALIPER_QUEUE_PASSWORD_WS_ALICE" in single
    assert '"$KV.leases.ct-chest.>"' in single


CLUSTER_HOSTS = ("q1.site", "q2.site", "q3.site")


@pytest.mark.parametrize("nodes", [(), CLUSTER_HOSTS], ids=["single", "cluster"])
def test_site_files_pass_the_server_config_test(
    tmp_path: Path, test_ca: LocalCA, nodes: tuple[str, ...]
) -> None:
    """Each file a site gets is valid for ``nats-server -t`` once its TLS files and passwords
    exist (the example paths under /etc do not exist here, so they point at the test CA)."""
    if NATS_SERVER is None:
        pytest.skip("nats-server is not installed")
    render = _load_render()
    tls_dir = tmp_path / "tls"
    tls_dir.mkdir()
    for source, name in [
        (test_ca.cert_file, "server.pem"),
        (test_ca.key_file, "server-key.pem"),
        (test_ca.ca_file, "ca.pem"),
    ]:
        (tls_dir / name).write_bytes(source.read_bytes())
    site = render.Site(
        users=render.example_site().users,
        nodes=nodes,
        store_dir=str(tmp_path / "js"),
        tls_dir=str(tls_dir),
    )
    files = render.render_site(site)
    assert len(files) == (3 if nodes else 1)
    env = {user.password.name: f'pw-{user.name}-$"' for user in site.users}
    for name, text in files.items():
        conf = tmp_path / name
        conf.write_text(text)
        check = subprocess.run(
            [NATS_SERVER, "-t", "-c", str(conf)],
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": "/usr/bin:/bin", **env},
        )
        assert check.returncode == 0, check.stderr + check.stdout
        # Without the password variables the server refuses to start.
        missing = subprocess.run(
            [NATS_SERVER, "-t", "-c", str(conf)],
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": "/usr/bin:/bin"},
        )
        assert missing.returncode != 0
        assert "CALIPER_QUEUE_PASSWORD_MANAGER" in missing.stderr + missing.stdout


def test_password_from_the_environment_is_used(tmp_path: Path, test_ca: LocalCA) -> None:
    """A server started with ``$CALIPER_QUEUE_PASSWORD_*`` accepts exactly that password."""
    if NATS_SERVER is None:
        pytest.skip("nats-server is not installed")
    variable = password_variable("manager")
    conf = tmp_path / "nats.conf"
    port = free_port()
    conf.write_text(
        render_server_config(
            port=port,
            store_dir=tmp_path / "js",
            users=[UserSpec("manager", variable, "manager")],
            tls=test_ca.server_tls,
            cluster=None,
            server_name="env-test",
            host="127.0.0.1",
        )
    )
    process = subprocess.Popen(
        [NATS_SERVER, "-c", str(conf), "-l", str(tmp_path / "log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={variable.name: "from-the-env"},
    )
    log = tmp_path / "log"
    try:
        deadline = time.monotonic() + 10
        while not (log.exists() and "Server is ready" in log.read_text()):
            assert process.poll() is None, log.read_text() if log.exists() else "no log"
            assert time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.01)

        async def scenario() -> None:
            url = f"tls://127.0.0.1:{port}"
            nc = await nats.connect(
                url,
                user="manager",
                password="from-the-env",
                tls=test_ca.client_context(),
                allow_reconnect=False,
            )
            await nc.close()
            with pytest.raises(nats.errors.Error, match=r"(?i)authorization violation"):
                await nats.connect(
                    url,
                    user="manager",
                    password="CALIPER_QUEUE_PASSWORD_MANAGER",
                    tls=test_ca.client_context(),
                    allow_reconnect=False,
                )

        run(scenario())
    finally:
        process.terminate()
        process.wait(10)


# ----------------------------------------------------------------------------- cluster


async def _retry(action: Callable[[], Awaitable[Any]], timeout_s: float = 20.0) -> Any:
    """Repeat ``action`` while the cluster elects new leaders."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return await action()
        except (nats.errors.Error, TimeoutError) as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"still failing after {timeout_s} s") from error
            await asyncio.sleep(0.2)


async def _messages_are(js: JetStreamContext, stream: str, count: int) -> bool:
    return bool((await js.stream_info(stream)).state.messages == count)


async def _until(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    """Wait until ``check`` holds (acks reach the stream asynchronously in a cluster)."""
    deadline = time.monotonic() + timeout_s
    while not await _retry(check):
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.1)


@pytest.mark.slow
def test_replicated_stream_survives_a_node_crash(nats_cluster: NatsCluster) -> None:
    stream = protocol.batch_stream("ct-chest")
    subject = protocol.batch_subject("ct-chest")

    async def scenario() -> None:
        nc = await nats.connect(
            nats_cluster.urls,
            reconnect_time_wait=0.1,
            max_reconnect_attempts=-1,
            connect_timeout=2,
        )
        try:
            js = nc.jetstream(timeout=2)
            await js.add_stream(
                name=stream,
                subjects=[subject],
                retention=api.RetentionPolicy.WORK_QUEUE,
                num_replicas=3,
            )
            await js.add_consumer(
                stream, durable_name=protocol.BATCH_CONSUMER, ack_policy=api.AckPolicy.EXPLICIT
            )
            await js.publish(subject, b"before")
            info = await js.stream_info(stream)
            assert info.cluster is not None
            assert len(info.cluster.replicas or []) == 2

            # Crash the stream leader: the hardest node to lose.
            names = [node.name for node in nats_cluster.nodes]
            leader = names.index(str(info.cluster.leader))
            nats_cluster.kill(leader)

            # A publish can be stored although its ack is lost in the election; the message
            # id makes the retry idempotent (as the manager does for every batch).
            after_id = {"Nats-Msg-Id": "batch-after"}
            await _retry(lambda: js.publish(subject, b"after", headers=after_id))
            sub = await _retry(
                lambda: js.pull_subscribe_bind(protocol.BATCH_CONSUMER, stream=stream)
            )
            fetched: list[bytes] = []
            while len(fetched) < 2:
                msgs = await _retry(lambda: sub.fetch(2 - len(fetched), timeout=2))
                for msg in msgs:
                    await _retry(msg.ack_sync)
                    fetched.append(msg.data)
            assert fetched == [b"before", b"after"]
            await _until(lambda: _messages_are(js, stream, 0))

            # The crashed node comes back and catches up.
            nats_cluster.restart(leader)
            await js.publish(subject, b"back")
            deadline = time.monotonic() + 20
            while True:
                info = await _retry(lambda: js.stream_info(stream))
                replicas = info.cluster.replicas if info.cluster else None
                peers = {str(info.cluster.leader)} | {p.name for p in replicas or []}
                caught_up = all(p.current and not p.offline for p in replicas or [])
                if peers == set(names) and caught_up:
                    break
                assert time.monotonic() < deadline, f"replicas not current: {replicas}"
                await asyncio.sleep(0.2)
            assert info.state.messages == 1
        finally:
            await nc.close()

    run(scenario())


def test_adding_a_workstation_by_reload(secured_nats: SecuredNats) -> None:
    """A new workstation user appears on SIGHUP; connected workstations keep working."""
    carol = UserSpec("ws-carol", "carol-password", "workstation", ("ecg",))

    async def scenario() -> None:
        async with session(secured_nats, "manager") as manager:
            await provision(manager.js)
            await seed(manager.js)
            async with session(secured_nats, "ws-alice") as alice:
                secured_nats.server.reload([*secured_nats.users.values(), carol])
                secured_nats.users[carol.name] = carol
                async with session(secured_nats, "ws-carol") as new:
                    sub = await new.js.pull_subscribe_bind(
                        protocol.BATCH_CONSUMER, stream=protocol.batch_stream("ecg")
                    )
                    (msg,) = await sub.fetch(1, timeout=JS_TIMEOUT_S)
                    assert msg.data == b"manifest ecg b1"
                    await msg.ack_sync()
                    await expect_denied(
                        new,
                        new.js.publish(protocol.batch_subject("ecg"), b"x"),
                        "publish",
                        "batches.ecg",
                    )
                assert alice.nc.is_connected
                leases = await alice.js.key_value(LEASES)
                assert await leases.put(protocol.lease_key("ct-chest", "b1"), b"still here")

    run(scenario())
