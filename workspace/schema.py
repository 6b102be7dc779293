"""Label schemas: the classes, attributes, relations and codes a project annotates with.

A schema is a JSON document (presets live in ``resources/schemas/``) parsed into frozen
dataclasses. Parsing checks the whole document and reports every problem at once, one per line,
each naming the source and the exact place, e.g.
``ct-organs.json: classes[2].color: 'red' is not a colour of the form #rrggbb``.

Document keys: ``id``, ``name``, ``version``, ``modalities``, ``classes`` (required) and
``description``, ``code_systems``, ``attributes``, ``relation_types`` (optional). A class has
``name`` and ``color`` and optionally ``shortcut``, ``description``, ``group`` (e.g. "beat" or
"rhythm"), ``code`` (``{"system", "code", "display"}``, the system being a declared code system
id) and ``coded_with`` (code systems its annotations may be coded with). An attribute without
``applies_to`` describes the whole item (study, note, recording) and may be set on any
annotation too.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, fields, is_dataclass, replace
from pathlib import Path
from types import UnionType
from typing import Any, Literal, cast

import resources
from workspace.errors import WorkspaceError
from workspace.modalities import schema_modality_names

AttributeKind = Literal["choice", "multi", "text", "number", "bool"]
AttributeValue = str | int | float | bool | tuple[str, ...]

ATTRIBUTE_KINDS: tuple[AttributeKind, ...] = ("choice", "multi", "text", "number", "bool")
PRESETS_DIR = Path(resources.__file__).parent / "schemas"

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_SCHEMA_ID = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
_VERSION = re.compile(r"\d+(?:\.\d+){0,2}")
_MODIFIERS = {"ctrl": "Ctrl", "control": "Ctrl", "alt": "Alt", "shift": "Shift", "meta": "Meta"}
_FUNCTION_KEY = re.compile(r"[Ff](?:[1-9]|1[0-2])")
_DOCUMENT_KEYS = {"from_classes": "from", "to_classes": "to"}
_JSON_TYPES: tuple[tuple[type | UnionType, str], ...] = (
    (bool, "true/false"),
    (int | float, "a number"),
    (str, "text"),
    (list | tuple, "a list"),
    (dict, "an object"),
)


class SchemaError(WorkspaceError, ValueError):
    """A schema document is invalid; ``problems`` lists each problem with its location."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source}: {problem}" for problem in self.problems))


class _NamedLookupError(WorkspaceError, KeyError):
    """A ``KeyError`` whose text is its message (``KeyError`` would show it quoted)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownLabelError(_NamedLookupError):
    """A class name that the schema does not define."""


class UnknownAttributeError(_NamedLookupError):
    """An attribute name that the schema does not define."""


class UnknownPresetError(_NamedLookupError):
    """A preset id with no file in ``resources/schemas/``."""


class AttributeValueError(WorkspaceError, ValueError):
    """A value that an attribute does not allow (wrong type, not among its values...)."""


@dataclass(frozen=True)
class CodeSystem:
    """A terminology that codes refer to by ``id``, e.g. ``SCT`` for SNOMED CT."""

    id: str
    name: str
    uri: str


@dataclass(frozen=True)
class Coding:
    """A code in a declared code system, e.g. ``Coding("SCT", "10200004", "Liver")``."""

    system: str
    code: str
    display: str = ""


@dataclass(frozen=True)
class LabelClass:
    """One label: its name, colour, keyboard shortcut and optional code."""

    name: str
    color: str
    shortcut: str | None = None
    description: str = ""
    code: Coding | None = None
    group: str | None = None
    coded_with: tuple[str, ...] = ()

    @property
    def rgb(self) -> tuple[int, int, int]:
        """The colour as 0-255 red, green, blue."""
        return int(self.color[1:3], 16), int(self.color[3:5], 16), int(self.color[5:7], 16)


@dataclass(frozen=True)
class AttributeDef:
    """A property annotators set: a choice, several choices, text, a number or a flag."""

    name: str
    kind: AttributeKind
    values: tuple[str, ...] = ()
    default: AttributeValue | None = None
    applies_to: tuple[str, ...] | None = None
    description: str = ""

    def applies(self, class_name: str | None) -> bool:
        """Whether the attribute may be set on ``class_name`` (None: on the whole item)."""
        return self.applies_to is None or class_name in self.applies_to

    def value_problem(self, value: object) -> str | None:
        """Why ``value`` is not allowed for this attribute, or None when it is."""
        allowed = ", ".join(repr(v) for v in self.values)
        if self.kind == "choice":
            if not isinstance(value, str):
                return f"expected one of {allowed}, got {_json_type(value)}"
            return None if value in self.values else f"{value!r} is not one of {allowed}"
        if self.kind == "multi":
            if not isinstance(value, list | tuple):
                return f"expected a list of values among {allowed}, got {_json_type(value)}"
            for item in value:
                if not isinstance(item, str) or item not in self.values:
                    return f"{item!r} is not one of {allowed}"
            if len(set(value)) != len(value):
                return "a value is listed twice"
            return None
        if self.kind == "text":
            return None if isinstance(value, str) else f"expected text, got {_json_type(value)}"
        if self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"expected a number, got {_json_type(value)}"
            return None if math.isfinite(value) else f"{value!r} is not a finite number"
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"


@dataclass(frozen=True)
class RelationType:
    """A kind of link between two annotations, e.g. a medication that ``treats`` a problem."""

    name: str
    from_classes: tuple[str, ...]
    to_classes: tuple[str, ...]
    directed: bool = True
    description: str = ""

    def allows(self, from_class: str, to_class: str) -> bool:
        """Whether a link from ``from_class`` to ``to_class`` is of a valid kind."""
        forward = from_class in self.from_classes and to_class in self.to_classes
        backward = to_class in self.from_classes and from_class in self.to_classes
        return forward or (not self.directed and backward)


@dataclass(frozen=True, kw_only=True)
class LabelSchema:
    """A complete label schema; build it with :func:`parse_schema` or :func:`load_schema`."""

    id: str
    name: str
    version: str
    description: str = ""
    modalities: tuple[str, ...]
    code_systems: tuple[CodeSystem, ...] = ()
    classes: tuple[LabelClass, ...]
    attributes: tuple[AttributeDef, ...] = ()
    relation_types: tuple[RelationType, ...] = ()

    @property
    def class_names(self) -> tuple[str, ...]:
        """The class names in schema order."""
        return tuple(c.name for c in self.classes)

    def class_named(self, name: str) -> LabelClass:
        """The class called ``name``; raises :class:`UnknownLabelError` naming the known ones."""
        for label in self.classes:
            if label.name == name:
                return label
        raise UnknownLabelError(_unknown("label", name, self.id, self.class_names))

    def attribute_named(self, name: str) -> AttributeDef:
        """The attribute called ``name``; raises :class:`UnknownAttributeError`."""
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        names = tuple(a.name for a in self.attributes)
        raise UnknownAttributeError(_unknown("attribute", name, self.id, names))

    def attributes_for(self, class_name: str | None) -> tuple[AttributeDef, ...]:
        """The attributes that may be set on ``class_name`` (None: on the whole item)."""
        return tuple(a for a in self.attributes if a.applies(class_name))

    def check_attribute(self, name: str, value: object, label: str | None = None) -> None:
        """Raise unless ``value`` is valid for attribute ``name`` (set on class ``label``)."""
        attribute = self.attribute_named(name)
        if label is not None:
            self.class_named(label)
            if not attribute.applies(label):
                targets = ", ".join(repr(c) for c in attribute.applies_to or ())
                raise AttributeValueError(
                    f"attribute {name!r} in schema {self.id} does not apply to label {label!r};"
                    f" it applies to {targets}"
                )
        problem = attribute.value_problem(value)
        if problem is not None:
            raise AttributeValueError(f"attribute {name!r} in schema {self.id}: {problem}")


def _unknown(kind: str, name: str, schema_id: str, known: Sequence[str]) -> str:
    """Message for a name that is not among ``known``, with a suggestion when one is close."""
    listed = ", ".join(known) if known else "(none)"
    return f"unknown {kind} {name!r} in schema {schema_id}{_hint(name, known)}; known: {listed}"


def _hint(name: str, known: Sequence[str]) -> str:
    """' (did you mean ...?)' for the known name closest to ``name``, else ''."""
    same_but_case = [k for k in known if k.lower() == name.lower()]
    close = same_but_case or difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _json_type(value: object) -> str:
    """The JSON name of a Python value's type, for messages."""
    for types, name in _JSON_TYPES:
        if isinstance(value, types):
            return name
    return "null" if value is None else type(value).__name__


def _at(where: str, key: str) -> str:
    """The location of ``key`` inside ``where`` ('' is the top level)."""
    return f"{where}.{key}" if where else key


def normalize_shortcut(text: str) -> str | None:
    """Canonical form of a shortcut ('1', 'A', 'Ctrl+Shift+A', 'F5'), or None if invalid."""
    *modifier_names, key = (part.strip() for part in text.split("+"))
    modifiers = [_MODIFIERS.get(name.lower()) for name in modifier_names]
    if None in modifiers or len(set(modifiers)) != len(modifiers):
        return None
    single = len(key) == 1 and key.isascii() and key.isalnum()
    if not single and not _FUNCTION_KEY.fullmatch(key):
        return None
    ordered = [m for m in ("Ctrl", "Alt", "Shift", "Meta") if m in modifiers]
    return "+".join([*ordered, key.upper()])


class _Parser:
    """Reads one schema document, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def report(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def keys(
        self, value: object, where: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, Any]:
        """Check that ``value`` is an object with the required keys and no unknown ones."""
        if not isinstance(value, dict):
            self.report(where or "(document)", f"expected an object, got {_json_type(value)}")
            return {}
        allowed = required + optional
        for key in required:
            if key not in value:
                self.report(where, f"missing required key {key!r}")
        for key in value:
            if key not in allowed:
                hint = _hint(str(key), allowed) or f" (expected {', '.join(allowed)})"
                self.report(_at(where, str(key)), f"unknown key{hint}")
        return value

    def text(self, obj: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        """A string value; an empty one is a problem when ``required``."""
        value = obj.get(key, "")
        if not isinstance(value, str):
            self.report(_at(where, key), f"expected text, got {_json_type(value)}")
            return ""
        if required and key in obj and not value.strip():
            self.report(_at(where, key), "must not be empty")
        return value

    def names(
        self, obj: dict[str, Any], key: str, where: str, kind: str, known: Sequence[str] = ()
    ) -> tuple[str, ...]:
        """A list of names, at least one if present, each among ``known`` if that is given."""
        value, where = obj.get(key, []), _at(where, key)
        if not isinstance(value, list):
            self.report(where, f"expected a list, got {_json_type(value)}")
            return ()
        if key in obj and not value:
            self.report(where, f"must name at least one {kind}")
        for i, name in enumerate(value):
            if not isinstance(name, str) or not name.strip():
                self.report(f"{where}[{i}]", f"expected a {kind} name, got {name!r}")
            elif known:
                self.known(name, f"{where}[{i}]", kind, known)
        return tuple(name for name in value if isinstance(name, str))

    def known(self, name: str, where: str, kind: str, known: Sequence[str]) -> None:
        """Report ``name`` unless it is among ``known``."""
        if name not in known:
            hint = _hint(name, known) or f" (known: {', '.join(known) or 'none'})"
            self.report(where, f"unknown {kind} {name!r}{hint}")

    def unique(self, names: Sequence[str], where: str, field: str, kind: str) -> None:
        """Report every name that repeats an earlier one."""
        first: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in first:
                here = f"{where}[{i}].{field}" if field else f"{where}[{i}]"
                self.report(here, f"duplicate {kind} {name!r} (also {where}[{first[name]}])")
            first.setdefault(name, i)

    def each(self, doc: dict[str, Any], key: str) -> list[tuple[str, Any]]:
        """The entries of an optional top-level list, each with its location."""
        value = doc.get(key, [])
        if not isinstance(value, list):
            self.report(key, f"expected a list, got {_json_type(value)}")
            return []
        return [(f"{key}[{i}]", item) for i, item in enumerate(value)]

    def schema(self, document: object) -> LabelSchema:
        required = ("id", "name", "version", "modalities", "classes")
        optional = ("description", "code_systems", "attributes", "relation_types")
        doc = self.keys(document, "", required, optional)
        schema_id, name = self.text(doc, "id", ""), self.text(doc, "name", "")
        if schema_id and not _SCHEMA_ID.fullmatch(schema_id):
            self.report("id", f"{schema_id!r} is not a schema id (lowercase, e.g. 'ct-abdomen')")
        version = self.text(doc, "version", "")
        if version and not _VERSION.fullmatch(version):
            self.report("version", f"{version!r} is not a version such as '1', '1.2' or '1.2.3'")
        description = self.text(doc, "description", "", required=False)
        modalities = self.names(doc, "modalities", "", "modality", sorted(schema_modality_names()))
        systems = tuple(self.code_system(where, v) for where, v in self.each(doc, "code_systems"))
        self.unique([s.id for s in systems], "code_systems", "id", "code system")
        system_ids = [s.id for s in systems]
        classes = tuple(self.label(where, v, system_ids) for where, v in self.each(doc, "classes"))
        names = [c.name for c in classes]
        self.unique(names, "classes", "name", "class name")
        self.check_shortcuts(classes)
        attributes = tuple(self.attribute(w, v, names) for w, v in self.each(doc, "attributes"))
        self.unique([a.name for a in attributes], "attributes", "name", "attribute")
        relations = tuple(self.relation(w, v, names) for w, v in self.each(doc, "relation_types"))
        self.unique([r.name for r in relations], "relation_types", "name", "relation type")
        if "classes" in doc and not classes and not attributes:
            self.report("classes", "a schema needs at least one class or attribute")
        return LabelSchema(
            id=schema_id,
            name=name,
            version=version,
            description=description,
            modalities=modalities,
            code_systems=systems,
            classes=classes,
            attributes=attributes,
            relation_types=relations,
        )

    def code_system(self, where: str, value: object) -> CodeSystem:
        obj = self.keys(value, where, ("id", "name", "uri"), ())
        id_, name, uri = (self.text(obj, key, where) for key in ("id", "name", "uri"))
        return CodeSystem(id_, name, uri)

    def label(self, where: str, value: object, systems: Sequence[str]) -> LabelClass:
        optional = ("shortcut", "description", "code", "group", "coded_with")
        obj = self.keys(value, where, ("name", "color"), optional)
        color = self.text(obj, "color", where)
        if color and not _COLOR.fullmatch(color):
            self.report(f"{where}.color", f"{color!r} is not a colour of the form #rrggbb")
        shortcut = self.text(obj, "shortcut", where) if "shortcut" in obj else None
        if shortcut and normalize_shortcut(shortcut) is None:
            self.report(
                f"{where}.shortcut",
                f"{shortcut!r} is not a shortcut (one key such as '1', 'a' or 'F2',"
                " optionally with modifiers, e.g. 'Ctrl+1')",
            )
        code = None
        if "code" in obj:
            here = f"{where}.code"
            code_obj = self.keys(obj["code"], here, ("system", "code"), ("display",))
            system = self.text(code_obj, "system", here)
            if system:
                self.known(system, f"{here}.system", "code system", systems)
            display = self.text(code_obj, "display", here, required=False)
            code = Coding(system, self.text(code_obj, "code", here), display)
        return LabelClass(
            name=self.text(obj, "name", where),
            color=color,
            shortcut=shortcut,
            description=self.text(obj, "description", where, required=False),
            code=code,
            group=self.text(obj, "group", where) if "group" in obj else None,
            coded_with=self.names(obj, "coded_with", where, "code system", systems),
        )

    def check_shortcuts(self, classes: Sequence[LabelClass]) -> None:
        used: dict[str, int] = {}
        for i, label in enumerate(classes):
            key = normalize_shortcut(label.shortcut) if label.shortcut else None
            if key is not None and key in used:
                other = f"classes[{used[key]}] ({classes[used[key]].name!r})"
                self.report(
                    f"classes[{i}].shortcut",
                    f"shortcut {label.shortcut!r} is already used by {other}",
                )
            elif key is not None:
                used[key] = i

    def attribute(self, where: str, value: object, classes: Sequence[str]) -> AttributeDef:
        optional = ("values", "default", "applies_to", "description")
        obj = self.keys(value, where, ("name", "kind"), optional)
        kind = obj.get("kind", "text")
        if kind not in ATTRIBUTE_KINDS:
            kinds = ", ".join(repr(k) for k in ATTRIBUTE_KINDS)
            self.report(f"{where}.kind", f"{kind!r} is not an attribute kind ({kinds})")
            kind = "text"
        values = self.names(obj, "values", where, "value")
        if kind in ("choice", "multi") and "values" not in obj:
            self.report(f"{where}.values", f"a {kind} attribute needs at least one value")
        elif kind not in ("choice", "multi") and "values" in obj:
            self.report(f"{where}.values", "only choice and multi attributes take values")
        self.unique(values, f"{where}.values", "", "value")
        targets = self.names(obj, "applies_to", where, "class", classes)
        attribute = AttributeDef(
            name=self.text(obj, "name", where),
            kind=cast(AttributeKind, kind),
            values=values,
            applies_to=targets if "applies_to" in obj else None,
            description=self.text(obj, "description", where, required=False),
        )
        default = obj.get("default")
        if default is not None and (problem := attribute.value_problem(default)):
            self.report(f"{where}.default", problem)
        default = tuple(default) if isinstance(default, list) else default
        return replace(attribute, default=default)

    def relation(self, where: str, value: object, classes: Sequence[str]) -> RelationType:
        obj = self.keys(value, where, ("name", "from", "to"), ("directed", "description"))
        directed = obj.get("directed", True)
        if not isinstance(directed, bool):
            self.report(f"{where}.directed", f"expected true or false, got {directed!r}")
        return RelationType(
            name=self.text(obj, "name", where),
            from_classes=self.names(obj, "from", where, "class", classes),
            to_classes=self.names(obj, "to", where, "class", classes),
            directed=bool(directed),
            description=self.text(obj, "description", where, required=False),
        )


def parse_schema(document: Mapping[str, Any], source: str) -> LabelSchema:
    """Build a schema from a parsed JSON document; ``source`` names it in error messages."""
    parser = _Parser()
    schema = parser.schema(dict(document) if isinstance(document, Mapping) else document)
    if parser.problems:
        raise SchemaError(source, parser.problems)
    return schema


def load_schema(path: str | Path) -> LabelSchema:
    """Read and validate a schema file (UTF-8 JSON); the path names it in error messages."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise SchemaError(str(path), [f"{where}: invalid JSON: {error.msg}"]) from None
    except UnicodeDecodeError as error:
        problem = f"byte {error.start}: not UTF-8 text ({error.reason})"
        raise SchemaError(str(path), [problem]) from None
    return parse_schema(document, str(path))


def schema_to_document(schema: LabelSchema) -> dict[str, Any]:
    """The JSON document of ``schema``: ``parse_schema`` of it gives ``schema`` back.

    Keys follow the field order; optional fields left at their default are omitted.
    """
    return cast(dict[str, Any], _document(schema))


def _document(value: object) -> object:
    if isinstance(value, tuple):
        return [_document(item) for item in value]
    if not is_dataclass(value) or isinstance(value, type):
        return value
    return {
        _DOCUMENT_KEYS.get(f.name, f.name): _document(getattr(value, f.name))
        for f in fields(value)
        if f.default is MISSING or getattr(value, f.name) != f.default
    }


def list_presets() -> list[Path]:
    """The preset schema files shipped in ``resources/schemas/``, sorted by name."""
    return sorted(PRESETS_DIR.glob("*.json"))


def load_preset(schema_id: str) -> LabelSchema:
    """Load the shipped preset ``<schema_id>.json``; raises :class:`UnknownPresetError`."""
    presets = {path.stem: path for path in list_presets()}
    if schema_id not in presets:
        available = ", ".join(presets) or "(none)"
        hint = _hint(schema_id, list(presets))
        raise UnknownPresetError(
            f"unknown schema preset {schema_id!r}{hint}; available: {available}"
        )
    return load_schema(presets[schema_id])
