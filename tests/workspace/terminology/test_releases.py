"""Release files are read in their real formats; a bad line is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workspace.terminology.release_files import (
    FSN,
    SYNONYM,
    rrf_line,
    write_loinc,
    write_rxnorm,
    write_snomed,
)
from workspace.terminology.concept import SNOMED, TerminologyFileError
from workspace.terminology.releases import (
    read_loinc,
    read_rxnorm,
    read_snomed,
    version_from_name,
)


def test_loinc_codes_and_long_common_names(tmp_path: Path) -> None:
    path = write_loinc(
        tmp_path / "Loinc.csv",
        [("2345-7", "Glucose [Mass/volume] in Serum or Plasma"), ("4548-4", 'Hb "A1c", blood')],
        definition="Two lines,\nwith a comma",
    )
    assert list(read_loinc(path)) == [
        ("2345-7", "Glucose [Mass/volume] in Serum or Plasma"),
        ("4548-4", 'Hb "A1c", blood'),
    ]


def test_snomed_keeps_active_names_and_synonyms(tmp_path: Path) -> None:
    path = write_snomed(
        tmp_path / "sct2_Description_Snapshot-en_INT_20240101.txt",
        [
            ("1", "73211009", FSN, "Diabetes mellitus (disorder)"),
            ("1", "73211009", SYNONYM, "Diabetes mellitus"),
            ("0", "73211009", SYNONYM, "Sugar diabetes"),
        ],
    )
    assert list(read_snomed(path)) == [
        ("73211009", "Diabetes mellitus (disorder)"),
        ("73211009", "Diabetes mellitus"),
    ]
    assert version_from_name(SNOMED, path) == "20240101"


def test_rxnorm_keeps_rxnorm_rows_not_suppressed(tmp_path: Path) -> None:
    other = rrf_line("198211", "ACETAMINOPHEN 325 mg", sab="MTHSPL")
    obsolete = rrf_line("999", "an obsolete form", suppress="O")
    path = write_rxnorm(tmp_path / "RXNCONSO.RRF", [("161", "acetaminophen")], [other, obsolete])
    assert list(read_rxnorm(path)) == [("161", "acetaminophen")]


@pytest.mark.parametrize(
    ("name", "reader", "content", "fragment"),
    [
        ("Loinc.csv", read_loinc, '"CODE","NAME"\r\n"1-8","x"\r\n', "line 1: not a LOINC table"),
        (
            "Loinc.csv",
            read_loinc,
            '"LOINC_NUM","LONG_COMMON_NAME"\n"1-8","x"\n"oops","y"\n',
            "line 3",
        ),
        ("Loinc.csv", read_loinc, '"LOINC_NUM","LONG_COMMON_NAME"\n"1-8"\n', "line 2: 1 columns"),
        ("d.txt", read_snomed, "id\tterm\n", "line 1: not an RF2 description file"),
        ("RXNCONSO.RRF", read_rxnorm, rrf_line("1", "a") + "\n161|ENG|x|\n", "line 2: 3 fields"),
        ("RXNCONSO.RRF", read_rxnorm, rrf_line("ab", "a") + "\n", "line 1: 'ab' is not an RXCUI"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, name, reader, content, fragment) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TerminologyFileError, match=fragment) as caught:
        list(reader(path))
    assert str(caught.value).startswith(name)


def test_text_that_is_not_utf8_is_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "RXNCONSO.RRF"
    path.write_bytes((rrf_line("1", "a") + "\n").encode() + b"2|\xff\xfe|\n")
    with pytest.raises(TerminologyFileError, match="line 2: not UTF-8"):
        list(read_rxnorm(path))


def test_an_endless_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "RXNCONSO.RRF"
    path.write_bytes((rrf_line("1", "a") + "\n").encode() + b"x" * (3 << 20))
    with pytest.raises(TerminologyFileError, match="line 2: longer than 1024 KiB"):
        list(read_rxnorm(path))
