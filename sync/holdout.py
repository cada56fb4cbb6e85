"""The holdout group: a stable, salted share of persons who get no list and no task.

Membership is a pure function of the person's key and the salt, so the same
person stays in (or out of) the holdout across runs and machines, and changing
the salt draws a new group. Only persons in an episode are held out (SPEC §4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def holdout_draw(key: str, salt: str) -> float:
    """A uniform number in [0, 1) fixed by (salt, key)."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_holdout(
    keys: Sequence[str], eligible: npt.NDArray[np.bool_], share: float, salt: str
) -> npt.NDArray[np.bool_]:
    """Which of ``keys`` are held out: eligible ones whose draw falls under ``share``."""
    out = np.zeros(len(keys), dtype=bool)
    if share <= 0:
        return out
    for i in np.flatnonzero(eligible).tolist():
        out[i] = holdout_draw(keys[i], salt) < share
    return out
