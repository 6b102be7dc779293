"""Real nats-server processes for the sync tests: one server, a 3-node cluster, a test CA.

Servers run from configuration rendered by :mod:`workspace.sync.permissions`, so the tests
exercise the same users and permissions a site deploys. Every server binds 127.0.0.1 on free
ports and keeps its JetStream store in a test directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from workspace.sync.permissions import ClusterSpec, TlsFiles, UserSpec, render_server_config

NATS_SERVER = shutil.which("nats-server") or (
    "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None
)
SKIP_REASON = "nats-server is not installed (apt-get install nats-server, or put it on PATH)"

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 10.0
_PORT_ATTEMPTS = 5


class NatsStartError(RuntimeError):
    """nats-server exited or never became ready."""


def free_port() -> int:
    """A TCP port free on loopback right now (the caller retries if it is taken meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((LOOPBACK, port)) == 0


# ----------------------------------------------------------------------------- test CA


@dataclass(frozen=True)
class LocalCA:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    @property
    def server_tls(self) -> TlsFiles:
        """The server's ``tls`` block files."""
        return TlsFiles(cert_file=self.cert_file, key_file=self.key_file, ca_file=self.ca_file)

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting only this CA (hostname checked against the IP SAN)."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def make_test_ca(directory: Path) -> LocalCA:
    """Write ``ca.pem``, ``server.pem`` and ``server-key.pem`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Caliper test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca = LocalCA(
        ca_file=directory / "ca.pem",
        cert_file=directory / "server.pem",
        key_file=directory / "server-key.pem",
    )
    ca.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    ca.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(ca.key_file, key)
    return ca


# ----------------------------------------------------------------------------- one server


class NatsServer:
    """One nats-server process with JetStream, on loopback.

    Ports are chosen when the server first starts (retried if another process takes one in
    between) and kept for :meth:`restart`, as is the JetStream store.
    """

    def __init__(
        self,
        directory: Path,
        *,
        users: Sequence[UserSpec] = (),
        tls: TlsFiles | None = None,
        name: str = "caliper-test",
        cluster_name: str | None = None,
        port: int | None = None,
        cluster_port: int | None = None,
        routes: Sequence[str] = (),
        http_port: int | None = None,
    ) -> None:
        if NATS_SERVER is None:
            raise NatsStartError(SKIP_REASON)
        self.directory = directory
        self.users = tuple(users)
        self.tls = tls
        self.name = name
        self.cluster_name = cluster_name
        self.port = port
        self.cluster_port = cluster_port
        self.routes = tuple(routes)
        self.http_port = http_port
        self.store_dir = directory / "jetstream"
        self.config_file = directory / "nats-server.conf"
        self.log_file = directory / "nats-server.log"
        self._process: subprocess.Popen[bytes] | None = None

    # -- addresses
    @property
    def url(self) -> str:
        """The client URL (``tls://`` when the server requires TLS)."""
        if self.port is None:
            raise NatsStartError("the server has not been started yet")
        scheme = "tls" if self.tls is not None else "nats"
        return f"{scheme}://{LOOPBACK}:{self.port}"

    @property
    def route_url(self) -> str:
        """The URL peers route to."""
        if self.cluster_port is None:
            raise NatsStartError("not a cluster node")
        return f"nats-route://{LOOPBACK}:{self.cluster_port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id while running."""
        return self._process.pid if self.running and self._process else None

    def log_text(self) -> str:
        """The server log so far (for failure messages)."""
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- configuration
    def assign_ports(self) -> None:
        """Pick free loopback ports for whatever listener has none yet."""
        if self.port is None:
            self.port = free_port()
        if self.http_port is None:
            self.http_port = free_port()
        if self.cluster_name is not None and self.cluster_port is None:
            self.cluster_port = free_port()

    def write_config(self) -> Path:
        """Render the configuration for the current ports."""
        assert self.port is not None
        cluster = None
        if self.cluster_name is not None:
            assert self.cluster_port is not None
            own = f"nats-route://{LOOPBACK}:{self.cluster_port}"
            cluster = ClusterSpec(
                name=self.cluster_name,
                port=self.cluster_port,
                host=LOOPBACK,
                routes=tuple(route for route in self.routes if route != own),
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            render_server_config(
                port=self.port,
                store_dir=self.store_dir,
                users=self.users,
                tls=self.tls,
                cluster=cluster,
                server_name=self.name,
                http_port=self.http_port,
                host=LOOPBACK,
            )
        )
        return self.config_file

    # -- life cycle
    def start(self, *, wait: bool = True) -> NatsServer:
        """Start the server; on a port clash before the first start, retry with new ports."""
        fixed_ports = self.port is not None
        for attempt in range(_PORT_ATTEMPTS):
            self.assign_ports()
            self.launch()
            if not wait:
                return self
            try:
                self.wait_ready()
            except NatsStartError:
                in_use = "address already in use" in self.log_text().lower()
                self.kill()
                if fixed_ports or not in_use or attempt == _PORT_ATTEMPTS - 1:
                    raise
                self.port = self.http_port = self.cluster_port = None
                continue
            return self
        raise AssertionError("unreachable")

    def launch(self) -> None:
        """Spawn the process (configuration rewritten, log truncated)."""
        if self.running:
            raise NatsStartError(f"{self.name} is already running")
        assert NATS_SERVER is not None
        self.write_config()
        self.log_file.write_text("")
        self._process = subprocess.Popen(
            [NATS_SERVER, "-c", str(self.config_file), "-l", str(self.log_file)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Block until the server logs "Server is ready" and accepts TCP connections."""
        assert self.port is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.running:
                raise NatsStartError(f"{self.name} exited:\n{self.log_text()}")
            if "Server is ready" in self.log_text() and _port_open(self.port):
                return
            time.sleep(0.01)
        raise NatsStartError(f"{self.name} not ready after {timeout_s} s:\n{self.log_text()}")

    def jetstream_healthy(self, *, server_only: bool = False) -> bool:
        """Whether ``/healthz`` reports the server (and its JetStream) healthy.

        ``server_only`` checks the server and its contact with the meta leader but not every
        stream and consumer replica: nats-server 2.9 reports an idle consumer replica of a
        restarted node "not current" until the consumer sees activity.
        """
        if self.http_port is None or not self.running:
            return False
        query = "?js-server-only=true" if server_only else ""
        url = f"http://{LOOPBACK}:{self.http_port}/healthz{query}"
        try:
            with urllib.request.urlopen(url, timeout=0.5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self, timeout_s: float = 10.0) -> None:
        """Graceful shutdown (SIGTERM), SIGKILL if it does not exit in time."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._process = None

    def kill(self) -> None:
        """SIGKILL: a crash, JetStream gets no chance to flush."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
        self._process = None

    def restart(self, *, wait: bool = True) -> NatsServer:
        """Stop if running, then start again on the same ports with the same store."""
        self.stop()
        self.launch()
        if wait:
            self.wait_ready()
        return self

    def reload(self, users: Sequence[UserSpec] | None = None, timeout_s: float = 5.0) -> None:
        """Rewrite the configuration (optionally with new users) and send SIGHUP.

        Blocks until the server logs that it reloaded; raises with the log if it refused.
        """
        if not self.running or self._process is None:
            raise NatsStartError(f"{self.name} is not running")
        if users is not None:
            self.users = tuple(users)
        self.write_config()
        before = self.log_text().count("Reloaded server configuration")
        os.kill(self._process.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout_s
        while self.log_text().count("Reloaded server configuration") == before:
            if "Failed to reload" in self.log_text() or time.monotonic() > deadline:
                raise NatsStartError(f"{self.name} did not reload:\n{self.log_text()}")
            time.sleep(0.01)

    def __enter__(self) -> NatsServer:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# ----------------------------------------------------------------------------- cluster


class NatsCluster:
    """Three routed JetStream nodes on loopback (streams with ``num_replicas=3`` work)."""

    def __init__(
        self,
        directory: Path,
        *,
        size: int = 3,
        users: Sequence[UserSpec] = (),
        name: str = "caliper-test",
    ) -> None:
        self.directory = directory
        self.name = name
        self.nodes = [
            NatsServer(
                directory / f"node-{index}",
                users=users,
                name=f"{name}-{index}",
                cluster_name=name,
            )
            for index in range(1, size + 1)
        ]

    @property
    def urls(self) -> list[str]:
        """Client URLs of all nodes (running or not)."""
        return [node.url for node in self.nodes]

    def node(self, index: int) -> NatsServer:
        """Node ``index`` (0-based)."""
        return self.nodes[index]

    def start(self, timeout_s: float = 20.0) -> NatsCluster:
        """Start all nodes and wait until each reports JetStream healthy."""
        for attempt in range(_PORT_ATTEMPTS):
            for node in self.nodes:
                node.port = node.http_port = node.cluster_port = None
                node.assign_ports()
            routes = tuple(node.route_url for node in self.nodes)
            for node in self.nodes:
                node.routes = routes
                node.launch()
            try:
                for node in self.nodes:
                    node.wait_ready()
                self.wait_healthy(timeout_s)
            except NatsStartError:
                clash = any(
                    "address already in use" in node.log_text().lower() for node in self.nodes
                )
                self.kill_all()
                if not clash or attempt == _PORT_ATTEMPTS - 1:
                    raise
                continue
            return self
        raise AssertionError("unreachable")

    def wait_healthy(self, timeout_s: float = 20.0, *, server_only: bool = False) -> None:
        """Block until every running node's ``/healthz`` is OK (JetStream meta leader known).

        ``server_only``: see :meth:`NatsServer.jetstream_healthy`.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            running = [node for node in self.nodes if node.running]
            if all(node.jetstream_healthy(server_only=server_only) for node in running):
                return
            time.sleep(0.05)
        logs = "\n".join(f"--- {node.name}\n{node.log_text()}" for node in self.nodes)
        raise NatsStartError(f"cluster not healthy after {timeout_s} s:\n{logs}")

    def kill(self, index: int) -> None:
        """SIGKILL node ``index``."""
        self.nodes[index].kill()

    def restart(self, index: int, *, wait: bool = True) -> None:
        """Start node ``index`` again (same ports, same store).

        ``wait`` blocks until the node is back in the JetStream cluster; whether its stream
        replicas have caught up is for the caller to check (``stream_info().cluster``).
        """
        node = self.nodes[index]
        node.restart(wait=True)
        if wait:
            self.wait_healthy(server_only=True)

    def kill_all(self) -> None:
        """SIGKILL every node."""
        for node in self.nodes:
            node.kill()

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> NatsCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
