"""The decision engine: dormancy episodes, reactivation score, segments, approach, RFM.

Pure code over columnar numpy input; ``as_of`` is always a parameter. See
:func:`classify` for the whole run and :func:`explain` for one person's reasons.
"""

from __future__ import annotations

from .calendar import add_business_days, business_date, due_date
from .classify import Decisions, Episodes, classify
from .codes import (
    DAY_MS,
    DEAL_CODES,
    NONE,
    OUTCOME_NAMES,
    PRIORITY_NAMES,
    STATUS_NAMES,
    DealCode,
    Outcome,
    Priority,
    Status,
)
from .inputs import EngineInput

__all__ = [
    "DAY_MS",
    "DEAL_CODES",
    "NONE",
    "OUTCOME_NAMES",
    "PRIORITY_NAMES",
    "STATUS_NAMES",
    "DealCode",
    "Decisions",
    "EngineInput",
    "Episodes",
    "Outcome",
    "Priority",
    "Status",
    "add_business_days",
    "business_date",
    "classify",
    "due_date",
]
