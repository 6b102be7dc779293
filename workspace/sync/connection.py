"""Connecting to the queue server, with one clear line for every way it can fail."""

from __future__ import annotations

import asyncio
import ssl
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlparse

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

CONNECT_TIMEOUT_S = 3.0
#: Tries of the first connection (nats-py loops forever on 0 or -1); reconnects are unlimited.
INITIAL_ATTEMPTS = 2


class QueueUnavailableError(ConnectionError):
    """The queue server could not be used; the message is one line for the user."""


@dataclass(frozen=True)
class ServerAccess:
    """How to reach the server: URL, credentials and the CA that signs its certificate."""

    url: str  # one URL, or several separated by commas (the nodes of a cluster)
    user: str = ""
    password: str = ""
    ca_file: str = ""
    inbox_prefix: str = ""


def _tls_context(access: ServerAccess) -> ssl.SSLContext | None:
    scheme = urlparse(server_urls(access.url)[0]).scheme
    if scheme != "tls" and not access.ca_file:
        return None
    context = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH)
    if access.ca_file:
        try:
            context.load_verify_locations(cafile=access.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise QueueUnavailableError(
                f"Cannot read the CA certificate {access.ca_file}: {exc}"
            ) from None
    return context


def server_urls(url: str) -> list[str]:
    """The URLs in ``url`` (a cluster's nodes may be given comma-separated)."""
    return [part.strip() for part in url.split(",") if part.strip()] or [url]


def _check_url(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("nats", "tls") or not parsed.hostname:
        raise QueueUnavailableError(
            f"{url!r} is not a queue server URL (expected nats://HOST:PORT or tls://HOST:PORT)."
        )


def describe_failure(url: str, user: str, errors: list[BaseException]) -> str:
    """One line saying why connecting to ``url`` failed, from the errors nats-py reported."""
    text = " ".join(f"{type(e).__name__}: {e}" for e in errors).lower()
    if "authorization" in text or "authentication" in text:
        who = f"user {user!r}" if user else "an anonymous connection"
        return f"The queue server at {url} refused {who}: wrong user name or password."
    if "certificate" in text or "ssl" in text or "tls" in text:
        return (
            f"TLS failure talking to {url}: the server's certificate is not trusted or does "
            "not match (check the CA file and the host name)."
        )
    if "refused" in text or "connect call failed" in text:
        return f"Cannot reach the queue server at {url}: connection refused (is it running?)."
    if "timeout" in text or "timed out" in text:
        return f"Cannot reach the queue server at {url}: no answer (offline or firewalled?)."
    if "name or service not known" in text or "nodename" in text or "gaierror" in text:
        return f"Cannot reach the queue server at {url}: unknown host name."
    detail = errors[-1] if errors else "no answer"
    return f"Cannot reach the queue server at {url}: {detail}."


async def connect(access: ServerAccess, *, reconnect: bool = True) -> Client:
    """A connected client, or :class:`QueueUnavailableError` with one clear line.

    The first connection is tried once per URL without reconnecting (nats-py's reconnect
    loop would retry a TLS failure forever); once connected, reconnects are unlimited.
    """
    urls = server_urls(access.url)
    for url in urls:
        _check_url(url)
    errors: list[BaseException] = []

    async def on_error(exc: Exception) -> None:
        errors.append(exc)

    options: dict[str, object] = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "allow_reconnect": False,
        "reconnect_time_wait": 0.5,
        "error_cb": on_error,
        "name": f"caliper-{access.user or 'anonymous'}",
    }
    tls = _tls_context(access)
    if tls is not None:
        options["tls"] = tls
    if access.user:
        options["user"] = access.user
        options["password"] = access.password
    if access.inbox_prefix:
        options["inbox_prefix"] = access.inbox_prefix
    for url in urls:
        if tls is not None:
            options["tls_hostname"] = urlparse(url).hostname
        try:
            client = await asyncio.wait_for(
                nats.connect(servers=[url], **options),
                CONNECT_TIMEOUT_S * 2,
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line for the user
            errors.append(exc)
            continue
        if reconnect:
            client.options["allow_reconnect"] = True
            client.options["max_reconnect_attempts"] = -1
        _ERRORS[client] = errors
        return client
    raise QueueUnavailableError(describe_failure(access.url, access.user, errors))


#: What each live connection's error callback heard (permission refusals arrive only there).
_ERRORS: weakref.WeakKeyDictionary[Client, list[BaseException]] = weakref.WeakKeyDictionary()


class QueueRefusedError(PermissionError):
    """The server refused this user an operation; the message names the user and subject."""


def refusal(js: JetStreamContext) -> str | None:
    """The newest permissions violation the server reported on ``js``'s connection, if any."""
    client = getattr(js, "_nc", None)  # nats-py keeps the connection of a context here
    for exc in reversed(_ERRORS.get(client, []) if client is not None else []):
        text = str(exc)
        if "permissions violation" in text.lower():
            return text.replace("nats: ", "").strip("'\" ")
    return None


def raise_if_refused(js: JetStreamContext, doing: str) -> None:
    """Raise :class:`QueueRefusedError` if the server refused this connection something."""
    violation = refusal(js)
    if violation is not None:
        client = getattr(js, "_nc", None)
        user = client.options.get("user") if client is not None else None
        who = f"user {user!r}" if user else "this connection"
        raise QueueRefusedError(f"The queue server refused {who} {doing} ({violation}).")


@asynccontextmanager
async def jetstream(access: ServerAccess) -> AsyncIterator[tuple[Client, JetStreamContext]]:
    """A connection and its JetStream context, drained on exit."""
    client = await connect(access)
    js = client.jetstream(timeout=10.0)
    try:
        yield client, js
    except TimeoutError:
        raise_if_refused(js, "this operation")
        raise
    finally:
        try:
            await client.drain()
        except Exception:  # noqa: BLE001, S110 - closing a dead connection is not an error
            pass
