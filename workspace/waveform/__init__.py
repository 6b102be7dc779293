"""Physiological signals (ECG, EEG...): one reader per file format, the in-memory
:class:`~workspace.waveform.record.SignalRecord`, and its encrypted storage,
and the min/max level-of-detail pyramid the waveform and audio viewers draw from
(:mod:`workspace.waveform.pyramid`).

Pure Python: no Qt. Readers run on the user's own file at import time; what is stored is the
samples themselves (one encrypted blob per channel, see :mod:`workspace.waveform.store`), so
opening an item never writes a decrypted file anywhere.
"""
