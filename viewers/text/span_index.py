"""Where the spans of a note are, by line, so a viewer draws only what is on screen.

Each span gets a *lane*: overlapping spans never share one, so nested spans are drawn as
stacked underlines (brat and INCEpTION draw them as stacked boxes). Lanes are assigned
greedily in text order when the note opens; a span added later takes the lowest lane free
along its extent, and no other span moves. Spans are bucketed by the lines (text blocks)
their fragments touch, so painting a screenful reads a few buckets, not 20,000 spans.
Qt-free: offsets are code points of the note.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass, field

from workspace.annotation_kinds.names import SPAN
from workspace.annotation_kinds.spans import TRANSCRIPT_OF, Fragment, fragments_of, span_extent
from workspace.annotation_kinds.suggestions import is_suggestion
from workspace.annotations import Annotation


@dataclass(slots=True)
class SpanEntry:
    """What drawing and navigating need of one span."""

    id: str
    label: str
    fragments: list[Fragment]
    suggestion: bool = False
    lane: int = 0
    blocks: list[int] = field(default_factory=list)
    #: The extent: the first fragment's start and the last one's end.
    start: int = field(init=False)
    end: int = field(init=False)

    def __post_init__(self) -> None:
        self.start, self.end = self.fragments[0][0], self.fragments[-1][1]

    def covers(self, offset: int) -> bool:
        """True if a fragment holds the character at ``offset``."""
        return any(start <= offset < end for start, end in self.fragments)


def entry_of(annotation: Annotation) -> SpanEntry | None:
    """The entry of a span of the note itself (None for anything else or a malformed span)."""
    data = annotation.data
    if annotation.kind != SPAN or TRANSCRIPT_OF in data:
        return None
    start, end = data.get("start"), data.get("end")
    if "fragments" not in data and type(start) is int and type(end) is int and 0 <= start < end:
        fragments = [(start, end)]  # the common case, checked without the general parser
    elif span_extent(annotation) is not None:
        fragments = fragments_of(annotation)
    else:
        return None
    return SpanEntry(annotation.id, annotation.label or "", fragments, is_suggestion(annotation))


class SpanIndex:
    """The spans of one note: by id, in text order, bucketed by line, each with a lane."""

    def __init__(self, line_starts: list[int]) -> None:
        #: Code-point offset where each line (text block) starts, ascending, first 0.
        self.line_starts = line_starts or [0]
        self.entries: dict[str, SpanEntry] = {}
        self._order: list[tuple[int, int, str]] = []
        self._buckets: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, span_id: object) -> bool:
        return span_id in self.entries

    # ------------------------------------------------------------------ building
    def rebuild(self, entries: Iterable[SpanEntry]) -> None:
        """Index ``entries`` afresh, lanes assigned greedily in text order."""
        self.entries, self._buckets = {}, {}
        ordered = sorted(entries, key=lambda e: (e.start, -e.end, e.id))
        busy: list[tuple[int, int]] = []  # (end, lane) of spans still open
        free: list[int] = []
        lanes = 0
        for entry in ordered:
            while busy and busy[0][0] <= entry.start:
                heapq.heappush(free, heapq.heappop(busy)[1])
            if free:
                entry.lane = heapq.heappop(free)
            else:
                entry.lane, lanes = lanes, lanes + 1
            heapq.heappush(busy, (entry.end, entry.lane))
            self._file(entry)
        self._order = sorted((e.start, e.end, e.id) for e in ordered)

    def add(self, entry: SpanEntry) -> None:
        """Index one more span, in the lowest lane no overlapping span uses."""
        if entry.id in self.entries:
            self.remove(entry.id)
        taken = {other.lane for other in self.overlapping(entry.start, entry.end)}
        entry.lane = next(lane for lane in range(len(taken) + 1) if lane not in taken)
        self._file(entry)
        insort(self._order, (entry.start, entry.end, entry.id))

    def remove(self, span_id: str) -> SpanEntry | None:
        """Forget a span (None if it was not indexed)."""
        entry = self.entries.pop(span_id, None)
        if entry is None:
            return None
        for block in entry.blocks:
            bucket = self._buckets.get(block, [])
            if span_id in bucket:
                bucket.remove(span_id)
        key = (entry.start, entry.end, entry.id)
        index = bisect_left(self._order, key)
        if index < len(self._order) and self._order[index] == key:
            del self._order[index]
        return entry

    def _file(self, entry: SpanEntry) -> None:
        self.entries[entry.id] = entry
        blocks: list[int] = []
        for start, end in entry.fragments:
            first, last = self.line_of(start), self.line_of(max(start, end - 1))
            if first == last:  # the common case: a fragment within one line
                if not blocks or first > blocks[-1]:
                    blocks.append(first)
            else:
                blocks.extend(b for b in range(first, last + 1) if not blocks or b > blocks[-1])
        entry.blocks = blocks
        buckets = self._buckets
        for block in blocks:
            bucket = buckets.get(block)
            if bucket is None:
                buckets[block] = [entry.id]
            else:
                bucket.append(entry.id)

    # ------------------------------------------------------------------ queries
    def line_of(self, offset: int) -> int:
        """The line (block number) holding ``offset``."""
        return max(0, bisect_right(self.line_starts, offset) - 1)

    def in_lines(self, first: int, last: int) -> list[SpanEntry]:
        """The spans with a fragment on lines ``first``..``last``, each once."""
        seen: dict[str, SpanEntry] = {}
        for block in range(first, last + 1):
            for span_id in self._buckets.get(block, ()):
                seen.setdefault(span_id, self.entries[span_id])
        return list(seen.values())

    def overlapping(self, start: int, end: int) -> list[SpanEntry]:
        """The spans whose extent overlaps ``start..end``."""
        lines = self.in_lines(self.line_of(start), self.line_of(max(start, end - 1)))
        return [e for e in lines if e.start < end and e.end > start]

    def at(self, offset: int) -> list[SpanEntry]:
        """The spans holding the character at ``offset``, shortest first."""
        line = self.line_of(offset)
        covering = [e for e in self.in_lines(line, line) if e.covers(offset)]
        return sorted(covering, key=lambda e: (e.end - e.start, e.lane))

    def ordered_keys(self) -> list[tuple[int, int, str]]:
        """``(start, end, id)`` of every span, in text order (a copy)."""
        return list(self._order)

    def ordered_ids(self) -> list[str]:
        """Every span id in text order."""
        return [key[2] for key in self._order]

    def position(self, span_id: str) -> int:
        """Where ``span_id`` is in text order (ValueError if absent)."""
        entry = self.entries[span_id]
        index = bisect_left(self._order, (entry.start, entry.end, entry.id))
        if index >= len(self._order) or self._order[index][2] != span_id:
            raise ValueError(span_id)
        return index

    def neighbour(self, span_id: str | None, offset: int, step: int) -> str | None:
        """The span after (``step`` 1) or before (-1) ``span_id``, or ``offset`` without one."""
        if not self._order:
            return None
        if span_id is not None and span_id in self.entries:
            index = self.position(span_id) + step
        elif step > 0:
            index = bisect_left(self._order, (offset, -1, ""))
        else:
            index = bisect_left(self._order, (offset, -1, "")) - 1
        return self._order[index][2] if 0 <= index < len(self._order) else None

    def line_lanes(self, line: int) -> int:
        """How many lanes the spans on ``line`` use (0: no span there)."""
        ids = self._buckets.get(line)
        return 1 + max(self.entries[i].lane for i in ids) if ids else 0

    def lanes_by_line(self) -> dict[int, int]:
        """How many lanes the spans of each line with spans use."""
        used: dict[int, int] = {}
        for entry in self.entries.values():
            need = entry.lane + 1
            for line in entry.blocks:
                if used.get(line, 0) < need:
                    used[line] = need
        return used

    def lanes(self) -> int:
        """How many lanes the spans use."""
        return 1 + max((e.lane for e in self.entries.values()), default=0)
