"""The small integer codes the engine's columnar input and output use, with their names.

Codes are stable: the store and the planner persist them, so never reorder a table;
append to it. Every table has a ``*_NAMES`` tuple indexed by code.
"""

from __future__ import annotations

import enum

from connectors.base import DealStatus

DAY_MS = 86_400_000
"""One whole day in epoch milliseconds: SPEC §4's days are ``floor((T - t) / 24h)``."""

NONE = -1
"""Marks "no value" in integer columns (no detail, no segment, no episode, no instant)."""


class Status(enum.IntEnum):
    """A person's reengage status as of T (SPEC §4). ``NONE`` empties ``reengage_status``."""

    NONE = 0
    DORMANT = 1
    SUNSET = 2
    REACTIVATED = 3
    HANDED_OFF = 4


STATUS_NAMES: tuple[str, ...] = ("", "dormant", "sunset", "reactivated", "handed_off")


class Outcome(enum.IntEnum):
    """How a dormancy episode ended (or that it has not)."""

    ONGOING = 0
    REACTIVATED = 1
    HANDED_OFF = 2
    DEAL = 3


OUTCOME_NAMES: tuple[str, ...] = ("ongoing", "reactivated", "handed_off", "deal")


class DealCode(enum.IntEnum):
    """``EngineInput.deal_status`` codes."""

    OPEN = 0
    WON = 1
    LOST = 2


DEAL_CODES: dict[DealStatus, DealCode] = {
    DealStatus.OPEN: DealCode.OPEN,
    DealStatus.WON: DealCode.WON,
    DealStatus.LOST: DealCode.LOST,
}


class Priority(enum.IntEnum):
    """Task priority codes; ``NONE`` means the segment calls for no task."""

    NONE = 0
    HIGH = 1
    NORMAL = 2
    LOW = 3


PRIORITY_NAMES: tuple[str, ...] = ("", "HIGH", "NORMAL", "LOW")
