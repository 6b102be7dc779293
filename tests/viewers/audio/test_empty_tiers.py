"""A tier added before any region is drawn on it is still there when the item is reopened."""

from __future__ import annotations

from pathlib import Path

from viewers.audio.audio_viewer import AudioViewer
from viewers.audio.regions import Tier
from workspace.annotation_kinds.names import TIER_LIST
from workspace.export.item_export import export_item


def _reopen(viewer: AudioViewer, qtbot) -> AudioViewer:
    workspace, item = viewer.workspace, viewer.item
    viewer.shutdown()
    viewer.close()
    again = AudioViewer(workspace, item)
    qtbot.addWidget(again)
    again.resize(1200, 700)
    again.show()
    assert again.wait_loaded()
    return again


def test_an_added_empty_tier_survives_closing_and_reopening(open_viewer, qtbot) -> None:
    viewer = open_viewer()
    first_speakers = [Tier("clinician", "S1"), Tier("patient", "S2")]
    assert viewer.tiers() == first_speakers
    assert viewer.workspace.annotations(viewer.item.id) == []  # shown, not saved

    assert viewer.add_tier(Tier("interpreter", "S3"))
    (record,) = viewer.workspace.annotations(viewer.item.id)
    assert record.kind == TIER_LIST and record.label is None
    assert viewer.tier_pane.tiers == sorted([*first_speakers, Tier("interpreter", "S3")])

    again = _reopen(viewer, qtbot)
    try:
        assert again.tiers() == sorted([*first_speakers, Tier("interpreter", "S3")])
        assert again.tier_pane.tiers == again.tiers()
        # renaming an empty tier renames it in the list; undo puts the old name back
        assert again.rename_tier(Tier("interpreter", "S3"), Tier("family", "S3"))
        assert Tier("family", "S3") in again.tiers()
        assert Tier("interpreter", "S3") not in again.tiers()
        again.command_stack.undo()
        assert Tier("interpreter", "S3") in again.tiers()
        # undoing the addition removes the tier
        again.command_stack.undo()
        assert again.workspace.annotations(again.item.id) == []
    finally:
        again.shutdown()


def test_a_renamed_first_speaker_tier_is_kept(open_viewer, qtbot) -> None:
    viewer = open_viewer()
    assert viewer.rename_tier(Tier("patient", "S2"), Tier("family", "F1"))
    again = _reopen(viewer, qtbot)
    try:
        assert again.tiers() == [Tier("clinician", "S1"), Tier("family", "F1")]
    finally:
        again.shutdown()


def test_a_tier_the_schema_cannot_hold_is_refused(open_viewer) -> None:
    viewer = open_viewer()
    assert not viewer.add_tier(Tier("cough", "S1"))  # an event has no speaker
    assert viewer.message_bar.isVisibleTo(viewer)
    assert viewer.workspace.annotations(viewer.item.id) == []


def test_exports_leave_the_tier_list_out_and_textgrid_keeps_empty_tiers(
    open_viewer, tmp_path: Path
) -> None:
    from praatio import textgrid

    viewer = open_viewer()
    region = viewer.create_region(Tier("patient", "S2"), 0.5, 1.25)
    assert region is not None
    assert viewer.add_tier(Tier("interpreter", "S3"))
    workspace, item_id = viewer.workspace, viewer.item.id
    (grid_file,) = export_item(workspace, item_id, "textgrid", tmp_path / "visit.TextGrid")
    grid = textgrid.openTextgrid(str(grid_file), includeEmptyIntervals=False)
    assert set(grid.tierNames) == {"clinician S1", "patient S2", "interpreter S3"}
    assert list(grid.getTier("interpreter S3").entries) == []
    assert [tuple(e)[:2] for e in grid.getTier("patient S2").entries] == [(0.5, 1.25)]
    viewer.set_transcript(region, "it hurts")
    for fmt, name in (("rttm", "visit.rttm"), ("vtt", "visit.vtt"), ("json", "visit.json")):
        (written,) = export_item(workspace, item_id, fmt, tmp_path / name)
        assert "interpreter" not in written.read_text(encoding="utf-8")
