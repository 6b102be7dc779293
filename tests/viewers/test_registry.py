"""The viewer registry: one viewer per modality, a fallback for the rest."""

from __future__ import annotations

import pytest

from viewers.base import Viewer, register_viewer, registered_modalities, viewer_class_for
from viewers.builtins import load_builtin_viewers
from viewers.item_info import ItemInfoViewer
from viewers.text.viewer import TextViewer


def test_builtins_register_text_volume_and_fallback():
    from viewers.volume.volume_viewer import VolumeViewer

    assert load_builtin_viewers() == []
    assert {"text", "volume"} <= set(registered_modalities())
    assert viewer_class_for("text") is TextViewer
    assert viewer_class_for("volume") is VolumeViewer
    from viewers.waveform.waveform_viewer import WaveformViewer

    assert viewer_class_for("waveform") is WaveformViewer
    assert viewer_class_for("no-viewer-for-this") is ItemInfoViewer


def test_duplicate_id_is_rejected():
    with pytest.raises(ValueError, match="already registered"):

        @register_viewer("text")
        class Another(Viewer):
            pass

    assert viewer_class_for("text") is TextViewer


def test_register_and_unregister(monkeypatch):
    monkeypatch.setattr("viewers.base._REGISTRY", {})

    @register_viewer("ecg-test")
    class EcgViewer(Viewer):
        pass

    assert EcgViewer.modality == "ecg-test"
    assert viewer_class_for("ecg-test") is EcgViewer
    with pytest.raises(LookupError):
        viewer_class_for("other")
