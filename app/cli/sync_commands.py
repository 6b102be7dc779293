"""Queue commands: ``sync`` (workstation), ``queue`` (manager) and ``batch`` (batch files).

Server settings given on the command line are stored (encrypted) in the profile, so later
runs need only ``caliper sync``. Every failure is one line: a dead server, a wrong URL,
wrong credentials, a TLS problem, a refused permission, a damaged batch file.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.cli.common import EXIT_OK, CliError, open_workspace, read_secret_file

if TYPE_CHECKING:
    from nats.js import JetStreamContext

    from workspace.sync.batching import PushPlan
    from workspace.sync.config import SyncConfig
    from workspace.workspace import Workspace

T = TypeVar("T")


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """``--server``, ``--user``, ``--password-file``, ``--ca`` (stored once given)."""
    parser.add_argument("--server", metavar="URL", help="queue server, nats:// or tls://")
    parser.add_argument("--user", dest="queue_user", metavar="NAME", help="queue user name")
    parser.add_argument("--password-file", metavar="FILE", help="queue password in FILE")
    parser.add_argument("--ca", metavar="FILE", help="CA certificate that signs the server's")


def _configured(workspace: Workspace, args: argparse.Namespace) -> SyncConfig:
    """The stored sync settings updated with what the command line gives (and saved)."""
    from workspace.sync.config import load_config, save_config

    config = load_config(workspace.profile)
    changes: dict[str, Any] = {}
    if args.server:
        changes["server_url"] = args.server
    if args.queue_user:
        changes["user"] = args.queue_user
    if args.password_file:
        changes["password"] = read_secret_file(Path(args.password_file))
    if args.ca:
        if not Path(args.ca).is_file():
            raise CliError(f"no such CA file: {args.ca}")
        changes["ca_file"] = str(Path(args.ca).resolve())
    tracks = getattr(args, "track", None)
    if isinstance(tracks, list) and tracks:
        changes["tracks"] = tuple(dict.fromkeys(t for t in tracks))
    lease_days = getattr(args, "lease_days", None)
    if lease_days:
        changes["lease_days"] = float(lease_days)
    if changes:
        config = replace(config, **changes)
        save_config(workspace.profile, config)
    return config


def _quiet_tls_eof(record: logging.LogRecord) -> bool:
    """Drop asyncio's harmless "eof_received() has no effect when using ssl" warning.

    nats-py's protocol answers a TLS close that way; asyncio would print it on stderr under
    the command's one-line output.
    """
    return "eof_received() has no effect" not in record.getMessage()


def _run(workspace: Workspace, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; the profile is locked afterwards whatever happens."""
    from workspace.sync.config import SyncConfigError
    from workspace.sync.documents import DocumentError

    logging.getLogger("asyncio").addFilter(_quiet_tls_eof)
    try:
        return asyncio.run(work)
    except SyncConfigError as exc:
        raise CliError(str(exc)) from None
    except DocumentError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:
        message = _queue_error(exc)
        if message is None:
            raise
        raise CliError(message) from None
    finally:
        workspace.lock()


def _queue_error(exc: BaseException) -> str | None:
    """One line for errors the queue server answers with (permissions, timeouts)."""
    from nats.errors import Error as NatsError
    from nats.js.errors import APIError, NoStreamResponseError

    from workspace.schema import SchemaError
    from workspace.sync.payloads import PayloadError

    if isinstance(exc, PayloadError):
        return str(exc)
    if isinstance(exc, SchemaError):  # a batch's schema this Caliper cannot use (a newer one?)
        first = exc.problems[0] if exc.problems else str(exc)
        return f"A batch's label schema cannot be used: {first} (update Caliper?)."
    if isinstance(exc, NoStreamResponseError):
        return (
            "The queue server has no leader for that stream right now (a cluster node was "
            "lost?); nothing was lost: try again in a few seconds."
        )
    if isinstance(exc, APIError):
        return f"The queue server refused the request: {exc.description or exc}."
    if isinstance(exc, NatsError | asyncio.TimeoutError):
        text = str(exc) or type(exc).__name__
        return (
            f"The queue server did not answer in time ({text}); nothing was lost: "
            "try again (a cluster may be electing a leader)."
        )
    return None


def _with_js(
    config: SyncConfig, body: Callable[[JetStreamContext], Coroutine[Any, Any, T]]
) -> Coroutine[Any, Any, T]:
    from workspace.sync.connection import jetstream
    from workspace.sync.session import server_access

    async def go() -> T:
        async with jetstream(server_access(config)) as (_client, js):
            return await body(js)

    return go()


# ---------------------------------------------------------------------- workstation
def cmd_sync(args: argparse.Namespace) -> int:
    """Resume, renew leases, check out ``--pull N`` batches and send results (``--push``)."""
    from workspace.sync.config import parse_project_key, set_project_key
    from workspace.sync.session import sync_once

    workspace = open_workspace(args)
    try:
        for pair in args.project_key or []:
            name, _, value = pair.partition("=")
            set_project_key(workspace.profile, name, parse_project_key(value))
        config = _configured(workspace, args)
    except (ValueError, CliError):
        workspace.lock()
        raise
    pull = args.pull or 0
    push = args.push or args.pull is None
    report = _run(workspace, sync_once(workspace.profile, config, pull=pull, push=push))
    for message in report.messages:
        if message != report.audit_problem:
            print(f"caliper: {message}", file=sys.stderr)
    for batch_id in report.pulled:
        print(f"checked out\t{batch_id}")
    print(report.summary())
    if report.audit_problem:
        raise CliError(report.audit_problem)
    return EXIT_OK


# ---------------------------------------------------------------------- manager
def _check_plan_args(args: argparse.Namespace, folders: list[Path], track: str) -> None:
    """Refuse bad ``push``/``create`` arguments before the profile is opened."""
    from workspace.sync.protocol import check_name

    for folder in folders:
        if not folder.exists():
            raise CliError(f"no such file or folder: {folder}")
    try:
        check_name("Project", args.project)
        check_name("Track", track)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.per_batch < 1 or getattr(args, "redundancy", 1) < 1:
        raise CliError("--per-batch and --redundancy must be at least 1")
    _schema_overrides(args)


def _folder_plan(
    workspace: Workspace, args: argparse.Namespace, track: str, gold_folder: str | None
) -> tuple[PushPlan, int, int]:
    """Import FOLDER (and the gold folder) and plan its batches: (plan, items, gold items)."""
    from workspace.sync.batching import PushPlan, SchemaChoiceError, choose_schemas

    def problem(path: Path, message: str) -> None:
        print(f"caliper: skipped {path}: {message}", file=sys.stderr)

    items = workspace.import_paths([Path(args.folder)], on_problem=problem)
    gold = workspace.import_paths([Path(gold_folder)], on_problem=problem) if gold_folder else []
    if not items and not gold:
        raise CliError("nothing to send: no data Caliper can import in the folder")
    try:
        schema, item_schemas = choose_schemas(
            workspace.profile, items + gold, _schema_overrides(args)
        )
    except SchemaChoiceError as exc:
        raise CliError(str(exc)) from None
    gold_digests = {g.content_digest for g in gold}
    plan = PushPlan(
        project=args.project,
        track=track,
        schema=schema,
        items=[i for i in items if i.content_digest not in gold_digests],
        gold=gold,
        per_batch=args.per_batch,
        redundancy=getattr(args, "redundancy", 1),
        due=args.due,
        instructions=args.instructions or "",
        item_schemas=item_schemas,
    )
    return plan, len(items), len(gold)


def _schema_overrides(args: argparse.Namespace) -> dict[str | None, str]:
    """``--schema`` values by modality (None: a plain ID, for every item), each checked."""
    from workspace.modalities import UnknownModalityError, modality
    from workspace.schema import UnknownPresetError, load_preset

    overrides: dict[str | None, str] = {}
    for value in args.schema:
        modality_id, _, schema_id = value.rpartition("=")
        key = modality_id.strip() or None
        if not schema_id.strip() or (value.count("=") and key is None):
            raise CliError(f"--schema {value!r}: give ID, or MODALITY=ID")
        if key in overrides:
            raise CliError(f"--schema is given twice for {key or 'every modality'}")
        overrides[key] = schema_id.strip()
        try:
            if key is not None:
                modality(key)
            load_preset(overrides[key])
        except (UnknownModalityError, UnknownPresetError) as exc:
            raise CliError(f"--schema {value}: {exc}") from None
    return overrides


def cmd_queue_push(args: argparse.Namespace) -> int:
    """Import FOLDER (and --gold FOLDER) and push it as batches on ``--track``."""
    from workspace.sync.queue_push import push

    folders = [Path(args.folder)] + ([Path(args.gold)] if args.gold else [])
    _check_plan_args(args, folders, args.track)
    workspace = open_workspace(args)
    try:
        config = _configured(workspace, args)
        plan, items, gold = _folder_plan(workspace, args, args.track, args.gold)
    except BaseException:
        workspace.lock()
        raise
    ids = _run(
        workspace,
        _with_js(config, lambda js: push(js, workspace.profile, plan, replicas=args.replicas)),
    )
    for batch_id in ids:
        print(f"pushed\t{batch_id}")
    print(f"{len(ids)} batches on {args.track} ({items} items, {gold} gold).")
    return EXIT_OK


def cmd_queue_status(args: argparse.Namespace) -> int:
    """Batches available, leased, expired and returned; results per annotator."""
    from workspace.sync.queue_status import queue_status

    workspace = open_workspace(args)
    config = _configured(workspace, args)
    status = _run(workspace, _with_js(config, lambda js: queue_status(js, workspace.profile)))
    print("batch\ttrack\tissue\tstate\treturned\tholder\texpires")
    for b in status.batches:
        print(
            f"{b.batch_id}\t{b.track}\t{b.issue}\t{b.state}\t{b.returned}/{b.tasks}\t"
            f"{b.holder or '-'}\t{b.expires_at or '-'}"
        )
    states = ", ".join(
        f"{status.by_state.get(s, 0)} {s}" for s in ("available", "leased", "expired", "returned")
    )
    print(f"batches: {states}")
    for annotator, count in sorted(status.by_annotator.items()):
        print(f"annotator {annotator}: {count} results")
    for project, waiting in status.waiting_results.items():
        print(f"project {project}: {waiting} results waiting to be collected")
    return EXIT_OK


def _projects(workspace: Workspace, wanted: str | None) -> list[str]:
    from workspace.sync.queue_status import pushed_projects

    return [wanted] if wanted else pushed_projects(workspace.profile)


def cmd_queue_collect(args: argparse.Namespace) -> int:
    """Receive new results and write every result not yet written under ``--out``."""
    from workspace.sync.queue_collect import CollectReport, receive, write_out

    out = Path(args.out)
    workspace = open_workspace(args)
    config = _configured(workspace, args)
    projects = _projects(workspace, args.project)
    if not projects:
        workspace.lock()
        raise CliError("this profile has pushed no batches: nothing to collect")

    async def go(js: JetStreamContext | None) -> list[CollectReport]:
        reports = []
        for project in projects:
            report = await receive(js, workspace.profile, project) if js else CollectReport()
            write_out(workspace.profile, project, out, report)
            reports.append(report)
        return reports

    work = go(None) if args.offline else _with_js(config, go)
    reports = _run(workspace, work)
    for report in reports:
        for problem in report.rejected:
            print(f"caliper: {problem}", file=sys.stderr)
        for unverified in report.unverified:
            print(f"caliper: unverified {unverified}", file=sys.stderr)
    received = sum(r.received for r in reports)
    flagged = sum(r.flagged for r in reports)
    unverified_count = sum(len(r.unverified) for r in reports)
    files = sum(len(r.exported) for r in reports)
    refused = sum(r.refused for r in reports)
    also = f", {refused} refused (see above)" if refused else ""
    print(
        f"{received} new results ({flagged} flagged{also}); {unverified_count} unverified; "
        f"{files} files written under {out}."
    )
    return EXIT_OK


def cmd_queue_reissue(args: argparse.Namespace) -> int:
    """Put a batch whose lease expired back on the queue."""
    from workspace.sync.queue_reissue import ReissueError, reissue

    workspace = open_workspace(args)
    config = _configured(workspace, args)

    async def go(js: JetStreamContext) -> int:
        try:
            return await reissue(js, workspace.profile, args.batch, force=args.force)
        except ReissueError as exc:
            raise CliError(str(exc)) from None

    issue = _run(workspace, _with_js(config, go))
    print(f"reissued\t{args.batch}\tissue {issue}")
    return EXIT_OK


def cmd_queue_repair(args: argparse.Namespace) -> int:
    """Verify a pushed batch's objects on the server and replace the damaged ones."""
    from workspace.sync.queue_push import repair_objects

    workspace = open_workspace(args)
    config = _configured(workspace, args)
    replaced = _run(
        workspace, _with_js(config, lambda js: repair_objects(js, workspace.profile, args.batch))
    )
    for digest in replaced:
        print(f"replaced\t{digest}")
    print(f"{len(replaced)} damaged objects replaced in batch {args.batch}.")
    return EXIT_OK


def cmd_queue_project_key(args: argparse.Namespace) -> int:
    """Print the project's key (made on first use) for the project's workstations."""
    from workspace.sync.config import ensure_project_key
    from workspace.sync.protocol import check_name

    try:
        check_name("Project", args.project)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    workspace = open_workspace(args)
    try:
        key = ensure_project_key(workspace.profile, args.project)
    finally:
        workspace.lock()
    print(f"{args.project}={key.hex()}")
    return EXIT_OK


def _enrolments(args: argparse.Namespace) -> list[tuple[str, str, list[str] | None]]:
    """(annotator, public key hex, projects or None for all) from the command line."""
    from workspace.sync.protocol import check_name
    from workspace.sync.signers import EnrolError, check_annotator, site_enrolments
    from workspace.sync.signing import SigningKeyError, parse_public_key

    try:
        if args.site:
            if args.annotator or args.project:
                raise CliError("give either --site FILE or USER PUBLIC_KEY [--project P]")
            return [
                (e.annotator, e.public_key, list(e.projects))
                for e in site_enrolments(Path(args.site))
            ]
        if not args.annotator or not args.public_key:
            raise CliError("give USER and PUBLIC_KEY (from `caliper whoami`), or --site FILE")
        public = parse_public_key(args.public_key)
        check_annotator(args.annotator)
        if args.project:
            check_name("Project", args.project)
    except (SigningKeyError, EnrolError, ValueError) as exc:
        raise CliError(str(exc)) from None
    return [(args.annotator, public, [args.project] if args.project else None)]


def cmd_queue_enroll(args: argparse.Namespace) -> int:
    """Enrol workstation public keys for annotators (all projects, ``--project``, ``--site``)."""
    from workspace.sync.config import project_key, project_keys
    from workspace.sync.signers import EnrolError, enrol
    from workspace.sync.signing import fingerprint

    wanted = _enrolments(args)
    workspace = open_workspace(args)
    try:
        config = _configured(workspace, args)
        every = sorted(project_keys(workspace.profile))
        todo = [(a, k, p) for a, k, projects in wanted for p in (projects or every)]
        if not todo:
            raise CliError("this profile holds no project key: give --project NAME")
        keys = {p: project_key(workspace.profile, p) for _, _, p in todo}
    except BaseException:
        workspace.lock()
        raise

    async def go(js: JetStreamContext) -> list[tuple[str, str, str, bool]]:
        try:
            return [
                (a, k, p, await enrol(js, workspace.profile, keys[p], p, a, k)) for a, k, p in todo
            ]
        except EnrolError as exc:
            raise CliError(str(exc)) from None

    for annotator, public, project, added in _run(workspace, _with_js(config, go)):
        state = "enrolled" if added else "already enrolled"
        print(f"{state}\t{annotator}\t{project}\t{fingerprint(public)[:16]}")
    return EXIT_OK


def cmd_whoami(args: argparse.Namespace) -> int:
    """Print this profile's user, workstation and public key (for the manager to enrol)."""
    from workspace.sync.session import holder_id
    from workspace.sync.signing import public_key_text

    workspace = open_workspace(args)
    try:
        key = public_key_text(workspace.profile)
        holder = holder_id(workspace.profile)
    finally:
        workspace.lock()
    if args.public_key:
        print(key)
        return EXIT_OK
    print(f"user\t{workspace.user}\nworkstation\t{holder}\npublic key\t{key}")
    return EXIT_OK


def check_audit_online(workspace: Workspace, args: argparse.Namespace) -> str:
    """``audit verify --server``: the local chain against the head published last.

    One line when it extends it; :class:`CliError` naming the problem when it does not.
    Locks the profile when done.
    """
    from workspace.sync.audit_head import check_online

    config = _configured(workspace, args)
    check = _run(
        workspace, _with_js(config, lambda js: check_online(js, workspace.profile, config.user))
    )
    if not check.ok:
        raise CliError(f"queue: {check.problem}")
    return f"queue: {check.describe()}"


# ---------------------------------------------------------------------- batch files
def _lease_days(args: argparse.Namespace) -> float:
    from workspace.sync.file_leases import FILE_LEASE_DAYS

    days = args.file_lease_days
    if days is not None and days <= 0:
        raise CliError("--lease-days must be more than 0")
    return float(days or FILE_LEASE_DAYS)


def cmd_batch_export(args: argparse.Namespace) -> int:
    """Write a batch (manager: the file takes its lease) or a batch's results to a file."""
    from workspace.sync.batch_transfer import export_file, server_connector

    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"{out} exists (use --force to overwrite)")
    days = _lease_days(args)
    workspace = open_workspace(args)
    try:
        config = _configured(workspace, args)
    except BaseException:
        workspace.lock()
        raise
    done = _run(
        workspace,
        export_file(workspace.profile, args.batch, out, server_connector(config), days=days),
    )
    print(f"exported\t{done.kind}\t{done.batch_id}\t{out}")
    if done.holder:
        print(f"leased\t{done.batch_id}\t{done.holder}")
    return EXIT_OK


def cmd_batch_import(args: argparse.Namespace) -> int:
    """Import a batch file: a batch to annotate, or results (their file's lease released)."""
    from workspace.sync.batch_transfer import import_file, server_connector
    from workspace.sync.config import parse_project_key, set_project_key

    workspace = open_workspace(args)
    try:
        for pair in args.project_key or []:
            name, _, value = pair.partition("=")
            set_project_key(workspace.profile, name, parse_project_key(value))
        config = _configured(workspace, args)
    except BaseException:
        workspace.lock()
        raise
    done = _run(
        workspace, import_file(workspace.profile, Path(args.file), server_connector(config))
    )
    if done.kind == "batch":
        print(f"imported\tbatch\t{done.batch_id}\t{done.count} tasks")
        return EXIT_OK
    print(f"imported\tresults\t{done.batch_id}\t{done.count} new results ({done.flagged} flagged)")
    if done.released:
        print(f"released\t{done.batch_id}")
    return EXIT_OK


def cmd_batch_create(args: argparse.Namespace) -> int:
    """Make batch files from FOLDER with no server (a site with no network at all)."""
    from workspace.sync.batch_transfer import create_files

    _check_plan_args(args, [Path(args.folder)], args.track)
    days = _lease_days(args)
    workspace = open_workspace(args)
    try:
        plan, items, _gold = _folder_plan(workspace, args, args.track, None)
        created = create_files(
            workspace.profile, plan, Path(args.out), days=days, overwrite=args.force
        )
    finally:
        workspace.lock()
    for done in created:
        print(f"created\t{done.batch_id}\t{done.path}\t{done.tasks} tasks")
    print(f"{len(created)} batch files ({items} items) for project {args.project}.")
    return EXIT_OK
