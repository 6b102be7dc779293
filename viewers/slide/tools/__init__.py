"""Annotation tools of the slide viewer: drawing, editing and the shapes overlay."""
