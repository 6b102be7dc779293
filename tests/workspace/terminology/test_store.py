"""Releases imported into a real encrypted profile: FTS5 search, replacement, refusal."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.profile import Profile
from tests.conftest import PASSPHRASE
from tests.workspace.terminology.release_files import (
    FSN,
    SYNONYM,
    rrf_line,
    write_loinc,
    write_rxnorm,
    write_snomed,
)
from workspace.terminology.concept import (
    LOINC,
    RXNORM,
    SNOMED,
    Concept,
    TerminologyError,
    TerminologyFileError,
    UnknownSystemError,
)
from workspace.terminology.search import search, searchable_systems
from workspace.terminology.store import TerminologyStore

DRUGS = [
    ("161", "acetaminophen"),
    ("198211", "acetaminophen 325 MG Oral Tablet"),
    ("6809", "metformin"),
    ("860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet"),
    ("861007", "metformin hydrochloride 500 MG Oral Tablet"),
]


@pytest.fixture
def store(profile: Profile) -> TerminologyStore:
    return TerminologyStore(profile.database, profile.audit)


def _codes(found: list[Concept]) -> list[str]:
    return [c.code for c in found]


def test_rxnorm_words_match_as_prefixes_in_any_order(store, tmp_path: Path) -> None:
    info = store.import_release(RXNORM, write_rxnorm(tmp_path / "RXNCONSO.RRF", DRUGS), "01022024")
    assert (info.system, info.version, info.terms, info.source) == (
        RXNORM,
        "01022024",
        5,
        "RXNCONSO.RRF",
    )
    assert _codes(store.search(RXNORM, "metf")) == ["6809", "861007", "860975"]
    assert _codes(store.search(RXNORM, "tab ORAL metf hydro")) == ["861007", "860975"]
    assert store.search(RXNORM, "ACÉTAMINOPHÈN 325")[0] == Concept(
        RXNORM, "198211", "acetaminophen 325 MG Oral Tablet", "01022024"
    )
    assert store.search(RXNORM, "metf", limit=1) == [
        Concept(RXNORM, "6809", "metformin", "01022024")
    ]
    assert [r.system for r in store.releases()] == [RXNORM]
    assert searchable_systems(store) == ["ICD10CM", RXNORM]


def test_the_exact_code_comes_first_then_codes_starting_with_it(store, tmp_path: Path) -> None:
    rows = [("2345-7", "Glucose [Mass/volume] in Serum or Plasma"), ("23456-1", "Other")]
    rows += [("12345-7", "Glucose 2345 fictional"), ("4548-4", "Hemoglobin A1c")]
    store.import_release(LOINC, write_loinc(tmp_path / "Loinc.csv", rows))
    assert _codes(store.search(LOINC, "2345-7")) == ["2345-7"]
    assert _codes(store.search(LOINC, "2345")) == ["2345-7", "23456-1", "12345-7"]
    assert search(LOINC, "hemo a1c", store=store)[0].code == "4548-4"


def test_a_snomed_concept_is_listed_once_with_its_best_term(store, tmp_path: Path) -> None:
    path = write_snomed(
        tmp_path / "sct2_Description_Snapshot-en_INT_20240101.txt",
        [
            ("1", "73211009", FSN, "Diabetes mellitus (disorder)"),
            ("1", "73211009", SYNONYM, "Diabetes mellitus"),
            ("1", "44054006", FSN, "Diabetes mellitus type 2 (disorder)"),
            ("0", "11111111", SYNONYM, "Diabetes retired"),
        ],
    )
    store.import_release(SNOMED, path, "20240101")
    assert [(c.code, c.display) for c in store.search(SNOMED, "diab")] == [
        ("73211009", "Diabetes mellitus"),
        ("44054006", "Diabetes mellitus type 2 (disorder)"),
    ]


def test_many_matches_come_shortest_first_and_systems_stay_apart(store, tmp_path: Path) -> None:
    rng = random.Random(7)
    words = ["oral", "tablet", "capsule", "extended", "release", "hydrochloride", "sodium"]
    rows = [
        (str(1000 + n), " ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) + " mg")
        for n in range(3000)
    ]
    store.import_release(RXNORM, write_rxnorm(tmp_path / "RXNCONSO.RRF", rows))
    store.import_release(LOINC, write_loinc(tmp_path / "Loinc.csv", [("1-8", "oral mg")]))
    found = store.search(RXNORM, "mg", limit=40)
    shortest = sorted(len(display) for _, display in rows)[:40]
    assert [len(c.display) for c in found] == shortest
    assert all(c.system == RXNORM for c in found)
    assert _codes(store.search(LOINC, "oral mg")) == ["1-8"]


def test_reimport_replaces_the_release(store, profile: Profile, tmp_path: Path) -> None:
    store.import_release(RXNORM, write_rxnorm(tmp_path / "old.RRF", DRUGS), "old")
    newer = [("5640", "ibuprofen"), ("6809", "metformin")]
    store.import_release(RXNORM, write_rxnorm(tmp_path / "new.RRF", newer), "new")
    assert store.search(RXNORM, "acetam") == []
    assert store.search(RXNORM, "metf") == [Concept(RXNORM, "6809", "metformin", "new")]
    assert [(r.version, r.terms) for r in store.releases()] == [("new", 2)]
    with profile.database.read() as session:
        assert session.execute(text("SELECT count(*) FROM terminology_terms")).scalar() == 2
        check = "INSERT INTO terminology_fts(terminology_fts) VALUES ('integrity-check')"
        session.execute(text(check))  # raises if the index and the terms disagree
        events = session.execute(
            text("SELECT event, subject FROM audit_log WHERE event = 'terminology.import'")
        ).all()
    assert [tuple(e) for e in events] == [("terminology.import", RXNORM)] * 2


def test_a_bad_file_imports_nothing_and_keeps_the_release(store, tmp_path: Path) -> None:
    store.import_release(RXNORM, write_rxnorm(tmp_path / "good.RRF", DRUGS), "good")
    many = [(str(10_000 + n), f"drug {n}") for n in range(12_000)]
    bad = write_rxnorm(tmp_path / "RXNCONSO.RRF", many, ["1|ENG|cut short"])
    with pytest.raises(TerminologyFileError, match=r"RXNCONSO\.RRF, line 12001: 3 fields"):
        store.import_release(RXNORM, bad, "bad")
    assert [(r.version, r.terms) for r in store.releases()] == [("good", 5)]
    assert _codes(store.search(RXNORM, "metformin hydro")) == ["861007", "860975"]
    assert store.search(RXNORM, "drug") == []


def test_refusals_are_one_clear_message(store, tmp_path: Path) -> None:
    other_only = write_rxnorm(tmp_path / "RXNCONSO.RRF", [], [rrf_line("1", "x", sab="MTHSPL")])
    with pytest.raises(TerminologyError, match="holds no RXNORM terms; nothing was imported"):
        store.import_release(RXNORM, other_only)
    with pytest.raises(TerminologyError, match="cannot read"):
        store.import_release(RXNORM, tmp_path / "missing.RRF")
    with pytest.raises(TerminologyError, match="cannot import 'MESH'"):
        store.import_release("MESH", other_only)
    with pytest.raises(UnknownSystemError, match="no SCT release"):
        store.search(SNOMED, "diab")
    assert store.releases() == []


def test_hostile_queries_are_words_not_syntax(store, tmp_path: Path) -> None:
    store.import_release(RXNORM, write_rxnorm(tmp_path / "RXNCONSO.RRF", DRUGS))
    for query in ['"', "*", "metf*", "AND OR NOT", "NEAR(metf", "display:metf", "'; DROP", "-"]:
        found = store.search(RXNORM, query)
        assert all(c.system == RXNORM for c in found)
    assert _codes(store.search(RXNORM, "metf*")) == ["6809", "861007", "860975"]


def test_long_prefixes_are_expanded_to_words_or_left_to_fts5(store, tmp_path: Path) -> None:
    rows = [(str(100 + n), f"drugname{n:02d} tablet") for n in range(70)]
    rows.append(("999", "drugnamé99 tablets"))  # folded like the index folds it
    store.import_release(RXNORM, write_rxnorm(tmp_path / "RXNCONSO.RRF", rows))
    # 71 words start "drugname": more than are expanded, so FTS5 gets the prefix itself.
    assert len(store.search(RXNORM, "drugname", limit=100)) == 71
    assert _codes(store.search(RXNORM, "drugname0 tabl")) == [str(100 + n) for n in range(10)]
    assert _codes(store.search(RXNORM, "DRUGNAME99")) == ["999"]
    assert store.search(RXNORM, "drugnamex tablet") == []


def _term_rows(profile: Profile) -> int:
    with profile.database.read() as session:
        return int(session.execute(text("SELECT count(*) FROM terminology_terms")).scalar_one())


def test_an_import_lets_other_writes_through_between_batches(
    store, profile: Profile, tmp_path: Path
) -> None:
    """The release is staged in short transactions: a write made while it imports (here from
    its progress callback) goes through at once instead of waiting for the whole release."""
    many = [(str(10_000 + n), f"drug {n} oral tablet") for n in range(30_000)]
    release = write_rxnorm(tmp_path / "RXNCONSO.RRF", many)
    writes: list[int] = []

    def write_between(count: int) -> None:
        with profile.database.write_connection() as conn:
            conn.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: fails if the import held the lock
        writes.append(count)

    store.import_release(RXNORM, release, "big", progress=write_between)
    assert len(writes) >= 6 and writes[-1] == 30_000
    assert [c.code for c in store.search(RXNORM, "drug 29999")] == ["39999"]


def test_a_killed_import_leaves_the_release_and_is_swept_by_the_next(
    store, profile: Profile, tmp_path: Path
) -> None:
    """kill -9 mid-import: the old release stays searchable and listed; the next import drops
    the staged rows (indexed or not) and the full-text index stays consistent."""
    store.import_release(RXNORM, write_rxnorm(tmp_path / "good.RRF", DRUGS), "good")
    many = [(str(10_000 + n), f"drug {n} oral tablet") for n in range(60_000)]
    release = write_rxnorm(tmp_path / "RXNCONSO.RRF", many)
    profile_dir = profile.path
    profile.lock()
    repo = Path(__file__).resolve().parents[3]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.workspace.terminology.import_child", str(profile_dir),
         str(release)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:  # killed once part of the release is staged
        if line.startswith("STAGED") and int(line.split()[1]) >= 20_000:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    again = Profile.unlock(profile_dir, PASSPHRASE)
    store = TerminologyStore(again.database, again.audit)
    assert [(r.version, r.terms) for r in store.releases()] == [("good", 5)]
    assert _codes(store.search(RXNORM, "metformin hydro")) == ["861007", "860975"]
    assert store.search(RXNORM, "drug") == [] and store.search(RXNORM, "1000") == []
    assert _term_rows(again) > 5  # the killed import's staged rows are still there...
    store.import_release(RXNORM, write_rxnorm(tmp_path / "next.RRF", DRUGS[:2]), "next")
    assert _term_rows(again) == 2  # ...until the next import drops them
    with again.database.read() as session:  # the index agrees with its content table
        session.execute(
            text("INSERT INTO terminology_fts(terminology_fts, rank) VALUES ('integrity-check', 1)")
        )
    assert _codes(store.search(RXNORM, "acet")) == ["161", "198211"]
    again.lock()
