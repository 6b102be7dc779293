"""Several commands as one undo step (e.g. split islands: add segments, then relabel voxels)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from workspace.commands import Change, Command


class CompoundCommand(Command):
    """Does its parts in order and undoes them in reverse; their changes persist together."""

    kind: ClassVar[str] = "compound"

    def __init__(self, text: str, parts: Sequence[Command]) -> None:
        if not parts:
            raise ValueError("a compound command needs at least one part")
        self._text = text
        self.parts = list(parts)

    @property
    def text(self) -> str:
        return self._text

    def do(self) -> Sequence[Change]:
        changes: list[Change] = []
        done: list[Command] = []
        try:
            for part in self.parts:
                changes += part.do()
                done.append(part)
        except BaseException:
            for part in reversed(done):
                part.undo()
            raise
        return changes

    def undo(self) -> Sequence[Change]:
        return [change for part in reversed(self.parts) for change in part.undo()]

    def payload(self) -> dict[str, Any]:
        return {"parts": [{"command": p.kind, "payload": p.payload()} for p in self.parts]}
