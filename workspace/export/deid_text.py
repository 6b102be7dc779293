"""``deid-text``: the note with its accepted PHI replaced by type tags or surrogates.

Only accepted ``phi_*`` spans count (a rule's suggestion nobody accepted is left out, as
every exporter leaves suggestions out). By default each span becomes its type's tag
(``[NAME]``, ``[DATE]``...). With the option ``surrogates`` each becomes a surrogate
(:mod:`workspace.text_rules.surrogates`): the span's own ``surrogate`` attribute when
someone wrote one, else one derived from the profile's de-identification secret and the
patient (the item's ``patient_id``, else the item), so the same name maps to the same
surrogate and dates move by one offset in every export of that patient's notes.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError
from workspace.annotation_kinds.names import SPAN
from workspace.annotation_kinds.spans import TRANSCRIPT_OF, check_span
from workspace.annotation_kinds.suggestions import is_suggestion
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.text_rules.surrogates import Surrogates

if TYPE_CHECKING:
    from workspace.workspace import Workspace

FORMAT = "deid-text"
PHI_PREFIX = "phi_"
#: Profile setting holding the secret surrogates are derived from (made on first use).
SECRET_SETTING = "deid.secret"  # noqa: S105 - a setting name, not a secret
SURROGATES = "surrogates"
SECRET = "secret"  # noqa: S105 - an option name


def tag(label: str) -> str:
    """The tag that stands for a span labelled ``label`` (``phi_name`` → ``[NAME]``)."""
    return f"[{label.removeprefix(PHI_PREFIX).upper()}]"


def phi_ranges(text: str, annotations: Sequence[Annotation]) -> list[tuple[int, int, Annotation]]:
    """``(start, end, span)`` of every fragment of the accepted PHI spans over the note, in
    text order, overlapping ones merged into the first."""
    pieces: list[tuple[int, int, Annotation]] = []
    for annotation in annotations:
        label = annotation.label or ""
        if (
            annotation.kind != SPAN
            or not label.startswith(PHI_PREFIX)
            or is_suggestion(annotation)
            or TRANSCRIPT_OF in annotation.data
        ):
            continue
        try:
            fragments = check_span(annotation, text)
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
        pieces.extend((start, end, annotation) for start, end in fragments)
    pieces.sort(key=lambda p: (p[0], -p[1]))
    merged: list[tuple[int, int, Annotation]] = []
    for start, end, annotation in pieces:
        if merged and start < merged[-1][1]:
            first = merged[-1]
            merged[-1] = (first[0], max(first[1], end), first[2])
        else:
            merged.append((start, end, annotation))
    return merged


def deidentified(
    text: str, annotations: Sequence[Annotation], surrogates: Surrogates | None = None
) -> str:
    """``text`` with each accepted PHI span replaced by its tag, or its surrogate."""
    out: list[str] = []
    position = 0
    for start, end, annotation in phi_ranges(text, annotations):
        label = annotation.label or ""
        out.append(text[position:start])
        if surrogates is None:
            out.append(tag(label))
        else:
            written = (annotation.data.get(ATTRIBUTES) or {}).get("surrogate")
            kind = str(annotation.data.get("phi_type", ""))
            out.append(written or surrogates.replace(label, text[start:end], kind))
        position = end
    out.append(text[position:])
    return "".join(out)


def deid_options(workspace: Workspace, surrogates: bool) -> dict[str, Any]:
    """The exporter options for tags, or for surrogates under the profile's secret (made,
    and kept in the encrypted store, the first time it is needed)."""
    if not surrogates:
        return {}
    secret = workspace.setting(SECRET_SETTING)
    if not isinstance(secret, str) or not secret:
        secret = secrets.token_hex(32)
        workspace.set_setting(SECRET_SETTING, secret)
    return {SURROGATES: True, SECRET: secret}


def _surrogates(options: Mapping[str, Any], patient: str) -> Surrogates | None:
    if not options.get(SURROGATES):
        return None
    secret = options.get(SECRET)
    if not isinstance(secret, str) or not secret:
        raise ExportError("Surrogates need the profile's de-identification secret.")
    return Surrogates(bytes.fromhex(secret), patient)


class DeidTextExporter:
    """``deid-text``: the note de-identified, as UTF-8 text."""

    format_id = FORMAT
    result_file: str | None = None  # surrogates need the profile's secret

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.txt``): the note with its accepted PHI replaced."""
        require_suffix(out, FORMAT, [".txt"])
        text = source.payloads.text(source.item)
        patient = str(source.item.meta.get("patient_id") or source.item.id)
        result = deidentified(text, source.annotations, _surrogates(source.options, patient))
        try:
            out.write_text(result, encoding="utf-8", newline="")
        except OSError as exc:
            raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
        return [out]


register_exporter(DeidTextExporter())
