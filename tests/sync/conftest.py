"""Fixtures for the sync tests: real nats-server processes (open, secured, clustered)."""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.sync.nats_fixtures import (
    NATS_SERVER,
    SKIP_REASON,
    LocalCA,
    NatsCluster,
    NatsServer,
    make_test_ca,
)
from workspace.sync.permissions import UserSpec

#: Example site users: the manager and one workstation per track.
ALICE_TRACKS = ("ct-chest",)
BOB_TRACKS = ("ecg",)
#: The projects whose results each workstation may publish (the sync tests' and the
#: permission tests' projects for alice; an ECG study for bob).
ALICE_PROJECTS = ("notes-2026", "proj1")
BOB_PROJECTS = ("ecg-2026",)


def _require_nats_server() -> None:
    if NATS_SERVER is None:
        pytest.skip(SKIP_REASON)


@dataclass(frozen=True)
class SecuredNats:
    """A TLS server with the example users; :meth:`connect_options` for nats-py."""

    server: NatsServer
    ca: LocalCA
    users: dict[str, UserSpec]

    @property
    def url(self) -> str:
        """The ``tls://`` client URL."""
        return self.server.url

    def connect_options(self, user: str, /, **overrides: Any) -> dict[str, Any]:
        """``nats.connect`` keyword arguments for ``user`` (TLS with the test CA, own inbox)."""
        spec = self.users[user]
        options: dict[str, Any] = {
            "servers": [self.url],
            "user": spec.name,
            "password": spec.password,
            "tls": self.ca.client_context(),
            "inbox_prefix": spec.inbox_prefix.encode(),
            "allow_reconnect": False,
            "connect_timeout": 2,
        }
        options.update(overrides)
        return options

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context trusting the test CA."""
        return self.ca.client_context()


def example_users() -> dict[str, UserSpec]:
    """manager, ws-alice (ct-chest) and ws-bob (ecg) with fresh random passwords."""
    users = [
        UserSpec("manager", secrets.token_urlsafe(16), "manager"),
        UserSpec(
            "ws-alice", secrets.token_urlsafe(16), "workstation", ALICE_TRACKS, ALICE_PROJECTS
        ),
        UserSpec("ws-bob", secrets.token_urlsafe(16), "workstation", BOB_TRACKS, BOB_PROJECTS),
    ]
    return {user.name: user for user in users}


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    """A CA and a server certificate for 127.0.0.1/localhost, made once per session."""
    return make_test_ca(tmp_path_factory.mktemp("nats-ca"))


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """An open JetStream server (no users, no TLS) on a free loopback port."""
    _require_nats_server()
    with NatsServer(tmp_path / "nats") as server:
        yield server


@pytest.fixture
def secured_nats(tmp_path: Path, test_ca: LocalCA) -> Iterator[SecuredNats]:
    """A JetStream server requiring TLS and a password, with the example site users."""
    _require_nats_server()
    users = example_users()
    server = NatsServer(tmp_path / "nats", users=list(users.values()), tls=test_ca.server_tls)
    with server:
        yield SecuredNats(server=server, ca=test_ca, users=users)


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    """Three routed JetStream nodes on loopback (open, no TLS), all healthy."""
    _require_nats_server()
    with NatsCluster(tmp_path / "cluster") as cluster:
        yield cluster
