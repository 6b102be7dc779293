"""The relations of a note, looked up by the spans they link. Qt-free.

Painting asks for the relations of the spans on screen (the span index buckets spans by
line), so a screenful costs the same with 20 relations or 2,000.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workspace.annotation_kinds.relations import relation_ends
from workspace.annotations import Annotation


@dataclass(frozen=True, slots=True)
class RelationEntry:
    """What drawing and editing need of one relation."""

    id: str
    label: str
    source: str
    target: str


def relation_entry(annotation: Annotation) -> RelationEntry | None:
    """The entry of a relation annotation (None for anything else or a malformed one)."""
    ends = relation_ends(annotation)
    if ends is None:
        return None
    return RelationEntry(annotation.id, annotation.label or "", ends[0], ends[1])


class RelationIndex:
    """Relations by id and by the span at either end."""

    def __init__(self) -> None:
        self.entries: dict[str, RelationEntry] = {}
        self._by_span: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, relation_id: object) -> bool:
        return relation_id in self.entries

    def rebuild(self, entries: Iterable[RelationEntry]) -> None:
        """Index ``entries`` afresh."""
        self.entries, self._by_span = {}, {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: RelationEntry) -> None:
        """Index one relation (replacing one of the same id)."""
        self.remove(entry.id)
        self.entries[entry.id] = entry
        for end in {entry.source, entry.target}:
            self._by_span.setdefault(end, []).append(entry.id)

    def remove(self, relation_id: str) -> RelationEntry | None:
        """Forget a relation (None if it was not indexed)."""
        entry = self.entries.pop(relation_id, None)
        if entry is None:
            return None
        for end in {entry.source, entry.target}:
            linked = self._by_span.get(end, [])
            if relation_id in linked:
                linked.remove(relation_id)
        return entry

    def of_span(self, span_id: str) -> list[RelationEntry]:
        """The relations from or to ``span_id``."""
        return [self.entries[r] for r in self._by_span.get(span_id, ())]

    def of_spans(self, span_ids: Iterable[str]) -> list[RelationEntry]:
        """The relations from or to any of ``span_ids``, each once, in a stable order."""
        seen: dict[str, RelationEntry] = {}
        for span_id in span_ids:
            for relation_id in self._by_span.get(span_id, ()):
                seen.setdefault(relation_id, self.entries[relation_id])
        return list(seen.values())
