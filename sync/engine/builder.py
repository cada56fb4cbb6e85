"""Builds an :class:`EngineInput` row by row, from reengage's own domain values.

The store fills the columns straight from Arrow; this builder is for small inputs —
tests, ``explain`` fixtures, the planner's tests — where readable rows matter more
than speed. Detail and loss-reason strings are interned into one ``details`` list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from connectors.base import ActivityKind, DealStatus

from .codes import DEAL_CODES, NONE
from .inputs import EngineInput, to_ms


@dataclass
class InputBuilder:
    """Collects persons, activities and deals; :meth:`build` makes the columns."""

    _persons: list[tuple[int, float]] = field(default_factory=list)
    _acts: list[tuple[int, int, int, int]] = field(default_factory=list)
    _deals: list[tuple[int, int, int, int, float, int]] = field(default_factory=list)
    _details: dict[str, int] = field(default_factory=dict)

    def _detail(self, name: str | None) -> int:
        if name is None:
            return NONE
        return self._details.setdefault(name, len(self._details))

    def person(self, created: datetime, hubspot_score: float | None = None) -> int:
        """Adds a person; returns their index."""
        score = np.nan if hubspot_score is None else float(hubspot_score)
        self._persons.append((to_ms(created), score))
        return len(self._persons) - 1

    def activity(
        self, person: int, kind: ActivityKind, at: datetime, detail: str | None = None
    ) -> InputBuilder:
        self._acts.append((person, kind.code, to_ms(at), self._detail(detail)))
        return self

    def deal(
        self,
        person: int,
        status: DealStatus,
        created: datetime | None,
        closed: datetime | None = None,
        amount: float | None = None,
        loss_reason: str | None = None,
    ) -> InputBuilder:
        created_ms = NONE if created is None else to_ms(created)
        closed_ms = NONE if closed is None else to_ms(closed)
        value = np.nan if amount is None else float(amount)
        code = int(DEAL_CODES[status])
        self._deals.append((person, code, created_ms, closed_ms, value, self._detail(loss_reason)))
        return self

    def build(self) -> EngineInput:
        persons = list(zip(*self._persons, strict=True)) or [(), ()]
        acts = list(zip(*self._acts, strict=True)) or [(), (), (), ()]
        deals = list(zip(*self._deals, strict=True)) or [(), (), (), (), (), ()]
        return EngineInput(
            person_created_ms=np.array(persons[0], dtype=np.int64),
            hubspot_score=np.array(persons[1], dtype=np.float64),
            act_person=np.array(acts[0], dtype=np.int32),
            act_kind=np.array(acts[1], dtype=np.int8),
            act_ms=np.array(acts[2], dtype=np.int64),
            act_detail=np.array(acts[3], dtype=np.int32),
            details=tuple(self._details),
            deal_person=np.array(deals[0], dtype=np.int32),
            deal_status=np.array(deals[1], dtype=np.int8),
            deal_created_ms=np.array(deals[2], dtype=np.int64),
            deal_closed_ms=np.array(deals[3], dtype=np.int64),
            deal_amount=np.array(deals[4], dtype=np.float64),
            deal_loss_reason=np.array(deals[5], dtype=np.int32),
        )
