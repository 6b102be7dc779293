"""The argument parser: shared options are accepted before or after the command."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from app.cli.data_commands import cmd_import, cmd_list
from app.cli.export_commands import cmd_export
from app.cli.gui_commands import cmd_demo, cmd_open
from app.cli.integrity_commands import cmd_audit_show, cmd_audit_verify, cmd_check
from app.cli.profile_commands import cmd_init, cmd_passwd, cmd_recovery_export
from app.cli.suggest_commands import add_suggest_command
from app.cli.sync_commands import (
    add_server_options,
    cmd_batch_create,
    cmd_batch_export,
    cmd_batch_import,
    cmd_queue_collect,
    cmd_queue_enroll,
    cmd_queue_project_key,
    cmd_queue_push,
    cmd_queue_reissue,
    cmd_queue_repair,
    cmd_queue_status,
    cmd_sync,
    cmd_whoami,
)
from app.cli.task_commands import add_task_commands
from app.cli.terminology_commands import add_terminology_commands
from workspace.export.formats import export_formats


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (shared options accepted before or after the command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--profile",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="profile directory (default: $CALIPER_PROFILE or the user data dir)",
    )
    common.add_argument(
        "--passphrase-file",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="read the passphrase from FILE (else $CALIPER_PASSPHRASE or a prompt)",
    )
    parser = argparse.ArgumentParser(
        prog="caliper",
        parents=[common],
        description="Caliper: offline, encrypted annotation workstation for clinical data.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(name, parents=[common], help=text, description=text)
        command.set_defaults(handler=handler)
        return command

    add("init", cmd_init, "create a new encrypted profile").add_argument(
        "--user", help="name recorded on every edit and audit row (default: login name)"
    )
    passwd = add("passwd", cmd_passwd, "change the passphrase (the data key is re-wrapped)")
    passwd.add_argument(
        "--recovery-key-file",
        metavar="FILE",
        help="unlock with a recovery key instead of the current passphrase",
    )
    passwd.add_argument(
        "--rotate-key",
        action="store_true",
        help="also replace the data key: re-key the database, re-seal every blob",
    )
    passwd.add_argument(
        "--new-passphrase-file",
        metavar="FILE",
        help="read the new passphrase from FILE (else $CALIPER_NEW_PASSPHRASE)",
    )
    recovery = sub.add_parser("recovery-key", help="recovery key management")
    recovery_sub = recovery.add_subparsers(dest="recovery_command", metavar="ACTION", required=True)
    export = recovery_sub.add_parser(
        "export", parents=[common], help="write a new recovery key to a file"
    )
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--force", action="store_true", help="overwrite FILE")
    export.set_defaults(handler=cmd_recovery_export)
    importing = add("import", cmd_import, "import files or folders")
    importing.add_argument("paths", nargs="+", metavar="PATH")
    importing.add_argument(
        "--annotations-of",
        "--segmentation-of",
        dest="annotations_of",
        metavar="ITEM",
        help="read annotation files onto ITEM as pre-annotations (brat .ann, BioC XML, JSON "
        "Lines, WFDB annotations, TextGrid; a NIfTI/NRRD label map or DICOM SEG as a volume's "
        "segmentation)",
    )
    importing.add_argument(
        "--labels", metavar="A,B,C", help="names of label values 1, 2, 3... (in value order)"
    )
    importing.add_argument(
        "--frame",
        type=int,
        metavar="N",
        help="of a 4D image (NIfTI time series), import frame N (from 1; default: the first)",
    )
    export = add("export", cmd_export, "write an item's annotations in an open format")
    export.add_argument("item", metavar="ITEM")
    export.add_argument("--format", required=True, choices=list(export_formats()))
    export.add_argument("--out", required=True, metavar="PATH")
    export.add_argument("--force", action="store_true", help="overwrite PATH")
    export.add_argument(
        "--surrogates",
        action="store_true",
        help="deid-text: consistent surrogates instead of [TYPE] tags",
    )
    add_suggest_command(sub, common)
    listing = add("list", cmd_list, "list items, tasks and annotations")
    listing.add_argument(
        "what", nargs="?", default="all", choices=["all", "items", "tasks", "annotations"]
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    audit = sub.add_parser("audit", help="audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser("verify", parents=[common], help="check the hash chain")
    verify.set_defaults(handler=cmd_audit_verify)
    add_server_options(verify)  # --server: also check the head published to the queue
    show = audit_sub.add_parser("show", parents=[common], help="print the newest rows")
    show.add_argument("--limit", type=int, default=50)
    show.set_defaults(handler=cmd_audit_show)
    add("check", cmd_check, "check database, blobs and audit log for damage")
    add("demo", cmd_demo, "create and open the demo profile").add_argument(
        "--no-gui", action="store_true", help="create the profile and list its items only"
    )
    add("open", cmd_open, "open the workstation (the default)")
    _add_queue_commands(sub, common, add)
    add_task_commands(sub, common)
    add_terminology_commands(sub, common)
    return parser


def _add_queue_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    add: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
) -> None:
    """``sync``, ``queue push|status|collect|reissue|project-key``, ``batch …``."""
    sync = add("sync", cmd_sync, "check out batches from the queue and send results")
    add_server_options(sync)
    sync.add_argument("--pull", type=int, metavar="N", help="check out up to N new batches")
    sync.add_argument("--push", action="store_true", help="send submitted results")
    sync.add_argument("--track", action="append", metavar="NAME", help="my track (repeatable)")
    sync.add_argument(
        "--project-key", action="append", metavar="PROJECT=KEY", help="a project's key"
    )
    sync.add_argument("--lease-days", type=float, metavar="DAYS", help="lease length to ask for")

    queue = sub.add_parser("queue", help="project manager: batches on the queue")
    queue_sub = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)

    def action(
        name: str, handler: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        command = queue_sub.add_parser(name, parents=[common], help=text, description=text)
        command.set_defaults(handler=handler)
        add_server_options(command)
        return command

    push = action("push", cmd_queue_push, "make batches from a folder and queue them")
    push.add_argument("folder", metavar="FOLDER")
    push.add_argument("--project", required=True)
    push.add_argument("--track", required=True)
    push.add_argument("--per-batch", type=int, default=10, metavar="N")
    push.add_argument("--redundancy", type=int, default=1, metavar="K", help="annotators per task")
    push.add_argument("--gold", metavar="FOLDER", help="gold-standard items mixed into batches")
    _add_schema_option(push)
    push.add_argument("--due", metavar="YYYY-MM-DD")
    push.add_argument("--instructions", metavar="TEXT")
    push.add_argument("--replicas", type=int, default=1, help="stream replicas (3 on a cluster)")
    action("status", cmd_queue_status, "batches available, leased, expired, returned")
    collect = action("collect", cmd_queue_collect, "receive results and write them out")
    collect.add_argument("--out", required=True, metavar="DIR")
    collect.add_argument("--project", metavar="NAME", help="only this project")
    collect.add_argument(
        "--offline", action="store_true", help="only write out results already received"
    )
    reissue = action("reissue", cmd_queue_reissue, "queue a batch whose lease expired again")
    reissue.add_argument("batch", metavar="BATCH")
    reissue.add_argument("--force", action="store_true", help="even if its lease is current")
    repair = action("repair", cmd_queue_repair, "check a batch's objects, replace damaged ones")
    repair.add_argument("batch", metavar="BATCH")
    key = action("project-key", cmd_queue_project_key, "print a project's key for workstations")
    key.add_argument("project", metavar="PROJECT")
    enroll = action("enroll", cmd_queue_enroll, "accept a workstation's signatures for a user")
    enroll.add_argument("annotator", nargs="?", metavar="USER", help="annotator name of results")
    enroll.add_argument("public_key", nargs="?", metavar="PUBLIC_KEY", help="`caliper whoami`")
    enroll.add_argument("--project", metavar="NAME", help="only this project (default: all)")
    enroll.add_argument("--site", metavar="FILE", help="every key of a packaging/queue site file")
    whoami = add("whoami", cmd_whoami, "this profile's user, workstation and signing key")
    whoami.add_argument("--public-key", action="store_true", help="print only the public key")

    batch = sub.add_parser("batch", help="batch files for sites with no network path")
    batch_sub = batch.add_subparsers(dest="batch_command", metavar="ACTION", required=True)
    export = batch_sub.add_parser(
        "export", parents=[common], help="write a batch (the file takes its lease) or results"
    )
    export.add_argument("batch", metavar="BATCH")
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--force", action="store_true", help="overwrite FILE")
    _add_file_lease_days(export)
    add_server_options(export)
    export.set_defaults(handler=cmd_batch_export)
    importing = batch_sub.add_parser(
        "import", parents=[common], help="import a batch file (results release its lease)"
    )
    importing.add_argument("file", metavar="FILE")
    importing.add_argument(
        "--project-key", action="append", metavar="PROJECT=KEY", help="a project's key"
    )
    add_server_options(importing)
    importing.set_defaults(handler=cmd_batch_import)
    create = batch_sub.add_parser(
        "create", parents=[common], help="make batch files from a folder, no server needed"
    )
    create.add_argument("folder", metavar="FOLDER")
    create.add_argument("--project", required=True)
    create.add_argument("--out", required=True, metavar="FILE", help="FILE, or FILE-001… if more")
    create.add_argument("--track", default="offline", help="track named in the batches")
    create.add_argument("--per-batch", type=int, default=10, metavar="N")
    _add_schema_option(create)
    create.add_argument("--due", metavar="YYYY-MM-DD")
    create.add_argument("--instructions", metavar="TEXT")
    create.add_argument("--force", action="store_true", help="overwrite existing files")
    _add_file_lease_days(create)
    create.set_defaults(handler=cmd_batch_create)


def _add_schema_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schema",
        action="append",
        default=[],
        metavar="[MODALITY=]ID",
        help="label schema preset for one modality's items, e.g. waveform=ecg-beats-rhythms "
        "(repeatable; a plain ID when the folder has one modality; default: by modality)",
    )


def _add_file_lease_days(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lease-days",
        dest="file_lease_days",
        type=float,
        metavar="DAYS",
        help="how long the file holds the batch's lease (default 30)",
    )
