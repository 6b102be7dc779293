"""Opening a CT series: SimpleITK's ImageSeriesReader vs Caliper's assembly, import and reopen.

Goals (issue 3): import ≤ 0.5× SimpleITK's time on the same files; reopening from the encrypted
store faster than SimpleITK reading the plaintext DICOM. Warm file cache for every reader.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.bench.common import best_of, report, scratch_profile
from workspace.demo_data import generate_ct_series
from workspace.volume.dicom_series import assemble_series
from workspace.workspace import Workspace


def _simpleitk(folder: Path) -> None:
    import SimpleITK as sitk  # noqa: N813

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    sitk.GetArrayViewFromImage(reader.Execute())


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns import time / SimpleITK time."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
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
        sitk_s = best_of(3, lambda: _simpleitk(folder))
        assemble_s = best_of(3, lambda: assemble_series(files))
        with scratch_profile() as profile:
            workspace = Workspace(profile)
            started = time.perf_counter()
            (item,) = workspace.import_paths([folder])
            import_s = time.perf_counter() - started
            reopen_s = best_of(3, lambda: workspace.load_volume(item.id))
    ratio = import_s / sitk_s
    megabytes = slices * 512 * 512 * 2 / 1e6
    report(
        f"Open a 512x512x{slices} CT series ({megabytes:.0f} MB of voxels)",
        [
            ("SimpleITK ImageSeriesReader", f"{sitk_s:.2f} s", "baseline, plaintext DICOM"),
            ("Caliper parse + assemble", f"{assemble_s:.2f} s", "pydicom, same files"),
            (
                "Caliper full import",
                f"{import_s:.2f} s",
                f"{ratio:.2f}x baseline (goal <= 0.5x): voxels + headers sealed",
            ),
            (
                "Caliper reopen from store",
                f"{reopen_s:.2f} s",
                f"goal < baseline: {'MET' if reopen_s < sitk_s else 'NOT MET'}",
            ),
        ],
        "import goal MET" if ratio <= 0.5 else "import goal NOT MET",
    )
    return ratio


if __name__ == "__main__":
    main()
