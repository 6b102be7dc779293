"""Child process: open a WAV in the audio viewer, select a stretch, press Space, report.

Run with ``HOME`` pointing at a folder whose ``.asoundrc`` sends the default ALSA device to a
file (PortAudio reads the ALSA configuration when ``sounddevice`` is imported, so each test
gets a fresh process); ``QT_QPA_PLATFORM=offscreen``. Writes what happened as JSON:

    python -m tests.viewers.audio.viewer_playback_child WAV START END WORK_DIR OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def main(argv: list[str]) -> int:
    from tests.app.profiles import PASSPHRASE, make_template
    from viewers.audio.audio_viewer import AudioViewer
    from workspace.workspace import Workspace

    wav, start, end, work, out = argv[:5]
    app = QApplication([])
    workspace = Workspace.unlock(make_template(Path(work)), PASSPHRASE)
    (item,) = workspace.import_paths([Path(wav)])
    viewer = AudioViewer(workspace, item)
    viewer.resize(1000, 600)
    viewer.show()
    report: dict[str, list[object]] = {"playheads": [], "states": [], "messages": []}
    if viewer.wait_loaded():
        player = viewer.player
        assert player is not None and viewer.state is not None
        viewer.state.changed.connect(lambda: report["playheads"].append(viewer.state.playhead))
        player.state_changed.connect(report["states"].append)
        player.error.connect(report["messages"].append)
        player.finished.connect(app.quit)
        player.error.connect(lambda _m: app.quit())
        viewer.state.set_selection((float(start), float(end)))
        QTimer.singleShot(30_000, app.quit)  # a hung device must not hang the test run
        viewer.setFocus()
        QTest.keyClick(viewer, Qt.Key.Key_Space)
        if player.state == "playing":
            app.exec()
        report["bar"] = [viewer.message_bar.text() if viewer.message_bar.isVisible() else ""]
    viewer.shutdown()
    workspace.lock()
    Path(out).write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
