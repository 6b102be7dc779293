"""The audio viewer's Qt side: playback through ``sounddevice`` and the keyboard transport."""
