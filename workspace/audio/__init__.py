"""Recorded audio, Qt-free: stored recordings opened for reading, playback rendering
(range, loop, speed with pitch kept, reverse) and the playhead clock.

The Qt player that sends the rendered blocks to a sound device is ``viewers.audio.playback``.
"""
