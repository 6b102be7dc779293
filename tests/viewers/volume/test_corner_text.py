"""Corner annotations: series lines (patient only when allowed), slice position, value unit."""

from __future__ import annotations

from viewers.volume.corner_text import series_lines, slice_position, value_with_unit
from workspace.volume.geometry import VolumeGeometry

META = {
    "patient_name": "Doe^Jane",
    "patient_id": "MRN123",
    "series_description": "Abdomen 2.5 mm",
    "series_number": 3,
    "slices": 120,
    "study_date": "20240101",
    "acquisition_date": "20240315",
}


def test_series_lines_hide_the_patient_unless_allowed() -> None:
    assert series_lines(META, show_patient=False) == [
        "Abdomen 2.5 mm",
        "Se 3  120 im",
        "2024-03-15",
    ]
    shown = series_lines(META, show_patient=True)
    assert shown[0] == "Doe Jane  ID MRN123"
    assert series_lines({"slices": 1}, show_patient=False) == ["1 im"]


def test_slice_position_names_the_patient_axis_of_each_view() -> None:
    # axial slices 2.5 mm apart starting at S -40 mm; rows run A->P, columns R->L (LPS identity)
    geometry = VolumeGeometry((20, 64, 64), (0.7, 0.7, 2.5), (-22.0, -22.0, -40.0))
    assert slice_position(geometry, 0, (0, 10, 10)) == "I 40.0 mm"
    assert slice_position(geometry, 0, (16, 10, 10)) == "S 0.0 mm"
    assert slice_position(geometry, 0, (19, 10, 10)) == "S 7.5 mm"
    assert slice_position(geometry, 2, (5, 5, 0)) == "R 22.0 mm"  # sagittal: the i axis
    assert slice_position(geometry, 1, (5, 40, 5)) == "P 6.0 mm"  # coronal: the j axis


def test_values_carry_their_unit() -> None:
    assert value_with_unit(35.0, "HU", True) == "35 HU"
    assert value_with_unit(612.4321, "", False) == "612.4"
