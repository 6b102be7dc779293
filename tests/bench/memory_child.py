"""Child process of the memory benchmark: open one volume item and its label map, report peaks.

Run as ``python -m tests.bench.memory_child PROFILE ITEM_ID``. Everything is imported and the
profile unlocked first; then the process's peak RSS is reset (``/proc/self/clear_refs``) and
the volume and its segmentation are loaded the way the viewer's loader does. Prints
``RAW``, ``RSS_BEFORE``, ``HWM_PEAK`` and ``TRACED_PEAK`` lines (bytes), then
``COUNTS_HWM_PEAK``: the peak once the viewer's loader has also counted each segment's voxels.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from pathlib import Path


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in bytes (e.g. ``VmHWM``, ``VmRSS``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak() -> None:
    """Make VmHWM start again from the current RSS (Linux 4.0+)."""
    Path("/proc/self/clear_refs").write_text("5")


def main() -> None:
    import numpy as np  # noqa: F401 - imported before the baseline

    from tests.bench.common import PASSPHRASE
    from viewers.volume.loader import label_counts
    from workspace.workspace import Workspace

    profile_dir, item_id = Path(sys.argv[1]), sys.argv[2]
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    workspace.item(item_id)  # the database is open and warm
    gc.collect()
    _reset_peak()
    before = _status("VmRSS")
    tracemalloc.start()
    volume = workspace.load_volume(item_id)
    label_map = workspace.load_segmentation(item_id)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = _status("VmHWM")
    print(f"RAW {volume.nbytes + label_map.labels.nbytes}")
    print(f"RSS_BEFORE {before}")
    print(f"HWM_PEAK {peak}")
    print(f"TRACED_PEAK {traced_peak}")
    label_counts(label_map.labels)
    print(f"COUNTS_HWM_PEAK {_status('VmHWM')}")
    workspace.lock()


if __name__ == "__main__":
    main()
