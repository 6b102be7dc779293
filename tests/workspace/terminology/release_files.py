"""Small terminology release files in the real formats (LOINC CSV, SNOMED CT RF2, RxNorm RRF)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

LOINC_COLUMNS = [
    "LOINC_NUM",
    "COMPONENT",
    "PROPERTY",
    "TIME_ASPCT",
    "SYSTEM",
    "SCALE_TYP",
    "METHOD_TYP",
    "CLASS",
    "DefinitionDescription",
    "STATUS",
    "SHORTNAME",
    "LONG_COMMON_NAME",
]
SNOMED_HEADER = (
    "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId"
)
FSN, SYNONYM = "900000000000003001", "900000000000013009"


def write_loinc(path: Path, rows: Iterable[tuple[str, str]], definition: str = "") -> Path:
    """``Loinc.csv`` with every field quoted, as Regenstrief ships it."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(LOINC_COLUMNS)
        for code, name in rows:
            component = name.split(" [")[0]
            values = [code, component, "MCnc", "Pt", "Ser/Plas", "Qn", "", "CHEM"]
            writer.writerow([*values, definition, "ACTIVE", component[:20], name])
    return path


def write_snomed(path: Path, rows: Iterable[tuple[str, str, str, str]]) -> Path:
    """An RF2 description snapshot: (active, concept id, type id, term) per row."""
    lines = [SNOMED_HEADER]
    for n, (active, concept, type_id, term) in enumerate(rows, start=1):
        description = f"{n}01{n % 10}"
        lines.append(
            f"{description}\t20240101\t{active}\t900000000000207008\t{concept}\ten\t{type_id}\t"
            f"{term}\t900000000000448009"
        )
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def rrf_line(
    rxcui: str, text: str, sab: str = "RXNORM", tty: str = "SCD", suppress: str = "N"
) -> str:
    """One ``RXNCONSO.RRF`` row (18 fields, each followed by ``|``)."""
    fields = [rxcui, "ENG", "", "", "", "", "", "9" + rxcui, "9" + rxcui, rxcui, ""]
    return "|".join([*fields, sab, tty, rxcui, text, "", suppress, "4096"]) + "|"


def write_rxnorm(path: Path, rows: Iterable[tuple[str, str]], extra: Iterable[str] = ()) -> Path:
    """``RXNCONSO.RRF`` of RxNorm rows (rxcui, string), plus raw ``extra`` lines."""
    lines = [rrf_line(rxcui, text) for rxcui, text in rows]
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path
