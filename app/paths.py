"""Where profiles live by default (platformdirs: right on Linux, macOS and Windows)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path


def default_profile_dir() -> Path:
    """The user's default profile directory."""
    return user_data_path("Caliper", appauthor=False) / "profiles" / "default"


def default_demo_dir() -> Path:
    """Where ``caliper demo`` makes its profile."""
    return user_data_path("Caliper", appauthor=False) / "profiles" / "demo"
