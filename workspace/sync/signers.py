"""Enrolled workstation keys: whose signatures the manager accepts on a project's results.

The manager enrols each workstation's public key for an annotator (``caliper queue enroll``).
Enrolments live on the queue server in the KV bucket ``signers``, key
``<project>.<annotator>``, sealed with the project key like everything else (workstations
have no access to the bucket), and are mirrored in the manager's profile so results imported
from batch files are checked too. When results are collected, each one is checked against the
keys enrolled for the annotator it names:

* signed by an enrolled key of that annotator: **verified**;
* a signature that does not verify, a key enrolled for nobody while the annotator has
  enrolled keys, or no signature while the annotator has enrolled keys: **refused**
  (reported, not written);
* the annotator has no enrolled key (signed or not): **unverified**, written and marked so.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from nats.js import JetStreamContext
from nats.js.api import StorageType
from nats.js.errors import (
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from nats.js.kv import KeyValue

from workspace.annotations import now_iso
from workspace.errors import WorkspaceError
from workspace.settings import read_setting, write_setting
from workspace.sync import protocol, safe_names
from workspace.sync.envelope import EnvelopeError, open_sealed, seal
from workspace.sync.queue_setup import lease_replicas
from workspace.sync.signing import fingerprint, parse_public_key, signature_valid

if TYPE_CHECKING:
    from storage.profile import Profile

#: The manager's copy of the enrolments: ``{project: {annotator: [public key hex, ...]}}``.
ENROLLED_SETTING = "sync.enrolled_keys"
#: Characters an annotator name keeps in a KV key; any other is written ``=XX`` per UTF-8 byte.
_KEY_PLAIN = re.compile(r"[A-Za-z0-9_-]")

Status = Literal["verified", "unverified", "refused"]


class EnrolError(WorkspaceError, ValueError):
    """An enrolment that cannot be made or read; the message says why."""


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of checking one result's signature."""

    status: Status
    detail: str

    def as_json(self) -> dict[str, str]:
        """What ``result.json`` records (``signature_check``)."""
        return {"status": self.status, "detail": self.detail}


def check_annotator(annotator: str) -> str:
    """``annotator`` if results may name it (the result schema's pattern), else :class:`EnrolError`.

    One rule for both: :func:`workspace.sync.safe_names.path_component` checks the pattern
    of ``resources/sync/result.schema.json``, so every valid annotator can be enrolled.
    """
    try:
        return safe_names.path_component("annotator", annotator)
    except safe_names.UnsafeNameError:
        raise EnrolError(
            f"Annotator name {annotator!r} cannot be enrolled: results never carry it (use "
            "letters, digits, spaces and . @ + - _, at most 64, starting with a letter, digit, "
            "'_', '@', '+' or '-', and no '..')."
        ) from None


def _key_token(annotator: str) -> str:
    """``annotator`` as one KV key token: ``=`` and two hex digits for each byte of any
    character but ASCII letters, digits, ``-`` and ``_`` (so ``Dr Alice`` is ``Dr=20Alice``)."""
    return "".join(
        c if _KEY_PLAIN.fullmatch(c) else "".join(f"={b:02X}" for b in c.encode())
        for c in annotator
    )


def signer_key(project: str, annotator: str) -> str:
    """The KV key of an annotator's enrolment in ``project``."""
    return f"{protocol.check_name('Project', project)}.{_key_token(check_annotator(annotator))}"


def _context(project: str, annotator: str) -> str:
    return f"signer:{signer_key(project, annotator)}"


def check_signature(document: dict[str, Any], enrolled: frozenset[str]) -> SignatureCheck:
    """Check a result against the keys enrolled for the annotator it names."""
    annotator = document["annotator"]
    signature = document.get("signature")
    if signature is None:
        if enrolled:
            return SignatureCheck(
                "refused", f"it is not signed, but {annotator} has enrolled keys (forged?)"
            )
        return SignatureCheck("unverified", f"not signed, and {annotator} has no enrolled key")
    key = str(signature.get("key", "")) if isinstance(signature, dict) else ""
    if not signature_valid(document):
        return SignatureCheck("refused", "its signature does not verify (altered or forged)")
    if key in enrolled:
        return SignatureCheck("verified", f"signed by {annotator}'s key {fingerprint(key)[:16]}")
    if enrolled:
        return SignatureCheck(
            "refused",
            f"signed by key {fingerprint(key)[:16]}, which is not enrolled for {annotator}",
        )
    return SignatureCheck(
        "unverified",
        f"signed by key {fingerprint(key)[:16]}, but {annotator} has no enrolled key",
    )


# ---------------------------------------------------------------------- the server's bucket
async def signer_bucket(js: JetStreamContext, *, create: bool = False) -> KeyValue | None:
    """The ``signers`` bucket (made when ``create``); None when it does not exist yet."""
    try:
        return await js.key_value(protocol.SIGNER_BUCKET)
    except NotFoundError:
        if not create:
            return None
        return await js.create_key_value(
            bucket=protocol.SIGNER_BUCKET,
            history=16,
            storage=StorageType.FILE,
            replicas=await lease_replicas(js),
        )


async def read_enrolled(
    kv: KeyValue, key: bytes, project: str, annotator: str
) -> tuple[list[dict[str, str]], int]:
    """The enrolled keys (``{"key", "enrolled_at"}``) and the entry's revision (0: none)."""
    try:
        entry = await kv.get(signer_key(project, annotator))
    except (KeyNotFoundError, KeyDeletedError):
        return [], 0
    if entry.value is None or entry.operation in ("DEL", "PURGE"):
        return [], int(entry.revision or 0)
    try:
        body = json.loads(open_sealed(key, entry.value, _context(project, annotator)))
    except EnvelopeError as exc:
        raise EnrolError(f"The enrolment of {annotator} in {project} is damaged: {exc}") from None
    return list(body["keys"]), int(entry.revision or 0)


async def enrol(
    js: JetStreamContext,
    profile: Profile,
    key: bytes,
    project: str,
    annotator: str,
    public: str,
) -> bool:
    """Enrol ``public`` (hex) for ``annotator`` in ``project``; False if it already was."""
    kv = await signer_bucket(js, create=True)
    assert kv is not None
    name = signer_key(project, annotator)
    while True:
        keys, revision = await read_enrolled(kv, key, project, annotator)
        if any(k["key"] == public for k in keys):
            _remember(profile, project, annotator, [k["key"] for k in keys])
            return False
        keys.append({"key": public, "enrolled_at": now_iso()})
        body = {"project": project, "annotator": annotator, "keys": keys}
        value = seal(key, json.dumps(body, sort_keys=True).encode(), _context(project, annotator))
        try:
            if revision:
                await kv.update(name, value, last=revision)
            else:
                await kv.create(name, value)
        except KeyWrongLastSequenceError:
            continue  # another manager enrolled meanwhile: read again
        break
    _remember(profile, project, annotator, [k["key"] for k in keys])
    profile.audit.record(
        "queue.enroll", annotator, {"project": project, "key": fingerprint(public)}
    )
    return True


def _remember(profile: Profile, project: str, annotator: str, keys: list[str]) -> None:
    """Mirror an enrolment in the manager's profile (for results from batch files)."""
    stored: dict[str, dict[str, list[str]]] = dict(
        read_setting(profile.database, ENROLLED_SETTING, {}) or {}
    )
    by_annotator = dict(stored.get(project, {}))
    if by_annotator.get(annotator, []) == keys:
        return
    by_annotator[annotator] = keys
    stored[project] = by_annotator
    write_setting(profile.database, ENROLLED_SETTING, stored)


def remembered(profile: Profile, project: str, annotator: str) -> frozenset[str]:
    """The keys enrolled for ``annotator`` in ``project`` as last seen by this manager."""
    stored = read_setting(profile.database, ENROLLED_SETTING, {}) or {}
    return frozenset(stored.get(project, {}).get(annotator, []))


@dataclass
class SignerDirectory:
    """The enrolments of one project, read from the server once per annotator per run.

    The bucket is opened on the first result checked, so a run with nothing to collect
    (or refused before it reads anything) never touches it.
    """

    js: JetStreamContext
    profile: Profile
    project: str
    key: bytes
    _kv: KeyValue | None = None
    _opened: bool = False
    _cache: dict[str, frozenset[str] | SignatureCheck] = field(default_factory=dict)

    async def _bucket(self) -> KeyValue | None:
        if not self._opened:
            self._kv = await signer_bucket(self.js)
            self._opened = True
        return self._kv

    async def _enrolled(self, annotator: str) -> frozenset[str] | SignatureCheck:
        if annotator in self._cache:
            return self._cache[annotator]
        found: frozenset[str] | SignatureCheck
        kv = await self._bucket()
        if kv is None:
            found = frozenset()
        else:
            try:
                keys, _ = await read_enrolled(kv, self.key, self.project, annotator)
            except EnrolError as exc:
                found = SignatureCheck("refused", str(exc))
            else:
                found = frozenset(k["key"] for k in keys)
                _remember(self.profile, self.project, annotator, sorted(found))
        self._cache[annotator] = found
        return found

    async def check(self, document: dict[str, Any]) -> SignatureCheck:
        """Check one result of this project."""
        enrolled = await self._enrolled(document["annotator"])
        if isinstance(enrolled, SignatureCheck):
            return enrolled
        return check_signature(document, enrolled)


# ---------------------------------------------------------------------- the site file
@dataclass(frozen=True)
class SiteEnrolment:
    """A workstation of the site file: its annotator, public key and projects."""

    annotator: str
    public_key: str  # 64 hex
    projects: tuple[str, ...]


def site_enrolments(path: Path) -> list[SiteEnrolment]:
    """The ``[[users]]`` of a site file (``packaging/queue``) that give a ``public_key``.

    Such an entry also names the ``annotator`` its results carry and its ``projects``.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EnrolError(f"Cannot read {path}: {exc.strerror}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EnrolError(f"{path.name} is not a valid site file: {exc}.") from None
    found = []
    for entry in data.get("users", []):
        if not isinstance(entry, dict) or "public_key" not in entry:
            continue
        name = entry.get("name", "?")
        if "annotator" not in entry or not entry.get("projects"):
            raise EnrolError(
                f"{path.name}: user {name} has a public_key but no annotator or projects."
            )
        try:
            projects = tuple(protocol.check_name("Project", p) for p in entry["projects"])
            found.append(
                SiteEnrolment(
                    check_annotator(str(entry["annotator"])),
                    parse_public_key(str(entry["public_key"])),
                    projects,
                )
            )
        except ValueError as exc:
            raise EnrolError(f"{path.name}: user {name}: {exc}") from None
    if not found:
        raise EnrolError(f"{path.name}: no [[users]] entry gives a public_key.")
    return found
