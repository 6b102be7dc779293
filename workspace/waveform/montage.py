"""EEG montages: which derived channels to draw from a record's electrodes, and computing them.

A montage is a list of derivations, each an electrode minus another (bipolar) or an electrode
alone (referential: as recorded). The longitudinal bipolar "double banana" chains the 10-20
electrodes from front to back over each temporal and parasagittal line and the midline.
Electrode names are matched leniently: case, an ``EEG`` prefix and a reference suffix
(``-REF``, ``-LE``, ``-A1``...) are ignored, and the renamed temporal electrodes of the
10-10 system (T7/T8, P7/P8) stand for T3/T4, T5/T6 and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.errors import WorkspaceError

#: The 10-10 names of the 10-20 temporal electrodes (both spellings mean the same place).
ALIASES = {"T7": "T3", "T8": "T4", "P7": "T5", "P8": "T6"}
#: The longitudinal bipolar montage (10-20 names): left temporal, right temporal, left and
#: right parasagittal chains, then the midline.
DOUBLE_BANANA: tuple[tuple[str, str], ...] = (
    ("FP1", "F7"), ("F7", "T3"), ("T3", "T5"), ("T5", "O1"),
    ("FP2", "F8"), ("F8", "T4"), ("T4", "T6"), ("T6", "O2"),
    ("FP1", "F3"), ("F3", "C3"), ("C3", "P3"), ("P3", "O1"),
    ("FP2", "F4"), ("F4", "C4"), ("C4", "P4"), ("P4", "O2"),
    ("FZ", "CZ"), ("CZ", "PZ"),
)  # fmt: skip
#: At least this many of its derivations must be found for the double banana to be offered.
FEWEST_PAIRS = 4
_PREFIX = re.compile(r"^EEG[\s_-]*", re.IGNORECASE)


class MontageError(WorkspaceError, ValueError):
    """The record lacks the electrodes a montage needs."""


@dataclass(frozen=True)
class Derivation:
    """One drawn channel: ``plus`` minus ``minus`` (record channel indices; None: as recorded)."""

    name: str
    plus: int
    minus: int | None = None


@dataclass(frozen=True)
class Montage:
    """A named list of derivations."""

    name: str
    derivations: tuple[Derivation, ...]

    @property
    def sources(self) -> list[int]:
        """The record channels the montage reads, in increasing order."""
        used = {d.plus for d in self.derivations}
        used |= {d.minus for d in self.derivations if d.minus is not None}
        return sorted(used)


def electrode(name: str) -> str:
    """The 10-20 electrode a signal name denotes (upper case, 10-20 temporal names), or ""."""
    bare = _PREFIX.sub("", name.strip()).split("-")[0].strip().upper()
    return ALIASES.get(bare, bare)


def referential(names: Sequence[str]) -> Montage:
    """Every channel as recorded."""
    return Montage("Referential", tuple(Derivation(n, i) for i, n in enumerate(names)))


def double_banana(names: Sequence[str]) -> Montage:
    """The longitudinal bipolar montage over the electrodes present (raises MontageError)."""
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        found.setdefault(electrode(name), index)
    label = {e: _PREFIX.sub("", names[i].strip()).split("-")[0].strip() for e, i in found.items()}
    derivations = tuple(
        Derivation(f"{label[a]}-{label[b]}", found[a], found[b])
        for a, b in DOUBLE_BANANA
        if a in found and b in found
    )
    if len(derivations) < FEWEST_PAIRS:
        raise MontageError(
            "Not enough 10-20 electrodes for a bipolar montage "
            f"({len(derivations)} of its {len(DOUBLE_BANANA)} pairs found)."
        )
    return Montage("Bipolar longitudinal (double banana)", derivations)


def montages_for(names: Sequence[str]) -> list[Montage]:
    """The montages a record with these channel names can be shown in (referential first)."""
    montages = [referential(names)]
    try:
        montages.append(double_banana(names))
    except MontageError:
        pass
    return montages


def derive(montage: Montage, values: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """The montage's channels from ``values`` (record channels × samples, physical units)."""
    data = np.asarray(values, dtype=np.float64)
    out = np.empty((len(montage.derivations), data.shape[1]), dtype=np.float64)
    for row, derivation in enumerate(montage.derivations):
        out[row] = data[derivation.plus]
        if derivation.minus is not None:
            out[row] -= data[derivation.minus]
    return out
