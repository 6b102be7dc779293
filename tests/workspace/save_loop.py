"""Subprocess for the kill test: save annotations through the command stack forever.

Before each step it prints ``BEGIN <+|-> <id>`` and once the step has returned (that is, is
acknowledged) ``ACK <+|-> <id>``: ``+`` leaves the annotation stored, ``-`` removes it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from workspace.annotations import AddAnnotation, Annotation, DeleteAnnotation
from workspace.workspace import Workspace


def main() -> None:
    workspace = Workspace.unlock(Path(sys.argv[1]), os.environ["CALIPER_PASSPHRASE"])
    item_id = sys.argv[2]
    document = workspace.document(item_id)
    stack = workspace.command_stack(item_id)
    print("READY", flush=True)
    n = 0
    while True:
        n += 1
        annotation = Annotation(item_id, "span", "Problem", {"n": n}, author=workspace.user)
        _step("+", annotation.id, partial(stack.push, AddAnnotation(document, annotation)))
        if n % 5 == 0:  # some churn: a delete, then its undo
            delete = DeleteAnnotation(document, annotation.id)
            _step("-", annotation.id, partial(stack.push, delete))
            _step("+", annotation.id, stack.undo)


def _step(effect: str, annotation_id: str, run: Callable[[], None]) -> None:
    print(f"BEGIN {effect} {annotation_id}", flush=True)
    run()
    print(f"ACK {effect} {annotation_id}", flush=True)


if __name__ == "__main__":
    main()
