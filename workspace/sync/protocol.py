"""The Caliper sync protocol, version 2: every name put on the NATS JetStream server.

Documented for humans in ``docs/sync-protocol.md``; this module is the single source of the
names. A *track* is a specialty queue (``ct-chest``); a *project* owns a label schema, a
project key and a results stream. Names are restricted to ``[a-z0-9-]`` so that they are
valid both in subjects and in stream names.
"""

from __future__ import annotations

import re

from workspace.errors import WorkspaceError

PROTOCOL_VERSION = 2
#: A manifest whose tasks carry their own schemas (``schemas``, a task's ``schema_id``) says
#: version 3, so an older workstation refuses it with "update Caliper" rather than giving a
#: volume the notes' schema; every other document is still written as version 2.
PER_TASK_SCHEMA_PROTOCOL = 3
#: Versions this Caliper reads. Version 2 added the optional ``signature`` of a result (and
#: the audit-head and signer buckets); a version-1 document is still read, its result
#: unsigned and so marked unverified. Version 3 added per-task schemas to a manifest.
READABLE_PROTOCOLS = (1, 2, 3)

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

#: Work-queue stream per track; one message per batch manifest (encrypted envelope).
BATCH_STREAM_PREFIX = "BATCHES_"
BATCH_SUBJECT_PREFIX = "batches."
#: The durable pull consumer every workstation of a track shares (work-queue semantics).
BATCH_CONSUMER = "workers"

#: Results stream per project; one message per submitted task result.
RESULT_STREAM_PREFIX = "RESULTS_"
RESULT_SUBJECT_PREFIX = "results."
#: The manager's durable consumer on a results stream.
RESULT_CONSUMER = "collector"
#: Duplicate window of the results stream (``Nats-Msg-Id`` = result UUID): two days.
RESULT_DUPLICATE_WINDOW_S = 48 * 3600

#: Object store bucket of batch payloads (item files), object name = SHA-256 of the plaintext.
PAYLOAD_BUCKET = "payloads"
#: Object store bucket of large results (label maps) from anonymous connections; each
#: workstation user writes its own ``results-<user>`` bucket (see :func:`result_bucket`).
RESULT_BUCKET = "results"
#: KV bucket of batch leases, key ``<track>.<batch id>``.
LEASE_BUCKET = "leases"

#: KV bucket of the manager's enrolled workstation keys, key ``<project>.<annotator>``.
SIGNER_BUCKET = "signers"
#: KV bucket of the audit chain heads a workstation user published (see :func:`audit_bucket`).
AUDIT_BUCKET = "audit"

#: Lease length a claim takes, renewed while online.
DEFAULT_LEASE_DAYS = 7.0


class ProtocolNameError(WorkspaceError, ValueError):
    """A track or project name that cannot be used on the queue."""


def check_name(kind: str, name: str) -> str:
    """``name`` if it is a valid track or project name, else a clear error."""
    if not NAME_PATTERN.match(name):
        raise ProtocolNameError(
            f"{kind} name {name!r} is not valid on the queue: use lower-case letters, digits "
            "and '-', starting with a letter or digit (at most 63 characters)."
        )
    return name


def batch_stream(track: str) -> str:
    """The work-queue stream of ``track``."""
    return BATCH_STREAM_PREFIX + check_name("Track", track)


def batch_subject(track: str) -> str:
    """The subject batch manifests of ``track`` are published on."""
    return BATCH_SUBJECT_PREFIX + check_name("Track", track)


def result_stream(project: str) -> str:
    """The results stream of ``project``."""
    return RESULT_STREAM_PREFIX + check_name("Project", project)


def result_subject(project: str) -> str:
    """The subject results of ``project`` are published on."""
    return RESULT_SUBJECT_PREFIX + check_name("Project", project)


def lease_key(track: str, batch_id: str) -> str:
    """The KV key of a batch's lease (the track first: permissions are per track)."""
    return f"{check_name('Track', track)}.{check_name('Batch', batch_id)}"


def result_bucket(user: str) -> str:
    """The object store bucket workstation ``user`` writes label maps to.

    One bucket per user: an object store put needs rollup headers, which permissions cannot
    filter, so a shared bucket could be wiped by any workstation; its own, only by itself.
    """
    return f"{RESULT_BUCKET}-{check_name('User', user)}" if user else RESULT_BUCKET


def audit_bucket(user: str) -> str:
    """The KV bucket workstation ``user`` publishes its audit chain heads to.

    One bucket per user, created by the workstation without rollups, deletes or purges, so an
    account can add heads to its own bucket only and cannot erase the ones it published.
    """
    return f"{AUDIT_BUCKET}-{check_name('User', user)}" if user else AUDIT_BUCKET
