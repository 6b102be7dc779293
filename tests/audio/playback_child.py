"""Child process: play a range of a sound file with :class:`viewers.audio.playback.Player`.

Run with ``HOME`` pointing at a folder whose ``.asoundrc`` sends the default ALSA device to a
file (PortAudio reads the ALSA configuration once, when ``sounddevice`` is imported, so each
playback test gets a fresh process). Writes what the player reported as JSON:

    python -m tests.audio.playback_child FILE START END SPEED OUT.json [DEVICE]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer


def main(argv: list[str]) -> int:
    import soundfile

    from viewers.audio.playback import Player
    from workspace.audio.clip import AudioClip

    path, start, end, speed, out = argv[:5]
    device = argv[5] if len(argv) > 5 else None
    app = QCoreApplication([])
    samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    player = Player(AudioClip(samples, rate), device=device)
    report: dict[str, list[object]] = {"positions": [], "states": [], "errors": [], "finished": []}
    player.position_changed.connect(report["positions"].append)
    player.state_changed.connect(report["states"].append)
    player.error.connect(report["errors"].append)
    player.finished.connect(lambda: report["finished"].append(True))
    player.finished.connect(app.quit)
    player.error.connect(lambda _m: app.quit())
    QTimer.singleShot(30_000, app.quit)  # a hung device must not hang the test run
    player.set_speed(float(speed))
    if player.play(float(start), float(end)):
        app.exec()
    player.close()
    report["devices"] = [_device_count()]
    Path(out).write_text(json.dumps(report))
    return 0


def _device_count() -> int:
    try:
        import sounddevice
    except OSError:
        return 0
    return len(sounddevice.query_devices())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
