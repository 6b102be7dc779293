"""Slide ↔ widget coordinates, the scale bar's length and the magnification readout."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from viewers.slide.scale_bar import readout, scale_bar
from viewers.slide.transform import SlideTransform, magnification_text, nice_length


def test_slide_and_widget_points_round_trip_at_every_turn() -> None:
    for turns in range(4):
        transform = SlideTransform(1000, 800, 0.37, turns, 640, 480)
        point = transform.to_widget(1234.5, 567.25)
        back = transform.to_slide(point)
        assert (back.x(), back.y()) == pytest.approx((1234.5, 567.25))
        centre = transform.to_slide(QPointF(320, 240))
        assert (centre.x(), centre.y()) == pytest.approx((1000, 800))


def test_snapped_rectangles_match_the_painter_transform() -> None:
    for turns in range(4):
        transform = SlideTransform(1000, 800, 0.5, turns, 640, 480)
        rect = transform.snapped(transform.visible_rect())
        widget = transform.turn_transform().mapRect(rect)
        assert abs(widget.width() - 640) <= 2 and abs(widget.height() - 480) <= 2


def test_fitting_a_turned_slide_swaps_its_sides() -> None:
    upright = SlideTransform(0, 0, 1, 0, 600, 300).fitted(2000, 1000)
    turned = SlideTransform(0, 0, 1, 1, 600, 300).fitted(2000, 1000)
    assert upright.scale == pytest.approx(0.95 * 0.3)
    assert turned.scale == pytest.approx(0.95 * 0.15)


def test_scale_bar_lengths_are_round_and_fit() -> None:
    assert [nice_length(v) for v in (0.7, 3, 80, 149, 999, 1000)] == [0.5, 2, 50, 100, 500, 1000]
    assert scale_bar(
        0.5,
        SlideTransform(
            0,
            0,
            1.0,
            0,
            640,
            480,
        ),
    ) == (100, "50 µm")
    assert scale_bar(0.25, SlideTransform(0, 0, 1 / 64, 0, 640, 480)) == (125, "2 mm")


def test_magnification_readout() -> None:
    assert readout(0.25, SlideTransform(0, 0, 1.0, 0, 10, 10), 0, 1) == (
        "40× · 0.25 µm/px · level 0 (1× down)"
    )
    assert readout(0.25, SlideTransform(0, 0, 0.125, 0, 10, 10), 2, 8).startswith("5× · 2 µm/px")
    assert (
        readout(None, SlideTransform(0, 0, 0.5, 0, 10, 10), 1, 2) == "zoom 0.5 · level 1 (2× down)"
    )
    assert [magnification_text(v) for v in (40, 10, 2.5, 2.0, 0.3125)] == [
        "40×",
        "10×",
        "2.5×",
        "2×",
        "0.31×",
    ]
