"""The whole-slide viewer (modality ``slide``)."""
