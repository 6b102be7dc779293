"""brat's ``annotation.conf`` and ``visual.conf``, written from a schema and read back.

brat opens a folder only when ``annotation.conf`` declares every type its ``.ann`` files
use; ``visual.conf`` gives the types their colours. Written from the schema:

- ``[entities]``: every class; ``[relations]``: every relation type with its ``Arg1`` and
  ``Arg2`` classes (both ways for an undirected one), plus ``<OVERLAP>`` so nested and
  overlapping spans are allowed; ``[attributes]``: flags (``Arg:`` only) and choice/multi
  attributes with their ``Value:`` list (free-text and number attributes are written as
  annotator notes, which brat needs no declaration for); ``[events]`` is empty.
- ``visual.conf``: ``[labels]`` and ``[drawing]`` with each class's colour as ``bgColor``
  (white text on dark colours).

Reading (:func:`declared_types`) keeps only what a check needs: the entity and relation
type names an ``annotation.conf`` declares (abstract ``!types``, macros and comments
skipped). See https://brat.nlplab.org/configuration.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workspace.schema import LabelSchema

ANNOTATION_CONF = "annotation.conf"
VISUAL_CONF = "visual.conf"
_SPACE = re.compile(r"\s+")
_SECTION = re.compile(r"\[(\w+)\]")


def brat_name(text: str) -> str:
    """A brat type, attribute name or value: no whitespace (it separates fields)."""
    return _SPACE.sub("_", text.strip())


def _alternatives(names: tuple[str, ...] | list[str]) -> str:
    return "|".join(brat_name(n) for n in dict.fromkeys(names)) or "<ENTITY>"


def annotation_conf(schema: LabelSchema) -> str:
    """The ``annotation.conf`` declaring ``schema``'s classes, relations and attributes."""
    lines = [f"# {schema.name} ({schema.id} {schema.version}), written by Caliper", ""]
    lines += ["[entities]", *(brat_name(c.name) for c in schema.classes), ""]
    lines.append("[relations]")
    for kind in schema.relation_types:
        sources, targets = list(kind.from_classes), list(kind.to_classes)
        if not kind.directed:
            sources = targets = sources + targets
        lines.append(
            f"{brat_name(kind.name)}\tArg1:{_alternatives(sources)}, Arg2:{_alternatives(targets)}"
        )
    lines += ["<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OL-TYPE>:<ANY>", ""]
    lines += ["[events]", "", "[attributes]"]
    for attribute in schema.attributes:
        applies = attribute.applies_to
        arg = f"Arg:{_alternatives(list(applies))}" if applies else "Arg:<ENTITY>"
        if attribute.kind == "bool":
            lines.append(f"{brat_name(attribute.name)}\t{arg}")
        elif attribute.kind in ("choice", "multi"):
            values = "|".join(brat_name(v) for v in attribute.values)
            lines.append(f"{brat_name(attribute.name)}\t{arg}, Value:{values}")
    return "\n".join(lines) + "\n"


def _text_colour(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (``#rrggbb``)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 140 else "white"


def visual_conf(schema: LabelSchema) -> str:
    """The ``visual.conf`` giving ``schema``'s classes their names and colours."""
    lines = ["[labels]"]
    lines += [f"{brat_name(c.name)} | {c.name}" for c in schema.classes]
    lines += [f"{brat_name(r.name)} | {r.name}" for r in schema.relation_types]
    lines += ["", "[drawing]"]
    lines += [
        "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
        "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5",
        "ATTRIBUTE_DEFAULT\tglyph:*",
    ]
    lines += [
        f"{brat_name(c.name)}\tfgColor:{_text_colour(c.color)}, bgColor:{c.color.lower()}, "
        "borderColor:darken"
        for c in schema.classes
    ]
    return "\n".join(lines) + "\n"


@dataclass
class DeclaredTypes:
    """The entity and relation type names an ``annotation.conf`` declares."""

    entities: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)


def declared_types(conf: str) -> DeclaredTypes:
    """The entity and relation types of ``annotation.conf`` text (abstract types skipped)."""
    declared = DeclaredTypes()
    section = ""
    for raw in conf.splitlines():
        line = raw.split("#", 1)[0] if raw.lstrip().startswith("#") else raw
        stripped = line.strip()
        if not stripped:
            continue
        header = _SECTION.fullmatch(stripped)
        if header:
            section = header.group(1).lower()
            continue
        name = stripped.split()[0].split("\t")[0]
        if name.startswith(("<", "!", "-")) or "=" in name:
            continue  # macros, <OVERLAP>, abstract types, separators
        if section == "entities":
            declared.entities.append(name)
        elif section == "relations":
            declared.relations.append(name.rstrip(","))
    return declared
