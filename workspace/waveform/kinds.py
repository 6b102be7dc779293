"""What kind of record a set of signal names describes: ECG, EEG or something else.

The kind picks the label schema (ECG beats and rhythms, EEG events, generic events).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ECG_LEAD_NAMES = frozenset(
    {"I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"}
    | {"MLII", "MLI", "MLIII", "ECG", "ECG1", "ECG2", "V", "X", "Y", "Z"}
)
#: 10-20 system electrodes (and the EEG prefix of EDF signal labels).
EEG_SIGNAL = re.compile(
    r"^(EEG\b.*|(FP|AF|F|FT|FC|C|T|TP|CP|P|PO|O)(Z|[0-9]{1,2})(-.*)?|A[12]|M[12])$"
)
RECORD_TYPES = ("ecg", "eeg", "generic")


def record_type(signal_names: Iterable[str]) -> str:
    """``eeg`` when most names are EEG electrodes, else ``ecg`` with any ECG lead, else
    ``generic``."""
    names = [str(n).strip().upper() for n in signal_names]
    if 2 * sum(bool(EEG_SIGNAL.match(n)) for n in names) > len(names):
        return "eeg"
    if any(n in ECG_LEAD_NAMES or n.removeprefix("ECG ") in ECG_LEAD_NAMES for n in names):
        return "ecg"
    return "generic"
