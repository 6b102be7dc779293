"""The whole-slide viewer (modality ``slide``): a tiled multi-resolution view of a slide read
tile by tile from the encrypted store, an overview, a scale bar and magnification readout.

Modules: :mod:`~viewers.slide.transform` (slide ↔ widget coordinates), :mod:`~viewers.slide.
tile_loader` (tiles decoded on worker threads into a cache bounded in MB),
:mod:`~viewers.slide.slide_view` (the painted view and its gestures), :mod:`~viewers.slide.
overview`, :mod:`~viewers.slide.scale_bar`, :mod:`~viewers.slide.slide_viewer` (the viewer).

Hooks for the annotation tools (``viewers/slide/tools/``), on :class:`~viewers.slide.
slide_view.SlideView` (the viewer's ``view``):

* ``view.overlays: list[Callable[[QPainter, SlideTransform], None]]`` — painted in order after
  the tiles, the painter in widget pixels; ``transform.qtransform()`` maps level-0 slide
  pixels to widget pixels and ``transform.visible_rect()`` bounds the visible part of the
  slide in level-0 pixels (draw only what falls inside). ``view.update()`` repaints.
* ``view.tool`` — an object with ``mouse_press`` / ``mouse_move`` / ``mouse_release``, each
  given a ``SlideMouseEvent`` (``x``, ``y`` in level-0 slide pixels, the Qt ``event``) and
  returning True when it used the event (else the view pans), and optionally
  ``key_press(QKeyEvent) -> bool``. ``transform.to_slide`` / ``to_widget`` convert points.
"""
