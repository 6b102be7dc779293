"""A physician's session on a 200 kB note with 3,000 spans, in the real event loop: the GUI
never stalls over 100 ms, and the reopened profile holds exactly what the session did.

Scaled down here (``CALIPER_TEXT_SOAK_SECONDS``, default 25 s); ``python -m
tests.viewers.text.soak`` runs it for minutes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.app.profiles import PASSPHRASE
from tests.viewers.text.soak import longest_gap, open_note, run, soak_note, stored_state
from workspace.workspace import Workspace

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh


def test_a_session_of_keys_and_clicks_stays_smooth_and_is_stored(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    note = tmp_path / "discharge.txt"
    note.write_text(soak_note(), encoding="utf-8")
    item_id, viewer = open_note(viewer_workspace, note, 3000)
    qtbot.addWidget(viewer)
    qtbot.waitExposed(viewer)
    seconds = float(os.environ.get("CALIPER_TEXT_SOAK_SECONDS", "25"))
    shots = os.environ.get("CALIPER_TEXT_SOAK_SHOTS")
    doctor, ticks = run(viewer, seconds, Path(shots) if shots else None)

    assert {"add", "relabel", "delete", "label all", "relate", "undo"} <= set(doctor.done)
    expected = doctor.expected
    viewer.shutdown()
    viewer.close()
    path = viewer_workspace.profile.path
    viewer_workspace.lock()
    again = Workspace.unlock(path, PASSPHRASE)
    try:
        stored = stored_state(again.annotations(item_id))
    finally:
        again.lock()
    assert stored.relations == expected.relations
    assert stored.spans.keys() == expected.spans.keys()
    assert stored.spans == expected.spans
    # Each stall says how much of it this process worked: on a shared machine, most of a
    # gap can be the wait for a core.
    assert longest_gap(ticks) < 100, (longest_gap(ticks), doctor.stalls, doctor.collections)
