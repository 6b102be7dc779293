"""Rules over clinical text: PHI candidates and ConText assertion hints, shipped as data."""
