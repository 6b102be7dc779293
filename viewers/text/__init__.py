"""The clinical text viewer: a note with its spans drawn as stacked, labelled underlines.

Qt-free pieces (:mod:`~viewers.text.span_index`, :mod:`~viewers.text.find`,
:mod:`~viewers.text.span_edits`) are tested without a widget; the widgets build on them.
"""
