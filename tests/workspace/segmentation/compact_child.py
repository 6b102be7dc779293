"""Subprocess for the compaction kill test: edit a segmentation and compact it, forever.

``python -m tests.workspace.segmentation.compact_child PROFILE ITEM [hold]``. Each round
pushes a few label edits through the real stack (persisted rows), prints ``EDITED <n>``, then
compacts (and prunes), printing ``COMPACTING`` before and ``COMPACTED`` after. The labels'
SHA-256 is printed as ``NEXT <digest>`` just before a step is persisted and as
``STATE <digest>`` once it is durable: what a kill leaves stored must be one of the two last.
With ``hold``, the first compaction stops right after sealing its snapshot blob and before
its row commits (it prints ``SEALED`` and waits for a kill): the exact moment a crash is most
likely to leave debris.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

import numpy as np

from workspace.segmentation import compaction
from workspace.segmentation.editing import ToolContext, paint
from workspace.workspace import Workspace


def main() -> None:
    workspace = Workspace.unlock(Path(sys.argv[1]), os.environ["CALIPER_PASSPHRASE"])
    workspace.compactor.stop()  # this process compacts in the foreground, when it says so
    item_id = sys.argv[2]
    if sys.argv[3:] == ["hold"]:
        blobs = workspace.profile.blobs
        put = blobs.put

        def put_then_hold(*args: object, **kwargs: object) -> str:
            digest = put(*args, **kwargs)  # type: ignore[arg-type]
            print("SEALED", flush=True)
            threading.Event().wait()  # until killed
            return digest

        blobs.put = put_then_hold  # type: ignore[method-assign]
    document = workspace.open_segmentation(item_id)
    stack = workspace.command_stack(item_id)

    def digest() -> str:
        return hashlib.sha256(document.labels.tobytes()).hexdigest()

    sink = stack._sink  # the test watches the moment a step is persisted
    persist = sink.persist

    def persist_watched(*args: object) -> None:
        print(f"NEXT {digest()}", flush=True)
        persist(*args)  # type: ignore[arg-type]

    sink.persist = persist_watched  # type: ignore[method-assign]
    print(f"STATE {digest()}", flush=True)
    context = ToolContext(document, segment=document.segments[0].value)
    shape = document.labels.shape
    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
    n = 0
    while True:
        for _ in range(3):
            k, j, i = (int(rng.integers(0, s - 6)) for s in shape)
            value = int(rng.choice([s.value for s in document.segments[:2]]))
            box = (k, k + 4, j, j + 6, i, i + 6)
            command = paint(context, np.ones((4, 6, 6), dtype=np.bool_), value, "dab", box)
            if command is not None:
                stack.push(command)
                print(f"STATE {digest()}", flush=True)
                n += 1
        if rng.random() < 0.3 and stack.can_undo:
            stack.undo()
            print(f"STATE {digest()}", flush=True)
        print(f"EDITED {n}", flush=True)
        print("COMPACTING", flush=True)
        # no step here replaces the record, so older records' rows may go too, half the time
        compaction.compact(workspace.profile, item_id, older_records=bool(n % 2))
        print("COMPACTED", flush=True)


if __name__ == "__main__":
    main()
