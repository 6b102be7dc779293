"""The volume viewer: axial, coronal and sagittal slice views with segment overlays."""
