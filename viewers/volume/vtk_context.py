"""Where the 3D view's OpenGL context may be made: on a worker thread, where the platform allows.

Making the context is the costliest step of creating a 3D view (0.1-0.4 s with software
OpenGL) and cannot be split. VTK holds the GIL in ``Initialize`` but not in ``Render``, so a
first ``Render`` on a worker thread makes the context while the window keeps turning; the
worker then lets go of the context and the GUI thread takes it on its next render. Under X11
that is safe (VTK talks to the X server on a connection of its own, and the view is hidden and
touched by no one else meanwhile); Cocoa wants its views used from the main thread only, so
elsewhere the context is made on the GUI thread as before.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

#: Qt platforms on which the context is made on a worker thread.
OFF_THREAD_PLATFORMS = frozenset({"xcb"})


def context_off_thread() -> bool:
    """Whether to make the 3D view's OpenGL context on a worker thread here."""
    return QGuiApplication.platformName() in OFF_THREAD_PLATFORMS
