"""Opening a CT series: SimpleITK's ImageSeriesReader vs Caliper's assembly, import and reopen.

Goals (issue 3): import ≤ 0.5× SimpleITK's time on the same files; reopening from the encrypted
store faster than SimpleITK reading the plaintext DICOM. Every reader runs on a warm file cache
and reports its best of three; each import goes into a fresh encrypted profile. The sealing of
the voxels (BlobStore.put: SHA-256, then AES-256-GCM) is timed on its own too, and again with
the SHA-256 the assembly computed while reading. An import does better than assembling and
then sealing: it streams the voxels to the store while it reads them (BlobStore.stream) and
only writes the tags once the digest is known; "assemble + seal, streamed" times that alone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from tests.bench.common import best_of, report, scratch_profile
from workspace.demo_data import generate_ct_series
from workspace.volume.dicom_series import assemble_series
from workspace.volume.store import seal_series
from workspace.workspace import Workspace

REPEATS = 3


def _simpleitk(folder: Path) -> Any:
    """SimpleITK's image of the series in ``folder`` (its voxels are not copied out)."""
    import SimpleITK as sitk  # noqa: N813

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


def _simpleitk_voxels(folder: Path) -> np.ndarray:
    import SimpleITK as sitk  # noqa: N813

    return sitk.GetArrayFromImage(_simpleitk(folder))


def _import_once(folder: Path) -> tuple[float, float, bool]:
    """Import into a fresh profile: (import seconds, best reopen seconds, voxels equal)."""
    with scratch_profile() as profile:
        workspace = Workspace(profile)
        started = time.perf_counter()
        (item,) = workspace.import_paths([folder])
        import_s = time.perf_counter() - started
        reopen_s = best_of(REPEATS, lambda: workspace.load_volume(item.id))
        same = np.array_equal(workspace.load_volume(item.id).voxels, _simpleitk_voxels(folder))
    return import_s, reopen_s, bool(same)


def _assemble_streamed(files: list[Path]) -> float:
    """Assemble while streaming the voxels to a fresh store, then finish the blob (seconds)."""
    with scratch_profile() as profile:
        started = time.perf_counter()
        assembled = assemble_series(files, stream_to=profile.blobs.stream)
        seal_series(profile.blobs, assembled)
        return time.perf_counter() - started


def _seal_only(voxels: np.ndarray, sha256: str | None = None) -> float:
    with scratch_profile() as profile:
        started = time.perf_counter()
        profile.blobs.put(voxels.data.cast("B"), sha256=sha256)
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns import time / SimpleITK time."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="512x512x60 instead of x500")
    args = parser.parse_args(argv)
    slices = 60 if args.quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ct"
        files = generate_ct_series(
            folder,
            slices=slices,
            rows=512,
            cols=512,
            patient_name="Bench^CT",
            patient_id="BENCH",
            seed=1,
        )
        _simpleitk(folder)  # warm the file cache
        sitk_s = best_of(REPEATS, lambda: _simpleitk(folder))
        assemble_s = best_of(REPEATS, lambda: assemble_series(files))
        volume = assemble_series(files).volume
        seal_s = min(_seal_only(volume.voxels) for _ in range(REPEATS))
        seal_known_s = min(_seal_only(volume.voxels, volume.sha256) for _ in range(REPEATS))
        del volume
        streamed_s = min(_assemble_streamed(files) for _ in range(REPEATS))
        runs = [_import_once(folder) for _ in range(REPEATS)]
    import_s = min(run[0] for run in runs)
    reopen_s = min(run[1] for run in runs)
    exact = all(run[2] for run in runs)
    ratio = import_s / sitk_s
    megabytes = slices * 512 * 512 * 2 / 1e6
    report(
        f"Open a 512x512x{slices} CT series ({megabytes:.0f} MB of voxels)",
        [
            ("SimpleITK ImageSeriesReader", f"{sitk_s:.3f} s", "baseline, plaintext DICOM"),
            (
                "Caliper parse + assemble",
                f"{assemble_s:.3f} s",
                f"{assemble_s / sitk_s:.2f}x baseline: headers, order, checks, rescale",
            ),
            (
                "Caliper seal voxels only",
                f"{seal_s:.3f} s",
                f"{seal_s / sitk_s:.2f}x baseline: BlobStore.put alone, SHA-256 included",
            ),
            (
                "... digest from the assembly",
                f"{seal_known_s:.3f} s",
                f"{seal_known_s / sitk_s:.2f}x baseline: sealing after the assembly, not streamed",
            ),
            (
                "... assemble + seal, streamed",
                f"{streamed_s:.3f} s",
                f"{streamed_s / sitk_s:.2f}x baseline: voxels sealed while read, as an import does",
            ),
            (
                "Caliper full import",
                f"{import_s:.3f} s",
                f"{ratio:.2f}x baseline (goal <= 0.5x): scan, assemble, seal voxels + headers",
            ),
            (
                "Caliper reopen from store",
                f"{reopen_s:.3f} s",
                f"{reopen_s / sitk_s:.2f}x baseline (goal < 1x): "
                f"{'MET' if reopen_s < sitk_s else 'NOT MET'}; voxels equal SimpleITK's: {exact}",
            ),
        ],
        f"import goal {'MET' if ratio <= 0.5 else 'NOT MET'}; "
        f"reopen goal {'MET' if reopen_s < sitk_s else 'NOT MET'}",
    )
    return ratio


if __name__ == "__main__":
    main()
