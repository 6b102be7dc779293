"""Volumes (CT/MR): geometry, voxel data, and their storage in the encrypted blob store."""
