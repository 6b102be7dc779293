"""Screenshot of the main window with a segmented CT phantom open (a script, not a test).

Run under a virtual screen::

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.viewers.volume.screenshot OUT.png

Options: ``--size 256`` (in-plane voxels), ``--slices 120``, ``--maximise axial|coronal|
sagittal|3d``, ``--preset Lung``, ``--light``, ``--segment liver`` (select it for the tools),
``--tool threshold`` (choose a tool in the Tools panel), ``--threshold 50 80`` (its range),
``--measurements`` (drag a ruler and a 3D box in the axial view, place a landmark, save a
classification and show the Measurements list; ``--classification``: its form instead).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication

from app.gui import build_main_window, ensure_application
from app.theme import DARK, LIGHT, apply_theme
from tests.app.profiles import FAST_KDF, PASSPHRASE
from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag
from viewers.volume.reslice import View
from viewers.volume.volume_viewer import VolumeViewer
from workspace.workspace import Workspace


def main(argv: list[str] | None = None) -> int:
    """Build a profile with a segmented phantom, open it, grab the screen."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--slices", type=int, default=100)
    parser.add_argument("--maximise", choices=[v.value for v in View] + ["3d"])
    parser.add_argument("--preset", default="Abdomen")
    parser.add_argument("--light", action="store_true")
    parser.add_argument("--segment")
    parser.add_argument("--tool")
    parser.add_argument("--threshold", nargs=2, type=float, metavar=("LOW", "HIGH"))
    parser.add_argument("--measurements", action="store_true")
    parser.add_argument("--classification", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="caliper-shot-") as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        app = ensure_application(["screenshot"])
        apply_theme(app, LIGHT if args.light else DARK)
        profile = Path(tmp) / "profile"
        workspace = Workspace.create(profile, PASSPHRASE, user="screenshot", kdf=FAST_KDF)
        item_id = import_phantom(
            workspace, Path(tmp) / "ct", slices=args.slices, rows=args.size, cols=args.size
        )
        window = build_main_window(profile, workspace)
        window.resize(1560, 960)
        window.show()
        viewer = window.open_item(item_id)
        assert isinstance(viewer, VolumeViewer)
        assert viewer.wait_loaded()
        viewer.apply_preset(args.preset)
        shape = viewer.volume.voxels.shape
        viewer.set_crosshair((int(shape[0] * 0.3), int(shape[1] * 0.45), int(shape[2] * 0.33)))
        if args.segment:
            viewer.select_segment(viewer.document.segment_named(args.segment).value)
        if args.tool:
            viewer.tools.set_tool(args.tool)
        if args.threshold:
            page = viewer.tools.page("threshold")
            page.low.setValue(args.threshold[0])  # type: ignore[attr-defined]
            page.high.setValue(args.threshold[1])  # type: ignore[attr-defined]
        if args.measurements:
            app.processEvents()  # lay the views out first: the gestures use their geometry
            _measure(viewer)
            viewer.measuring.tabs.setCurrentIndex(1 if args.classification else 0)
        if args.maximise:
            viewer.maximise(View(args.maximise) if args.maximise != "3d" else "3d")
            app.processEvents()  # lay the views out before the camera is turned
        if viewer.surface_view is not None:
            viewer.surface_view.builder.wait_idle()
            viewer.surface_view.turn(-30, 15)

        def grab() -> None:
            screen = QGuiApplication.primaryScreen()
            screen.grabWindow(0).save(str(args.out))
            print(f"wrote {args.out} ({screen.size().width()}x{screen.size().height()})")
            window.close()
            app.quit()

        QTimer.singleShot(1500, grab)
        app.exec()
    return 0


def _measure(viewer: VolumeViewer) -> None:
    """A ruler and a box dragged in the axial view, a landmark, a classification."""
    axial = viewer.views[View.AXIAL]
    shape = viewer.volume.voxels.shape
    k = axial.index
    left = QPointF(axial.point_of((k, int(shape[1] * 0.45), int(shape[2] * 0.12))))
    right = QPointF(axial.point_of((k, int(shape[1] * 0.40), int(shape[2] * 0.42))))
    viewer.tools.set_tool("ruler")
    drag(axial, Qt.MouseButton.LeftButton, [left, (left + right) / 2, right])
    viewer.set_active_label(viewer.schema.class_named("spleen"))
    viewer.tools.set_tool("box3d")
    low = QPointF(axial.point_of((k, int(shape[1] * 0.38), int(shape[2] * 0.70))))
    high = QPointF(axial.point_of((k, int(shape[1] * 0.70), int(shape[2] * 0.88))))
    drag(axial, Qt.MouseButton.LeftButton, [low, high])
    viewer.set_active_label(viewer.schema.class_named("lesion"))
    viewer.measuring.editing.landmark((k, shape[1] * 0.6, shape[2] * 0.3), "lesion")
    viewer.measuring.editing.save_classification(
        {"finding": "cyst", "severity": "mild", "laterality": "right", "certainty": "probable"}
    )
    viewer.tools.set_tool("ruler")


if __name__ == "__main__":
    sys.exit(main())
