"""Opening a recording for the viewer, off the GUI thread: decode it, build its pyramid.

The whole recording is decoded into memory (an hour of 16 kHz mono is 230 MB as float32;
playback, the waveform and the spectrogram then read it without touching the store again), and
the min/max pyramid is built over it in place (no copy: the pyramid reads the frames through a
transposed view). Progress is reported in thousandths: decoding 0-800, the pyramid 800-1000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from viewers.jobs import JobCancelledError, JobContext
from workspace.audio.clip import AudioClip
from workspace.items import ItemFile
from workspace.waveform.pyramid import BuildCancelledError, LodPyramid
from workspace.workspace import Workspace

STEPS = 1000
DECODED = 800


@dataclass(frozen=True)
class LoadedRecording:
    """A decoded recording, its pyramid (channels × frames) and its channels mixed to one."""

    clip: AudioClip
    pyramid: LodPyramid
    mono: npt.NDArray[np.float32]


def load_recording(workspace: Workspace, file: ItemFile, context: JobContext) -> LoadedRecording:
    """Decode ``file`` and build what the viewer draws from (raises JobCancelledError)."""
    context.stage("Decoding the recording…")
    with workspace.open_audio(file) as source:
        clip = source.decode(
            progress=lambda done, total: context.progress(done * DECODED // max(total, 1), STEPS),
            cancelled=context.cancelled,
        )
    if clip is None:
        raise JobCancelledError
    context.stage("Preparing the waveform…")

    def progress(fraction: float) -> bool:
        context.progress(DECODED + round(fraction * (STEPS - DECODED)), STEPS)
        return not context.cancelled()

    try:
        pyramid = LodPyramid.build(clip.samples.T, progress=progress)
    except BuildCancelledError:
        raise JobCancelledError from None
    samples = clip.samples
    mono = samples[:, 0] if clip.channels == 1 else samples.mean(axis=1, dtype=np.float32)
    return LoadedRecording(clip, pyramid, mono)
