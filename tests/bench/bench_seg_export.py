"""Segmentation export and reopen on a 512×512×500 CT, each beside the library call it wraps.

A CT series is imported into a throwaway encrypted profile and given a segmentation with a few
segments (one of them empty); then every export format runs through ``export_item`` — what
``caliper export`` does: read the stored segmentation (snapshot plus edits), then write — after
1 edit and again after 50 edits (brush-sized dabs and a few whole-volume thresholds), with
compaction (:mod:`workspace.segmentation.compaction`) left to do its work in between.
The baselines are timed in the same run, each right after its export (in turn, the best of
the repeats: a shared machine's load weighs on both alike), on the very label array
exported: SimpleITK writing the array (``WriteImage(GetImageFromArray(a))``, compressed as
the export) for NIfTI and NRRD (``WriteImage`` of an image already built is printed too),
and highdicom's ``Segmentation`` + ``save_as`` of the same (non-empty) segments on the same
source headers for DICOM SEG (headers parsed once before its runs, as a caller holding them
would; the export reads its own from the encrypted store each time).
Goals (issue 10): each export ≤ 1.5× its library call; opening and exporting do not grow with
the number of edits.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.bench.common import best_of, report, scratch_profile
from workspace.demo_data import generate_ct_series
from workspace.export.item_export import export_item
from workspace.segmentation.editing import ToolContext, paint
from workspace.segmentation.store import load_segmentation
from workspace.volume.store import load_source_headers
from workspace.workspace import Workspace

GOAL_RATIO = 1.5
FORMATS = (("nifti", "labels.nii.gz"), ("nrrd", "labels.seg.nrrd"), ("dicom-seg", "seg.dcm"))


def _fill(labels: Any) -> None:
    """Three segments of ellipsoids (liver, spleen, a lesion); the fourth stays empty."""
    depth = labels.shape[0]
    k, j, i = np.ogrid[:depth, :512, :512]
    for value, (ck, cj, ci), (ak, aj, ai) in (
        (1, (0.5, 0.45, 0.35), (0.35, 0.2, 0.22)),
        (2, (0.5, 0.4, 0.75), (0.15, 0.09, 0.08)),
        (3, (0.3, 0.3, 0.6), (0.04, 0.03, 0.03)),
    ):
        inside = ((k - ck * depth) / (ak * depth)) ** 2 + ((j - cj * 512) / (aj * 512)) ** 2
        labels[inside + ((i - ci * 512) / (ai * 512)) ** 2 <= 1.0] = value


def _edit(workspace: Workspace, context: ToolContext, item_id: str, n: int) -> None:
    """Edit ``n``: mostly a 30-voxel dab, every tenth a whole-volume slab toggle."""
    labels = context.document.labels
    depth = labels.shape[0]
    if n % 10 == 9:
        mask = np.zeros(labels.shape, dtype=np.bool_)
        mask[(n * 7) % depth :: 5, 100:400, 100:400] = True
        command = paint(context, mask, 2 if n % 20 == 9 else 1, f"slab {n}")
    else:
        k, j, i = (n * 13) % (depth - 30), 60 + (n * 37) % 380, 60 + (n * 53) % 380
        mask = np.ones((30, 30, 30), dtype=np.bool_)
        box = (k, k + 30, j, j + 30, i, i + 30)
        command = paint(context, mask, 1 + n % 3, f"dab {n}", box)
    if command is not None:
        workspace.command_stack(item_id).push(command)


def _baseline_runs(workspace: Workspace, item_id: str, out: Path) -> dict[str, Callable[[], None]]:
    """SimpleITK and highdicom writing the item's current segmentation."""
    import highdicom as hd
    import SimpleITK as sitk  # noqa: N813

    from workspace.export.dicom_seg import default_coding

    labels = load_segmentation(workspace.profile, item_id)
    headers = load_source_headers(workspace.profile.blobs, workspace.item(item_id).meta)
    image = sitk.GetImageFromArray(labels.labels)
    present = [s for s in labels.segments if (labels.labels == s.value).any()]
    lookup = np.zeros(256, dtype=np.uint8)
    for number, segment in enumerate(present, start=1):
        lookup[segment.value] = number
    relabelled = lookup[labels.labels]

    def highdicom() -> None:
        descriptions = [
            hd.seg.SegmentDescription(
                segment_number=number,
                segment_label=segment.name,
                segmented_property_category=default_coding(segment).category,
                segmented_property_type=default_coding(segment).property_type,
                algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
            )
            for number, segment in enumerate(present, start=1)
        ]
        seg = hd.seg.Segmentation(
            source_images=headers,
            pixel_array=relabelled,
            segmentation_type="BINARY",
            segment_descriptions=descriptions,
            series_instance_uid=hd.UID(),
            series_number=900,
            sop_instance_uid=hd.UID(),
            instance_number=1,
            manufacturer="bench",
            manufacturer_model_name="bench",
            software_versions="0",
            device_serial_number="0",
        )
        seg.save_as(out / "baseline.dcm")

    def write(name: str, prebuilt: bool) -> Callable[[], None]:
        def run() -> None:
            built = image if prebuilt else sitk.GetImageFromArray(labels.labels)
            sitk.WriteImage(built, str(out / name), useCompression=True)

        return run

    return {
        "nifti": write("b.nii.gz", False),
        "nrrd": write("b.nrrd", False),
        "nifti prebuilt": write("b.nii.gz", True),
        "nrrd prebuilt": write("b.nrrd", True),
        "dicom-seg": highdicom,
    }


def _baselines(workspace: Workspace, item_id: str, out: Path, repeats: int) -> dict[str, float]:
    """SimpleITK and highdicom writing the item's current segmentation (seconds)."""
    runs = _baseline_runs(workspace, item_id, out)
    return {name: best_of(repeats, run) for name, run in runs.items()}


def _timed(
    workspace: Workspace, item_id: str, out: Path, repeats: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Each export and its library call, timed in turn (the best of ``repeats``), so that
    the load of a shared machine weighs on both alike: (exports, baselines) in seconds."""
    library = _baseline_runs(workspace, item_id, out)
    exports: dict[str, float] = {}
    base: dict[str, float] = {}
    for _ in range(repeats):
        for fmt, name in FORMATS:

            def run(fmt: str = fmt, name: str = name) -> None:
                export_item(workspace, item_id, fmt, out / name)

            exports[fmt] = min(exports.get(fmt, float("inf")), best_of(1, run))
            for key in (fmt, f"{fmt} prebuilt"):
                if key in library:
                    base[key] = min(base.get(key, float("inf")), best_of(1, library[key]))
        opened = best_of(1, lambda: load_segmentation(workspace.profile, item_id))
        exports["open"] = min(exports.get("open", float("inf")), opened)
    return exports, base


def _settle(workspace: Workspace) -> float:
    """Wait for background compaction to finish (seconds waited)."""
    started = time.perf_counter()
    compactor = getattr(workspace, "compactor", None)
    if compactor is not None:
        compactor.wait()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark; returns each export's ratio to its baseline (after 50 edits)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    depth, repeats = (60, 1) if args.quick else (500, 2)
    rows: list[tuple[str, str, str]] = []
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="caliper-bench-") as tmp, scratch_profile() as prof:
        folder, out = Path(tmp) / "ct", Path(tmp) / "out"
        out.mkdir()
        generate_ct_series(folder, slices=depth, rows=512, cols=512)
        workspace = Workspace(prof)
        (item,) = workspace.import_paths([folder])
        document = workspace.open_segmentation(item.id)
        label_map = document.label_map
        _fill(label_map.labels)
        workspace.save_segmentation(item.id, label_map, "bench")
        context = ToolContext(document, segment=1)
        edits = 0
        figures: dict[int, dict[str, float]] = {}
        for count in (1, 50):
            while edits < count:
                _edit(workspace, context, item.id, edits)
                edits += 1
            waited = _settle(workspace)
            figures[count], base = _timed(workspace, item.id, out, repeats)
            rows.append((f"-- after {count} edit(s)", f"{waited:.3f} s", "waited for compaction"))
            for fmt, _ in FORMATS:
                library = "highdicom" if fmt == "dicom-seg" else "SimpleITK array write"
                ratio = figures[count][fmt] / base[fmt]
                rows.append((f"{library} {fmt}", f"{base[fmt]:.3f} s", "baseline"))
                if f"{fmt} prebuilt" in base:
                    prebuilt = base[f"{fmt} prebuilt"]
                    rows.append((f"  (WriteImage alone {fmt})", f"{prebuilt:.3f} s", "info"))
                rows.append(
                    (f"Caliper export {fmt}", f"{figures[count][fmt]:.3f} s", f"{ratio:.2f}x")
                )
                if count == 50:
                    ratios[fmt] = ratio
            rows.append(("Caliper open (load_segmentation)", f"{figures[count]['open']:.3f} s", ""))
        growth: Callable[[str], float] = lambda key: figures[50][key] - figures[1][key]  # noqa: E731
        rows.append(("open: 50 edits minus 1 edit", f"{growth('open'):+.3f} s", "goal ~0"))
    met = max(ratios.values()) <= GOAL_RATIO
    report(
        f"Segmentation export on a 512x512x{depth} CT (goal <= {GOAL_RATIO:g}x the library)",
        rows,
        ("MET: " if met else "NOT MET: ") + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()),
    )
    return ratios


if __name__ == "__main__":
    main()
