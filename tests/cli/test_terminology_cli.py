"""``caliper terminology import|list|search``, run as a real subprocess on a real profile."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.workspace.terminology.release_files import write_loinc, write_rxnorm

DRUGS = [("6809", "metformin"), ("861007", "metformin hydrochloride 500 MG Oral Tablet")]


def test_import_list_and_search(profile_dir: Path, tmp_path: Path) -> None:
    release = write_rxnorm(tmp_path / "RXNCONSO.RRF", DRUGS)
    profile = ("--profile", str(profile_dir))
    imported = caliper("terminology", "import", "--system", "rxnorm", str(release), *profile)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split("\t")[:4] == ["imported", "RXNORM", "-", "2 terms"]

    listed = caliper("terminology", "list", "--json", *profile)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["system"], r["terms"]) for r in rows] == [("ICD10CM", None), ("RXNORM", 2)]

    found = caliper("terminology", "search", "rxnorm", "oral metf", *profile)
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == ["861007\tmetformin hydrochloride 500 MG Oral Tablet"]

    icd = caliper("terminology", "search", "icd10cm", "e11.9", "--json", "--limit", "1", *profile)
    assert icd.returncode == 0, icd.stderr
    [concept] = json.loads(icd.stdout)
    assert concept["code"] == "E11.9" and concept["system"] == "ICD10CM"
    assert concept["display"] == "Type 2 diabetes mellitus without complications"


def test_a_bad_release_is_one_line_and_imports_nothing(profile_dir: Path, tmp_path: Path) -> None:
    profile = ("--profile", str(profile_dir))
    rows = [("2345-7", "Glucose [Mass/volume] in Serum or Plasma"), ("not-a-code", "Broken")]
    release = write_loinc(tmp_path / "Loinc.csv", rows)
    failed = caliper("terminology", "import", "--system", "loinc", str(release), *profile)
    assert_one_line_error(failed, "Loinc.csv, line 3: 'not-a-code' is not a LOINC code")
    listed = caliper("terminology", "list", *profile)
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["ICD10CM"]
    missing = caliper("terminology", "search", "loinc", "glucose", *profile)
    assert_one_line_error(missing, "no LOINC release is imported")
    unknown = caliper("terminology", "search", "mesh", "glucose", *profile)
    assert_one_line_error(unknown, "unknown code system 'mesh'")
    absent = caliper("terminology", "import", "--system", "snomed", str(tmp_path / "x.txt"))
    assert_one_line_error(absent, "no such file")
