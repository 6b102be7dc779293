"""Physiological signals and audio: records, level-of-detail pyramids."""
