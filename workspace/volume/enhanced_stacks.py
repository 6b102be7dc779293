"""Multi-frame files that together make one volume (an Enhanced series written one file per stack).

As in 3D Slicer, multi-frame CT/MR/PET files of one series in one frame of reference whose
frames, all placed in the patient, form one regular grid together
(:func:`~workspace.volume.series_grid.plan_grid`: one orientation, evenly spaced along the
normal, no gap or overlap) are one volume, not one per file. Files that do not fit together
stay items of their own, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from workspace.volume.dicom_header import VolumeAssemblyError, read_header
from workspace.volume.dicom_native import NativeHeader
from workspace.volume.series_grid import plan_grid

#: Modalities whose multi-frame files may be stacks of one volume (not NM: its frames are
#: often detectors or energy windows, not slices).
STACK_MODALITIES = frozenset({"CT", "MR", "PT"})


def form_one_volume(paths: Sequence[Path], parsed: Mapping[Path, NativeHeader]) -> bool:
    """Whether the frames of ``paths`` together form one safe volume (headers only are read;
    ``parsed`` holds headers already walked, by path)."""
    try:
        files = [read_header(path, parsed.get(path)) for path in paths]
        if any(file.placement != "patient" for file in files):
            return False
        plan_grid(files)
    except (VolumeAssemblyError, OSError):
        return False
    return True
