"""Subprocess for the kill test: save annotations through the command stack forever.

Prints ``ACK <annotation id>`` once each push has returned (that is, is acknowledged).
"""

from __future__ import annotations

import os
import sys
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
        stack.push(AddAnnotation(document, annotation))
        print(f"ACK {annotation.id}", flush=True)
        if n % 5 == 0:  # some churn: a delete that is undone again
            stack.push(DeleteAnnotation(document, annotation.id))
            stack.undo()
            print(f"ACK {annotation.id}", flush=True)


if __name__ == "__main__":
    main()
