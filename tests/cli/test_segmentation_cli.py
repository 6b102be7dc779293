"""A label map in, every export format out, through the real ``caliper`` command."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from workspace.annotations import AddAnnotation, Annotation
from workspace.demo_data import generate_ct_series
from workspace.export.labelmap_files import labelmap_image
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace


@pytest.fixture
def volume_item(profile_dir: Path, tmp_path: Path) -> tuple[str, LabelMap]:
    """A CT item in the profile, a ruler and a finding on it, and a label map on its grid."""
    import SimpleITK as sitk  # noqa: N813

    folder = tmp_path / "ct"
    generate_ct_series(
        folder, slices=8, rows=24, cols=24, patient_name="Cli^Seg", patient_id="CLI1", seed=5
    )
    result = caliper("import", str(folder), "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    item_id = result.stdout.split("\t")[0]
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    geometry = workspace.load_volume(item_id).geometry
    document, stack = workspace.document(item_id), workspace.command_stack(item_id)
    stack.push(
        AddAnnotation(
            document,
            Annotation(
                item_id, "ruler", "lesion", {"start": [0.0, 0.0, 0.0], "end": [3.0, 4.0, 0.0]}
            ),
        )
    )
    stack.push(
        AddAnnotation(
            document,
            Annotation(
                item_id,
                "classification",
                None,
                {"finding": "hepatic cyst", "attributes": {"laterality": "right"}},
            ),
        )
    )
    workspace.lock()
    array = np.zeros(geometry.shape, dtype=np.uint8)
    array[2:6, 4:12, 4:12] = 1
    array[3:5, 6:8, 6:8] = 2
    labels = LabelMap(
        array, geometry, [Segment(1, "liver", "#dd8265"), Segment(2, "lesion", "#f0e442")]
    )
    sitk.WriteImage(labelmap_image(labels), str(tmp_path / "pre.nii.gz"))
    return item_id, labels


def test_labelmap_import_then_every_export(profile_dir: Path, tmp_path: Path, volume_item) -> None:
    import highdicom as hd
    import SimpleITK as sitk  # noqa: N813

    item_id, labels = volume_item
    result = caliper(
        "import",
        str(tmp_path / "pre.nii.gz"),
        "--segmentation-of",
        item_id,
        "--labels",
        "liver,lesion",
        "--profile",
        str(profile_dir),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{item_id}\tsegmentation\tliver, lesion"

    out = tmp_path / "out"
    out.mkdir()
    for fmt, name in [
        ("dicom-seg", "seg.dcm"),
        ("nifti", "seg.nii.gz"),
        ("nrrd", "seg.nrrd"),
        ("sr", "sr.dcm"),
        ("json", "report.json"),
    ]:
        result = caliper(
            "export",
            item_id,
            "--format",
            fmt,
            "--out",
            str(out / name),
            "--profile",
            str(profile_dir),
        )
        assert result.returncode == 0, (fmt, result.stderr)

    seg = hd.seg.segread(out / "seg.dcm")
    liver = seg.get_segment_description(1)
    assert liver.segment_label == "liver"
    assert liver.segmented_property_type.value == "10200004"  # SNOMED CT code from the schema
    assert np.array_equal(
        sitk.GetArrayFromImage(sitk.ReadImage(str(out / "seg.nii.gz"))), labels.labels
    )
    report = json.loads((out / "report.json").read_text())
    assert report["measurements"][0]["value"] == 5.0
    assert [s["voxels"] for s in report["segments"]] == [
        int((labels.labels == 1).sum()),
        int((labels.labels == 2).sum()),
    ]
    if shutil.which("dciodvfy"):
        for name in ("seg.dcm", "sr.dcm"):
            check = subprocess.run(
                ["dciodvfy", str(out / name)], capture_output=True, text=True, check=False
            )
            assert not [line for line in check.stderr.splitlines() if line.startswith("Error")]
    audit = caliper("audit", "show", "--profile", str(profile_dir)).stdout
    assert audit.count("item.export") == 5

    # The DICOM SEG imports back as the same segmentation.
    result = caliper(
        "import", str(out / "seg.dcm"), "--segmentation-of", item_id, "--profile", str(profile_dir)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("liver, lesion")


def test_wrong_grid_and_missing_segmentation_are_one_line_errors(
    profile_dir: Path, tmp_path: Path, volume_item
) -> None:
    import SimpleITK as sitk  # noqa: N813

    item_id, labels = volume_item
    assert_one_line_error(
        caliper(
            "export",
            item_id,
            "--format",
            "nifti",
            "--out",
            str(tmp_path / "x.nii.gz"),
            "--profile",
            str(profile_dir),
        ),
        "has no segmentation yet",
    )
    image = labelmap_image(labels)
    image.SetOrigin((5.0, 5.0, 5.0))
    sitk.WriteImage(image, str(tmp_path / "moved.nii.gz"))
    assert_one_line_error(
        caliper(
            "import",
            str(tmp_path / "moved.nii.gz"),
            "--segmentation-of",
            item_id,
            "--profile",
            str(profile_dir),
        ),
        "origin differ",
    )
