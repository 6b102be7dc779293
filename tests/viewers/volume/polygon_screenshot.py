"""Polygons drawn, edited and deleted as a radiologist would, with screenshots (a script).

Run under a virtual screen, in its own process::

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.viewers.volume.polygon_screenshot \
        OUT_DIR --image ct|radiograph

It opens a CT phantom (or a 4096 × 3072 radiograph) in the main window, outlines two
polygons with mouse clicks and a double-click, waits for their values, puts a vertex on an
edge (double-click) and drags it out, takes a vertex out (hover + Delete), deletes a polygon
from the Measurements list, and saves ``<image>-1-drawn.png``, ``-2-edited.png``,
``-3-deleted.png`` (the viewer, ``QWidget.grab``; ``-2-hovered.png`` the axial view with a
vertex ringed under the mouse) and ``-4-3d.png`` (the screen, as VTK
draws only there).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from app.gui import build_main_window, ensure_application
from app.theme import DARK, apply_theme
from tests.app.profiles import FAST_KDF, PASSPHRASE
from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag, move, press, release
from tests.viewers.volume.test_polygon_ui import _double_click
from viewers.volume.reslice import View
from viewers.volume.volume_viewer import VolumeViewer
from workspace.workspace import Workspace

LEFT = Qt.MouseButton.LeftButton


def _click(view, voxel) -> None:
    press(view, LEFT, view.point_of(voxel))
    release(view, LEFT, view.point_of(voxel))


def _outline(viewer: VolumeViewer, view, corners, label: str) -> None:
    viewer.set_active_label(viewer.schema.class_named(label))
    for corner in corners[:-1]:
        _click(view, corner)
        QTest.qWait(30)
    _double_click(None, view, corners[-1])


def _settled(viewer: VolumeViewer) -> None:
    """Wait until every polygon's values are stored."""
    for _ in range(300):
        if not viewer.measuring.editing.missing_values():
            break
        QTest.qWait(100)
    QTest.qWait(200)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--image", choices=["ct", "radiograph"], default="ct")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="caliper-poly-") as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        app = ensure_application(["polygon-screenshot"])
        apply_theme(app, DARK)
        profile = Path(tmp) / "profile"
        workspace = Workspace.create(profile, PASSPHRASE, user="screenshot", kdf=FAST_KDF)
        if args.image == "ct":
            item_id = import_phantom(workspace, Path(tmp) / "ct", slices=60, rows=256, cols=256)
        else:
            item_id = import_phantom(
                workspace, Path(tmp) / "cr", slices=1, rows=3072, cols=4096, segmented=False
            )
        window = build_main_window(profile, workspace)
        window.resize(1560, 960)
        window.show()
        viewer = window.open_item(item_id)
        assert isinstance(viewer, VolumeViewer)
        assert viewer.wait_loaded()
        QTest.qWait(300)
        viewer.tools.set_tool("polygon")
        axial = viewer.views[View.AXIAL]
        _, rows, cols = viewer.volume.voxels.shape
        k = axial.index

        def at(r: float, c: float) -> tuple[int, int, int]:
            return (k, int(rows * r), int(cols * c))

        lesion = [at(0.38, 0.27), at(0.37, 0.40), at(0.50, 0.43), at(0.55, 0.30)]  # in the liver
        spleen = [at(0.52, 0.68), at(0.53, 0.77), at(0.67, 0.77), at(0.66, 0.67)]
        _outline(viewer, axial, lesion, "lesion")
        _outline(viewer, axial, spleen, "spleen")
        _settled(viewer)
        viewer.grab().save(str(args.out / f"{args.image}-1-drawn.png"))
        # a vertex put on the lesion's top edge, dragged out; the spleen's last vertex taken out
        edge = (k, (lesion[0][1] + lesion[1][1]) / 2, (lesion[0][2] + lesion[1][2]) / 2)
        _double_click(None, axial, edge)
        _settled(viewer)
        drag(axial, LEFT, [axial.point_of(edge), axial.point_of(at(0.31, 0.34))])
        move(axial, Qt.MouseButton.NoButton, axial.point_of(spleen[3]))  # ringed
        QTest.qWait(100)
        axial.grab().save(str(args.out / f"{args.image}-2-hovered.png"))
        QTest.keyClick(axial, Qt.Key.Key_Delete)
        _settled(viewer)
        viewer.grab().save(str(args.out / f"{args.image}-2-edited.png"))
        if viewer.surface_view is not None:
            viewer.maximise("3d")
            QTest.qWait(300)
            viewer.surface_view.builder.wait_idle()
            viewer.surface_view.turn(-30, 35)
            QTest.qWait(800)
            QGuiApplication.primaryScreen().grabWindow(0).save(
                str(args.out / f"{args.image}-4-3d.png")
            )
            viewer.maximise(View.AXIAL)
            QTest.qWait(200)
        panel = viewer.measuring.panel
        first = panel.tree.topLevelItem(0)
        assert first is not None
        panel.tree.setCurrentItem(first)
        panel.delete_button.click()
        QTest.qWait(200)
        viewer.grab().save(str(args.out / f"{args.image}-3-deleted.png"))
        stored = [a for a in workspace.annotations(item_id) if a.kind == "polygon"]
        for polygon in stored:
            print(polygon.label, len(polygon.data["points_kji"]), polygon.data.get("values"))
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, app.quit)
        app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
