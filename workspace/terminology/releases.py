"""Readers of the terminology release files a user supplies: LOINC, SNOMED CT RF2, RxNorm.

Each reader streams ``(code, term)`` pairs from one file, line by line, so a release of
millions of rows never sits in memory. A line that does not fit the format stops the read with
a :class:`TerminologyFileError` naming the file and the line (the import then keeps nothing).

- LOINC ``Loinc.csv``: the columns ``LOINC_NUM`` and ``LONG_COMMON_NAME`` (any others, e.g.
  ``COMPONENT``, are ignored); every row, whatever its ``STATUS``.
- SNOMED CT RF2 ``sct2_Description_Snapshot-en_*.txt``: tab-separated; active rows
  (``active`` = 1), fully specified names and synonyms, one term per row.
- RxNorm ``RXNCONSO.RRF``: ``|``-separated, 18 fields; rows of ``SAB`` = RXNORM that are not
  suppressed (``SUPPRESS`` = N), one term (``STR``) per row under its ``RXCUI``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from workspace.terminology.concept import (
    LOINC,
    RXNORM,
    SNOMED,
    TerminologyError,
    TerminologyFileError,
)

Term = tuple[str, str]
Reader = Callable[[Path], Iterator[Term]]

_LOINC_NUM = re.compile(r"\d{1,8}-\d")
_SCTID = re.compile(r"\d{6,18}")
_RXCUI = re.compile(r"\d{1,10}")
_SNOMED_HEADER = [
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "conceptId",
    "languageCode",
    "typeId",
    "term",
    "caseSignificanceId",
]
_SNOMED_DATE = re.compile(r"_(\d{8})\.txt$", re.IGNORECASE)
_RRF_FIELDS = 18
_MAX_LINE = 1 << 20
_RRF_SAB, _RRF_STR, _RRF_SUPPRESS = 11, 14, 16


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, decoded as UTF-8 one at a time."""
    try:
        with path.open("rb") as stream:
            lines = iter(lambda: stream.readline(_MAX_LINE + 1), b"")
            for number, raw in enumerate(lines, start=1):
                if len(raw) > _MAX_LINE:
                    raise _bad(path, number, f"longer than {_MAX_LINE // 1024} KiB")
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    raise _bad(path, number, "not UTF-8 text") from None
                yield number, line.rstrip("\r\n")
    except OSError as exc:
        raise TerminologyError(f"cannot read {path}: {exc.strerror or exc}") from None


def _bad(path: Path, number: int, what: str) -> TerminologyFileError:
    return TerminologyFileError(f"{path.name}, line {number}: {what}; nothing was imported.")


def read_loinc(path: Path) -> Iterator[Term]:
    """Codes and long common names of a LOINC table (``Loinc.csv``)."""
    lines = _lines(path)
    line_numbers: list[int] = [0]

    def texts() -> Iterator[str]:
        for number, text in lines:
            line_numbers[0] = number
            yield text

    rows = csv.reader(texts())
    try:
        header = next(rows, None)
        if header is None or "LOINC_NUM" not in header or "LONG_COMMON_NAME" not in header:
            raise _bad(path, 1, "not a LOINC table (no LOINC_NUM and LONG_COMMON_NAME columns)")
        code_at, name_at = header.index("LOINC_NUM"), header.index("LONG_COMMON_NAME")
        for row in rows:
            if not row:
                continue
            number = line_numbers[0]
            if len(row) != len(header):
                raise _bad(path, number, f"{len(row)} columns where the header has {len(header)}")
            code, name = row[code_at].strip(), row[name_at].strip()
            if not _LOINC_NUM.fullmatch(code):
                raise _bad(path, number, f"{code[:40]!r} is not a LOINC code")
            if not name:
                raise _bad(path, number, f"LOINC {code} has no LONG_COMMON_NAME")
            yield code, name
    except csv.Error as exc:
        raise _bad(path, line_numbers[0], f"not CSV ({exc})") from None


def read_snomed(path: Path) -> Iterator[Term]:
    """Concept ids and active terms (FSN and synonyms) of an RF2 description snapshot."""
    for number, text in _lines(path):
        fields = text.split("\t")
        if number == 1:
            if fields != _SNOMED_HEADER:
                raise _bad(path, 1, "not an RF2 description file (unexpected header)")
            continue
        if not text:
            continue
        if len(fields) != len(_SNOMED_HEADER):
            raise _bad(path, number, f"{len(fields)} fields where RF2 has {len(_SNOMED_HEADER)}")
        active, concept, term = fields[2], fields[4], fields[7].strip()
        if active not in ("0", "1") or not _SCTID.fullmatch(concept):
            raise _bad(path, number, "the active flag or the concept id is not valid")
        if active == "1" and term:
            yield concept, term


def read_rxnorm(path: Path) -> Iterator[Term]:
    """RXCUIs and strings of the RxNorm rows of ``RXNCONSO.RRF``."""
    for number, text in _lines(path):
        if not text:
            continue
        fields = text.split("|")
        if fields and fields[-1] == "":
            fields.pop()  # each RRF row ends with a separator
        if len(fields) != _RRF_FIELDS:
            raise _bad(path, number, f"{len(fields)} fields where RXNCONSO has {_RRF_FIELDS}")
        if not _RXCUI.fullmatch(fields[0]):
            raise _bad(path, number, f"{fields[0][:20]!r} is not an RXCUI")
        if fields[_RRF_SAB] == "RXNORM" and fields[_RRF_SUPPRESS] in ("N", ""):
            term = fields[_RRF_STR].strip()
            if term:
                yield fields[0], term


#: Readers by code system id.
READERS: dict[str, Reader] = {LOINC: read_loinc, SNOMED: read_snomed, RXNORM: read_rxnorm}

#: The names ``caliper terminology import --system`` takes, and the system ids they mean.
SYSTEM_NAMES: dict[str, str] = {"loinc": LOINC, "snomed": SNOMED, "rxnorm": RXNORM}


def version_from_name(system: str, path: Path) -> str:
    """A release version read from the file name where the format puts one (SNOMED's date)."""
    if system == SNOMED:
        match = _SNOMED_DATE.search(path.name)
        if match:
            return match.group(1)
    return ""
