"""Screenshot of the main window with the demo note open (a script, not a test).

Run under a virtual screen::

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.app.screenshot OUT.png [--light]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication

from app.gui import build_main_window, ensure_application
from app.theme import DARK, LIGHT, apply_theme
from viewers.text.viewer import TextViewer
from workspace.demo_profile import open_or_create_demo

SPANS = (("chest pain", "problem"), ("aspirin", "medication"), ("troponin", "test"))


def main(argv: list[str] | None = None) -> int:
    """Build a demo profile, show the window with the note and a few spans, grab the screen."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--light", action="store_true", help="use the light theme")
    parser.add_argument(
        "--show",
        choices=("note", "help", "unlock", "info"),
        default="note",
        help="what to show on top of the window with the note open",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="caliper-shot-") as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        app = ensure_application(["screenshot"])
        apply_theme(app, LIGHT if args.light else DARK)
        profile = Path(tmp) / "demo-profile"
        workspace, _ = open_or_create_demo(profile)
        window = build_main_window(profile, workspace)
        window.show()
        note = next(item for item in workspace.items() if item.modality == "text")
        viewer = window.open_item(note.id)
        assert isinstance(viewer, TextViewer)
        lowered = viewer.text.lower()
        for phrase, label in SPANS:
            start = lowered.find(phrase)
            names = [c.name for c in viewer.schema.classes]
            if start >= 0 and label in names:
                viewer.select_range(start, start + len(phrase))
                viewer.apply_label(viewer.schema.class_named(label))
        window.palette_dock.select("problem")
        viewer.select_range(0, 0)
        if args.show == "help":
            window.show_help()
        elif args.show == "unlock":
            window.lock_now()
            assert window.unlock_dialog is not None
            window.unlock_dialog.show_error("Wrong passphrase — please try again.")
        elif args.show == "info":
            volume = next(item for item in workspace.items() if item.modality == "volume")
            window.open_item(volume.id)

        def grab() -> None:
            screen = QGuiApplication.primaryScreen()
            screen.grabWindow(0).save(str(args.out))
            print(f"wrote {args.out} ({screen.size().width()}x{screen.size().height()})")
            if window.unlock_dialog is not None:
                window.unlock_dialog.reject()
            window.close()
            app.quit()

        QTimer.singleShot(1200, grab)
        app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
