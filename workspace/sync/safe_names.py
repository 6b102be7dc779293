"""The one place an id or a name from a result becomes part of a path.

Batch, task and result ids and annotator names arrive from workstations; collecting writes
each result under ``<batch>/<task>/<annotator>-<result id>`` (revision 1) or
``<batch>/<task>/<annotator>-r<N>-<result id>`` (revision N of a reopened task), next to the
task's ``newest.json``. Each part must match its pattern in
``resources/sync/result.schema.json`` (the same patterns the schema enforces on every
received result), a revision must be a whole number from 1, and the folder must resolve
inside the output folder, so a crafted ``../../x``, ``/abs``, ``a/b`` or a name holding NUL or
``..`` is refused, never written.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from workspace.errors import WorkspaceError
from workspace.sync.documents import SCHEMA_DIR

#: Result fields used in paths, and what the message calls them.
_FIELDS = {
    "batch_id": "batch id",
    "task_id": "task id",
    "annotator": "annotator name",
    "result_id": "result id",
}


class UnsafeNameError(WorkspaceError, ValueError):
    """An id or name that cannot be one path component; the message names it."""


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    schema = json.loads((SCHEMA_DIR / "result.schema.json").read_text(encoding="utf-8"))
    return {name: re.compile(schema["properties"][name]["pattern"]) for name in _FIELDS}


def path_component(field: str, value: object) -> str:
    """``value`` if it is a valid ``field`` of a result and safe as one path component."""
    text = value if isinstance(value, str) else ""
    if (
        not text
        or _patterns()[field].fullmatch(text) is None
        or text in (".", "..")
        or any(c in text for c in "/\\\0")
    ):
        raise UnsafeNameError(f"its {_FIELDS[field]} {value!r} is not allowed in a file name")
    return text


def revision_component(value: object) -> int:
    """``value`` if it is a valid result revision: a whole number from 1 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UnsafeNameError(f"its revision {value!r} is not allowed in a file name")
    return value


def _inside(out_dir: Path, folder: Path) -> Path:
    """``folder``, checked to resolve inside ``out_dir`` (no symlink leads out of it)."""
    if not folder.resolve().is_relative_to(out_dir.resolve()):
        raise UnsafeNameError(f"its folder {folder} would be outside {out_dir}")
    return folder


def task_folder(out_dir: Path, batch_id: object, task_id: object) -> Path:
    """``out_dir/<batch>/<task>``: every result of a task and its ``newest.json``, checked."""
    return _inside(
        out_dir, out_dir / path_component("batch_id", batch_id) / path_component("task_id", task_id)
    )


def result_folder(
    out_dir: Path,
    batch_id: object,
    task_id: object,
    annotator: object,
    result_id: object,
    revision: object = 1,
) -> Path:
    """``out_dir/<batch>/<task>/<annotator>-<result id>`` for revision 1, and
    ``<annotator>-r<N>-<result id>`` for revision N > 1; checked to stay inside ``out_dir``."""
    number = revision_component(revision)
    name = path_component("annotator", annotator)
    if number > 1:
        name = f"{name}-r{number}"
    name = f"{name}-{path_component('result_id', result_id)}"
    return _inside(out_dir, task_folder(out_dir, batch_id, task_id) / name)
