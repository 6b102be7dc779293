"""Write nats-server configuration files for a Caliper queue site.

Without arguments it rewrites the example files next to it (``single/nats-server.conf`` and
``cluster/node-{1,2,3}.conf``) from :mod:`workspace.sync.permissions`, so they never drift from
the permissions the tests check::

    .venv/bin/python packaging/queue/render.py            # rewrite the examples
    .venv/bin/python packaging/queue/render.py --check    # fail if they are out of date
    .venv/bin/python packaging/queue/render.py --site site.toml --out /etc/caliper-queue

A site file (TOML) describes one site; see ``README.md`` for the format. Passwords never
appear in the output: each user's password is read by nats-server from an environment
variable (``CALIPER_QUEUE_PASSWORD_<USER>``).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from workspace.sync.permissions import (  # noqa: E402 - after the path fix above
    DEFAULT_CLIENT_PORT,
    DEFAULT_CLUSTER_PORT,
    DEFAULT_HTTP_PORT,
    ClusterSpec,
    TlsFiles,
    UserSpec,
    password_variable,
    render_server_config,
)

#: Example site users (README): the manager and two workstations.
EXAMPLE_USERS: tuple[dict[str, Any], ...] = (
    {"name": "manager", "role": "manager"},
    {"name": "ws-alice", "role": "workstation", "tracks": ["ct-chest"], "projects": ["chest-ct"]},
    {"name": "ws-bob", "role": "workstation", "tracks": ["ecg"], "projects": ["ecg-rhythm"]},
)


@dataclass(frozen=True)
class Site:
    """Everything that differs between sites."""

    users: tuple[UserSpec, ...]
    nodes: tuple[str, ...] = ()  # host names of a 3-node cluster; empty: one server
    cluster_name: str = "caliper-queue"
    server_name: str = "caliper-queue"
    client_port: int = DEFAULT_CLIENT_PORT
    cluster_port: int = DEFAULT_CLUSTER_PORT
    http_port: int = DEFAULT_HTTP_PORT
    store_dir: str = "/var/lib/caliper-queue/jetstream"
    tls_dir: str = "/etc/caliper-queue/tls"

    def tls(self) -> TlsFiles:
        """The server certificate, its key and the site CA."""
        tls_dir = Path(self.tls_dir)
        return TlsFiles(
            cert_file=tls_dir / "server.pem",
            key_file=tls_dir / "server-key.pem",
            ca_file=tls_dir / "ca.pem",
        )


def make_users(entries: Iterable[Mapping[str, Any]]) -> tuple[UserSpec, ...]:
    """Users from ``{name, role, tracks, projects, password_hash}`` tables.

    The password is the bcrypt ``password_hash`` if given, else the user's environment
    variable (:func:`password_variable`).
    """
    return tuple(
        UserSpec(
            entry["name"],
            entry.get("password_hash") or password_variable(entry["name"]),
            entry["role"],
            tuple(entry.get("tracks", ())),
            tuple(entry.get("projects", ())),
        )
        for entry in entries
    )


def example_site(nodes: tuple[str, ...] = ()) -> Site:
    """The README's example site."""
    return Site(users=make_users(EXAMPLE_USERS), nodes=nodes)


EXAMPLE_NODES = ("queue-1.example.org", "queue-2.example.org", "queue-3.example.org")


def render_site(site: Site) -> dict[str, str]:
    """Configuration files of ``site`` by relative path."""
    tls = site.tls()
    if not site.nodes:
        text = render_server_config(
            port=site.client_port,
            store_dir=site.store_dir,
            users=site.users,
            tls=tls,
            cluster=None,
            server_name=site.server_name,
            http_port=site.http_port,
            http_host="127.0.0.1",
        )
        return {"nats-server.conf": text}
    if len(site.nodes) != 3:
        raise SystemExit(f"a cluster has 3 nodes (replicas 3), not {len(site.nodes)}")
    files = {}
    for index, host in enumerate(site.nodes, start=1):
        routes = tuple(
            f"nats-route://{peer}:{site.cluster_port}" for peer in site.nodes if peer != host
        )
        cluster = ClusterSpec(
            name=site.cluster_name,
            port=site.cluster_port,
            routes=routes,
            # Mutual TLS on routes: only a node holding a certificate of the site CA may join.
            tls=TlsFiles(tls.cert_file, tls.key_file, tls.ca_file, verify=True),
        )
        files[f"node-{index}.conf"] = render_server_config(
            port=site.client_port,
            store_dir=site.store_dir,
            users=site.users,
            tls=tls,
            cluster=cluster,
            server_name=f"{site.server_name}-{index}",
            http_port=site.http_port,
            http_host="127.0.0.1",
        )
    return files


def examples() -> dict[Path, str]:
    """The example files in this directory, by path."""
    files = {HERE / "single" / name: text for name, text in render_site(example_site()).items()}
    cluster = render_site(example_site(EXAMPLE_NODES))
    files.update({HERE / "cluster" / name: text for name, text in cluster.items()})
    return files


def load_site(path: Path) -> Site:
    """A site from a TOML file (``[server]`` table and ``[[users]]``)."""
    data = tomllib.loads(path.read_text())
    server = dict(data.get("server", {}))
    users = make_users(data.get("users", []))
    if not users:
        raise SystemExit(f"{path}: no [[users]]")
    known = {f.name for f in fields(Site)} - {"users"}
    unknown = sorted(set(server) - known)
    if unknown:
        raise SystemExit(f"{path}: unknown [server] keys {unknown}; known: {sorted(known)}")
    server["nodes"] = tuple(server.get("nodes", ()))
    return Site(users=users, **server)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="site description (TOML)")
    parser.add_argument("--out", type=Path, help="directory for the site's files")
    parser.add_argument(
        "--check", action="store_true", help="only report whether the examples are up to date"
    )
    args = parser.parse_args(argv)
    if args.site is not None:
        if args.out is None:
            parser.error("--site needs --out")
        args.out.mkdir(parents=True, exist_ok=True)
        for name, text in render_site(load_site(args.site)).items():
            (args.out / name).write_text(text)
            print(args.out / name)
        return 0
    stale = []
    for path, text in examples().items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(REPO)}")
    if args.check and stale:
        names = ", ".join(str(path.relative_to(REPO)) for path in stale)
        print(f"out of date: {names} (run packaging/queue/render.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
