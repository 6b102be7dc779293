"""nats-server configuration for the Caliper queue: users, permissions, TLS and clustering.

Pure text generation, no I/O: ``packaging/queue/render.py`` writes the example site files with
it and the tests start real servers from it, so the permissions a site deploys are the ones the
tests check. Every subject is built from the names in :mod:`workspace.sync.protocol`.

A workstation user gets an allow-list of exactly what nats-py 2.16 sends for the workstation's
jobs (pull batches of its own tracks, read and write its own tracks' leases, read payloads,
write results) plus a deny-list that keeps the dangerous subjects closed even if the allow-list
is widened later. The manager may do everything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from workspace.sync import protocol

Role = Literal["workstation", "manager"]

#: The JetStream API prefix (no domain).
JS_API = "$JS.API"

DEFAULT_CLIENT_PORT = 4222
DEFAULT_CLUSTER_PORT = 6222
DEFAULT_HTTP_PORT = 8222


def kv_stream(bucket: str) -> str:
    """The stream behind KV bucket ``bucket``."""
    return f"KV_{bucket}"


def object_stream(bucket: str) -> str:
    """The stream behind object store bucket ``bucket``."""
    return f"OBJ_{bucket}"


def inbox_prefix_for(user: str) -> str:
    """The inbox prefix user ``user`` connects with (nats-py ``inbox_prefix``).

    A per-user prefix lets the server confine each workstation's subscriptions to its own
    replies, so no workstation can read another's API responses.
    """
    return "_INBOX_" + protocol.check_name("User", user)


def _track_publish(track: str) -> list[str]:
    """What a workstation may publish for one of its tracks."""
    stream = protocol.batch_stream(track)
    consumer = protocol.BATCH_CONSUMER
    lease_subjects = f"$KV.{protocol.LEASE_BUCKET}.{track}.>"
    return [
        # PullSubscription: pull_subscribe(durable=...) looks the consumer up, fetch() pulls.
        f"{JS_API}.CONSUMER.INFO.{stream}.{consumer}",
        f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        # Msg.ack() / nak() / in_progress() / term() reply to $JS.ACK.<stream>.<consumer>....
        f"$JS.ACK.{stream}.{consumer}.>",
        # JetStreamManager.delete_msg(stream, seq): drop a finished batch.
        f"{JS_API}.STREAM.MSG.DELETE.{stream}",
        # KeyValue.put / create / update / delete publish on the key's subject.
        lease_subjects,
        # KeyValue.get on a bucket with allow_direct: the key is in the request subject.
        f"{JS_API}.DIRECT.GET.{kv_stream(protocol.LEASE_BUCKET)}.{lease_subjects}",
    ]


def _audit_head_publish(user: str) -> list[str]:
    """What a workstation may publish for its own audit-head bucket (``audit-<user>``).

    It creates the bucket's stream itself (without rollups, deletes or purges, so it can
    only add heads), reads the config when it opens the bucket, puts heads, and reads them
    back with a direct get. Nobody else's bucket is reachable.
    """
    stream = kv_stream(protocol.audit_bucket(user))
    return [
        f"{JS_API}.STREAM.CREATE.{stream}",
        f"{JS_API}.STREAM.INFO.{stream}",
        f"$KV.{protocol.audit_bucket(user)}.>",
        f"{JS_API}.DIRECT.GET.{stream}.>",
    ]


def workstation_permissions(
    tracks: Sequence[str], inbox_prefix: str, user: str, projects: Sequence[str] = ()
) -> dict[str, object]:
    """The ``permissions`` block of a workstation user serving ``tracks`` of ``projects``.

    It may publish results only on the results subjects of its own ``projects``
    (``results.<p>``); with no projects it may publish none.

    The lease bucket must be created with ``direct=True`` (allow_direct): a direct get names the
    key in its subject, so the server can confine reads to the user's tracks; the non-direct
    ``STREAM.MSG.GET`` would expose every key and is not granted. Permissions cannot filter
    headers, so the lease stream must also refuse rollups (``allow_rollup_hdrs=False``).
    """
    leases = kv_stream(protocol.LEASE_BUCKET)
    payloads = object_stream(protocol.PAYLOAD_BUCKET)
    result_bucket = protocol.result_bucket(user)
    results = object_stream(result_bucket)
    publish: list[str] = [f"{JS_API}.INFO"]
    for track in tracks:
        publish += _track_publish(track)
    publish += [
        # JetStreamContext.key_value(bucket) reads the stream config once.
        f"{JS_API}.STREAM.INFO.{leases}",
        # ObjectStore.get: bucket lookup, meta message, an ordered push consumer for the
        # chunks (subscribe() finds the stream by subject first) and its flow-control replies.
        f"{JS_API}.STREAM.INFO.{payloads}",
        f"{JS_API}.STREAM.NAMES",
        f"{JS_API}.STREAM.MSG.GET.{payloads}",
        f"{JS_API}.CONSUMER.CREATE.{payloads}",
        f"$JS.FC.{payloads}.>",
        # Its own results bucket: created on first use; ObjectStore.put looks the bucket up,
        # reads the existing meta (get_info), publishes chunks and meta, purges replaced chunks.
        f"{JS_API}.STREAM.CREATE.{results}",
        f"{JS_API}.STREAM.INFO.{results}",
        f"{JS_API}.STREAM.MSG.GET.{results}",
        f"{JS_API}.DIRECT.GET.{results}.>",
        f"{JS_API}.STREAM.PURGE.{results}",
        f"$O.{result_bucket}.C.>",
        f"$O.{result_bucket}.M.>",
        # Result messages of its own projects only (JetStream publish; the ack comes back
        # on the inbox).
        *(protocol.result_subject(project) for project in projects),
        # Its audit chain head, published at every sync.
        *_audit_head_publish(user),
    ]
    deny_publish = [
        protocol.BATCH_SUBJECT_PREFIX + ">",
        f"$O.{protocol.PAYLOAD_BUCKET}.>",
        f"{JS_API}.STREAM.UPDATE.>",
        f"{JS_API}.STREAM.DELETE.>",
        f"{JS_API}.CONSUMER.DURABLE.CREATE.>",
        f"{JS_API}.CONSUMER.DELETE.>",
    ]
    return {
        "publish": {"allow": publish, "deny": deny_publish},
        "subscribe": {
            "allow": [f"{inbox_prefix}.>"],
            "deny": [
                protocol.BATCH_SUBJECT_PREFIX + ">",
                protocol.RESULT_SUBJECT_PREFIX + ">",
                "$KV.>",
                "$O.>",
            ],
        },
    }


def manager_permissions() -> dict[str, object]:
    """The ``permissions`` block of the manager: everything."""
    return {"publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}}


_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@dataclass(frozen=True)
class EnvVar:
    """A value the server reads from its environment when it loads the file (``$NAME``).

    Keeps passwords out of configuration files: the site puts them in a root-only environment
    file (systemd ``EnvironmentFile=``) instead.
    """

    name: str

    def __post_init__(self) -> None:
        if not _ENV_NAME.match(self.name):
            raise ValueError(f"{self.name!r} is not an environment variable name (A-Z, 0-9, _)")


def password_variable(user: str) -> EnvVar:
    """The conventional environment variable of ``user``'s password."""
    name = protocol.check_name("User", user)
    return EnvVar("CALIPER_QUEUE_PASSWORD_" + name.upper().replace("-", "_"))


@dataclass(frozen=True)
class UserSpec:
    """One queue account: the manager, or a workstation serving some tracks of some projects.

    ``password`` is the plain text, a bcrypt hash (``$2a$...``, which nats-server accepts) or
    an :class:`EnvVar` the server resolves at start-up.
    """

    name: str
    password: str | EnvVar
    role: Role
    tracks: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        protocol.check_name("User", self.name)
        for track in self.tracks:
            protocol.check_name("Track", track)
        for project in self.projects:
            protocol.check_name("Project", project)
        if self.role not in ("workstation", "manager"):
            raise ValueError(f"unknown role {self.role!r} for user {self.name!r}")

    @property
    def inbox_prefix(self) -> str:
        """The ``inbox_prefix`` this user must connect with."""
        return inbox_prefix_for(self.name)

    def permissions(self) -> dict[str, object]:
        """This user's ``permissions`` block."""
        if self.role == "manager":
            return manager_permissions()
        return workstation_permissions(
            list(self.tracks), self.inbox_prefix, self.name, list(self.projects)
        )


@dataclass(frozen=True)
class TlsFiles:
    """PEM files of a TLS listener; ``verify`` also demands client certificates."""

    cert_file: Path
    key_file: Path
    ca_file: Path | None = None
    verify: bool = False
    timeout_s: float = 2.0


@dataclass(frozen=True)
class ClusterSpec:
    """The route listener of one node and the routes to its peers."""

    name: str
    port: int = DEFAULT_CLUSTER_PORT
    routes: tuple[str, ...] = ()
    host: str = "0.0.0.0"  # noqa: S104 - a cluster node listens on the site network
    tls: TlsFiles | None = None


def _tls_block(tls: TlsFiles) -> dict[str, object]:
    block: dict[str, object] = {
        "cert_file": str(tls.cert_file),
        "key_file": str(tls.key_file),
    }
    if tls.ca_file is not None:
        block["ca_file"] = str(tls.ca_file)
    if tls.verify:
        block["verify"] = True
    block["timeout"] = tls.timeout_s
    return block


def server_config(
    *,
    port: int,
    store_dir: str | Path,
    users: Sequence[UserSpec],
    tls: TlsFiles | None,
    cluster: ClusterSpec | None,
    server_name: str,
    http_port: int | None = None,
    host: str = "0.0.0.0",  # noqa: S104 - a queue server listens on the site network
    http_host: str | None = None,
) -> dict[str, object]:
    """The server configuration as a nested mapping (see :func:`render_server_config`)."""
    conf: dict[str, object] = {
        "server_name": server_name,
        "listen": f"{host}:{port}",
    }
    if http_port is not None:
        conf["http"] = f"{http_host or host}:{http_port}"
    conf["jetstream"] = {"store_dir": str(store_dir)}
    if tls is not None:
        conf["tls"] = _tls_block(tls)
    if users:
        names = [user.name for user in users]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate queue users: {', '.join(duplicates)}")
        conf["authorization"] = {
            "users": [
                {"user": user.name, "password": user.password, "permissions": user.permissions()}
                for user in users
            ]
        }
    if cluster is not None:
        block: dict[str, object] = {
            "name": cluster.name,
            "listen": f"{cluster.host}:{cluster.port}",
            "routes": list(cluster.routes),
        }
        if cluster.tls is not None:
            block["tls"] = _tls_block(cluster.tls)
        conf["cluster"] = block
    return conf


def render_server_config(
    *,
    port: int,
    store_dir: str | Path,
    users: Sequence[UserSpec],
    tls: TlsFiles | None,
    cluster: ClusterSpec | None,
    server_name: str,
    http_port: int | None = None,
    host: str = "0.0.0.0",  # noqa: S104 - a queue server listens on the site network
    http_host: str | None = None,
) -> str:
    """A nats-server ``.conf`` file: JetStream, users and permissions, optional TLS and cluster.

    ``host`` is the client (and default monitoring) listen address; ``http_host`` lets the
    monitoring port stay on loopback. ``users`` empty means no authorization block (an open
    server, for tests only).
    """
    conf = server_config(
        port=port,
        store_dir=store_dir,
        users=users,
        tls=tls,
        cluster=cluster,
        server_name=server_name,
        http_port=http_port,
        host=host,
        http_host=http_host,
    )
    header = (
        "# nats-server configuration for the Caliper queue "
        f"(sync protocol v{protocol.PROTOCOL_VERSION}).\n"
        "# Generated from workspace.sync.permissions (packaging/queue/render.py);\n"
        "# change the generator, not this file.\n"
    )
    return header + "".join(_render_entry(key, value, 0) for key, value in conf.items())


def _quote(value: str) -> str:
    """A double-quoted config string (the nats config syntax accepts JSON strings)."""
    return json.dumps(value)


def _render_value(value: object, depth: int) -> str:
    pad = "  " * depth
    if isinstance(value, EnvVar):
        return "$" + value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return _quote(str(value))
    if isinstance(value, Mapping):
        body = "".join(_render_entry(str(k), v, depth + 1) for k, v in value.items())
        return "{\n" + body + pad + "}"
    if isinstance(value, Sequence):
        if len(value) <= 1:
            return "[" + ", ".join(_render_value(item, depth + 1) for item in value) + "]"
        items = "".join(f"{pad}  {_render_value(item, depth + 1)}\n" for item in value)
        return "[\n" + items + pad + "]"
    raise TypeError(f"cannot render {type(value).__name__} in a nats-server config")


def _render_entry(key: str, value: object, depth: int) -> str:
    pad = "  " * depth
    separator = " " if isinstance(value, Mapping) else ": "
    return f"{pad}{key}{separator}{_render_value(value, depth)}\n"
