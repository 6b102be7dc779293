"""Child process of the cold-start benchmark: start, unlock, show the window, report, quit.

``bare`` shows an empty QMainWindow (the floor set by Python + Qt); ``caliper`` unlocks a profile
and shows the real main window. Prints ``KDF <s>`` and ``SHOWN <s since process start>``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

START = time.perf_counter()


def main() -> None:
    mode = sys.argv[1]
    if mode != "bare":
        import app.domain_first  # as ``caliper open`` does, before PySide6
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    kdf = 0.0
    if mode == "bare":
        window: QMainWindow = QMainWindow()
        window.resize(1400, 900)
    else:
        from app.gui import build_main_window
        from storage.keys import KeyFile
        from storage.profile import KEY_FILE, Profile
        from workspace.workspace import Workspace

        profile_dir, passphrase = Path(sys.argv[2]), sys.argv[3]
        key_file = KeyFile.load(profile_dir / KEY_FILE)
        started = time.perf_counter()
        data_key = key_file.unwrap_with_passphrase(passphrase)
        kdf = time.perf_counter() - started
        workspace = Workspace(Profile(profile_dir, key_file, data_key))
        window = build_main_window(profile_dir, workspace)
    window.show()

    def shown() -> None:
        print(f"KDF {kdf:.4f}", flush=True)
        print(f"SHOWN {time.perf_counter() - START:.4f}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()


if __name__ == "__main__":
    main()
