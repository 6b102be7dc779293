"""Fit, zoom and pan of a slice in its widget (no Qt)."""

from __future__ import annotations

import pytest

from viewers.volume.viewport import MAX_ZOOM, Viewport, to_image, to_widget

WIDGET = (400.0, 300.0)
SIZE_MM = (100.0, 200.0)  # height, width: twice as wide as tall


def test_fit_keeps_the_physical_aspect_and_centres() -> None:
    rect = Viewport().image_rect(WIDGET, SIZE_MM)
    assert (rect.width, rect.height) == (400.0, 200.0)
    assert (rect.left, rect.top) == (0.0, 50.0)


def test_zoom_about_a_point_keeps_it_in_place() -> None:
    viewport = Viewport()
    size = (50, 100)  # rows, cols
    anchor = (300.0, 120.0)
    before = to_image(viewport.image_rect(WIDGET, SIZE_MM), size, *anchor)
    viewport.zoom_about(2.5, anchor, WIDGET, SIZE_MM)
    after = to_image(viewport.image_rect(WIDGET, SIZE_MM), size, *anchor)
    assert after == pytest.approx(before)
    assert viewport.zoom == 2.5
    viewport.zoom_about(1000.0, anchor, WIDGET, SIZE_MM)
    assert viewport.zoom == MAX_ZOOM


def test_pan_moves_by_widget_pixels_and_survives_a_resize() -> None:
    viewport = Viewport(zoom=2.0)
    rect = viewport.image_rect(WIDGET, SIZE_MM)
    viewport.pan_by(40.0, -10.0, WIDGET, SIZE_MM)
    moved = viewport.image_rect(WIDGET, SIZE_MM)
    assert (moved.left - rect.left, moved.top - rect.top) == pytest.approx((40.0, -10.0))
    bigger = viewport.image_rect((800.0, 600.0), SIZE_MM)
    assert (bigger.left - (800 - bigger.width) / 2) / bigger.width == pytest.approx(
        40.0 / rect.width
    )
    viewport.reset()
    assert viewport.image_rect(WIDGET, SIZE_MM) == Viewport().image_rect(WIDGET, SIZE_MM)


def test_image_and_widget_coordinates_round_trip() -> None:
    rect = Viewport(zoom=1.7, pan_x=0.1).image_rect(WIDGET, SIZE_MM)
    x, y = to_widget(rect, (50, 100), 12.5, 33.25)
    assert to_image(rect, (50, 100), x, y) == pytest.approx((12.5, 33.25))
