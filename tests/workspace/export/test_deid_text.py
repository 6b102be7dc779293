"""``deid-text``: accepted PHI replaced by tags or consistent surrogates; nothing else."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from storage.profile import Profile
from tests.bench.bench_phi_rules import NOTES
from workspace.annotation_kinds.spans import span
from workspace.annotation_kinds.suggestions import accept_suggestions
from workspace.export.base import ExportError
from workspace.export.deid_text import SECRET_SETTING, deid_options, deidentified
from workspace.export.item_export import export_item
from workspace.text_rules.suggest import suggest_phi
from workspace.text_rules.surrogates import Surrogates
from workspace.workspace import Workspace

NOTE = "Mrs Ann Lee, seen 03/14/2024 and 03/19/2024. Ann Lee called (217) 555-0143. Lee is well."


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


def _spans(text: str, *pieces: tuple[str, str]):
    made, position = [], 0
    for phrase, label in pieces:
        start = text.index(phrase, position)
        made.append(span("n1", text, [(start, start + len(phrase))], label))
        position = start + len(phrase)
    return made


ANNOTATIONS = _spans(
    NOTE,
    ("Ann Lee", "phi_name"),
    ("03/14/2024", "phi_date"),
    ("03/19/2024", "phi_date"),
    ("Ann Lee", "phi_name"),
    ("(217) 555-0143", "phi_contact"),
    ("Lee", "phi_name"),
)


def test_tags_replace_accepted_spans() -> None:
    assert deidentified(NOTE, ANNOTATIONS) == (
        "Mrs [NAME], seen [DATE] and [DATE]. [NAME] called [CONTACT]. [NAME] is well."
    )


def test_surrogates_are_consistent_and_keep_formats() -> None:
    out = deidentified(NOTE, ANNOTATIONS, Surrogates(b"s" * 32, "patient-1"))
    match = re.fullmatch(
        r"Mrs (\w+ \w+), seen (\d\d/\d\d/\d{4}) and (\d\d/\d\d/\d{4})\. (\w+ \w+) called "
        r"(\(\d{3}\) \d{3}-\d{4})\. (\w+) is well\.",
        out,
    )
    assert match, out
    first, day1, day2, again, phone, surname = match.groups()
    assert phone != "(217) 555-0143"
    assert first == again and surname == first.split()[1]  # same name, same surrogate
    for original in ("Ann", "Lee", "03/14/2024", "03/19/2024", "555-0143"):
        assert not re.search(rf"(?<!\w){re.escape(original)}(?!\w)", out), original
    moved = [date(int(d[6:]), int(d[:2]), int(d[3:5])) for d in (day1, day2)]
    assert (moved[1] - moved[0]).days == 5  # one offset per patient
    assert moved[0] != date(2024, 3, 14)
    again_out = deidentified(NOTE, ANNOTATIONS, Surrogates(b"s" * 32, "patient-1"))
    assert again_out == out  # stable across exports
    other = deidentified(NOTE, ANNOTATIONS, Surrogates(b"t" * 32, "patient-1"))
    assert other != out  # a different secret: different surrogates


def test_a_written_surrogate_wins_and_suggestions_are_left_out() -> None:
    name = span("n1", NOTE, [(4, 11)], "phi_name", attributes={"surrogate": "Jo Roe"})
    proposed = span(
        "n1", NOTE, [(18, 28)], "phi_date", data={"suggested": {"by": "r", "rule": "x"}}
    )
    out = deidentified(NOTE, [name, proposed], Surrogates(b"s" * 32, "p"))
    assert out.startswith("Mrs Jo Roe, seen 03/14/2024")


def _stands_in(phi: str, text: str) -> bool:
    """``phi`` appears in ``text`` as a whole token (a surrogate phone number may contain the
    digits of a short gold span, "92" in "811-1392", by chance)."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(phi)}(?![0-9A-Za-z])", text) is not None


def test_a_stored_note_exported_with_tags_and_surrogates(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "note.txt"
    shutil.copy(NOTES / "01_discharge.txt", path)
    (item,) = workspace.import_paths([path])
    suggest_phi(workspace, item.id)
    document = workspace.document(item.id)
    workspace.command_stack(item.id).push(
        accept_suggestions(document, [a.id for a in document.all()])
    )
    gold = json.loads((NOTES / "01_discharge.json").read_text(encoding="utf-8"))["spans"]

    tags = tmp_path / "tags.txt"
    assert export_item(workspace, item.id, "deid-text", tags) == [tags]
    tagged = tags.read_text(encoding="utf-8")
    assert "[NAME]" in tagged and "[DATE]" in tagged and "[LOCATION]" in tagged
    assert "CT head was negative for hemorrhage." in tagged
    assert not [g["text"] for g in gold if _stands_in(g["text"], tagged)]

    options = deid_options(workspace, surrogates=True)
    assert workspace.setting(SECRET_SETTING) == options["secret"]  # kept in the profile
    first, second = tmp_path / "s1.txt", tmp_path / "s2.txt"
    export_item(workspace, item.id, "deid-text", first, options)
    export_item(workspace, item.id, "deid-text", second, deid_options(workspace, True))
    surrogate = first.read_text(encoding="utf-8")
    assert surrogate == second.read_text(encoding="utf-8")
    assert not [g["text"] for g in gold if _stands_in(g["text"], surrogate)]
    assert "Discharge date: " in surrogate and "HOSPITAL COURSE:" in surrogate


def test_a_wrong_file_name_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Seen by Dr. Ann Lee.\n", encoding="utf-8")
    (item,) = workspace.import_paths([path])
    with pytest.raises(ExportError, match=r"a deid-text file name ends with \.txt"):
        export_item(workspace, item.id, "deid-text", tmp_path / "out.ann")
