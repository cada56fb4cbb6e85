"""``PlanInput``: everything the planner decides from, in columns the store can fill directly.

Index = person, the engine's person index (the order of ``Snapshot.person_keys``).
Arrays are numpy, one value per person; ``records`` a sequence of per-person
tuples. The applied state (fields, memberships, created keys, today's task counts)
is what the journal says was last applied; the planner diffs against it only.

Field by field:

* ``as_of``: T, timezone-aware (the same as ``decisions.as_of``);
* ``decisions``: :func:`sync.engine.classify`'s output;
* ``person_keys`` / ``person_ids``: stable keys (idempotency keys hash them) and store ids;
* ``details``: the engine input's ``details`` (``last_touch``, ``loss_reason`` and the
  trigger ``detail`` columns index it);
* ``emails``: each person's normalised email (None: unknown), for alerts;
* ``records``: each person's live platform records (not deleted, not converted away),
  :class:`PersonRecord` (ref + owner id);
* ``email_opt_out`` / ``hard_bounce`` / ``do_not_call``: bool, already OR-ed over the
  person's records on both platforms;
* ``holdout``: bool, the person is in the holdout group;
* ``reactivation`` / ``handoff``: :class:`Engagements`, the engagement that reactivated /
  handed off each person (kind code -1 where none is known);
  :func:`sync.plan.triggers.triggers_from_input` computes both from the engine input;
* ``owners_active``: (platform, owner id) -> active; an owner not in it is inactive;
* ``applied_fields``: record -> field name -> last applied string (:func:`field_string`);
  only reengage's own fields matter, others are ignored;
* ``applied_members``: (platform, list name) -> records last applied as members;
  lists that are not reengage's (:meth:`Rules.list_names`) are ignored;
* ``created``: idempotency keys of tasks, alerts and hand-off field writes already done;
* ``former_keys``: person key -> the other keys the person's records have been under
  (a merged-in person's, :mod:`sync.identity.anchors`): what was made under them is made;
* ``tasks_today``: (platform, owner id) -> tasks already given to that owner on T's
  business date (for the per-owner daily cap).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from connectors.base import Platform, RecordRef
from sync.engine import Decisions

B = npt.NDArray[np.bool_]
I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One live platform record of a person, and who owns it there."""

    ref: RecordRef
    owner_id: str | None = None


@dataclass(frozen=True)
class Engagements:
    """One engagement per person: ``kind`` an ``ActivityKind.code`` (-1: none), ``detail`` an
    index into ``details`` (-1: none), ``at_ms`` epoch ms (-1: none)."""

    kind: I8
    detail: I32
    at_ms: I64

    @classmethod
    def none(cls, n: int) -> Engagements:
        return cls(
            kind=np.full(n, -1, dtype=np.int8),
            detail=np.full(n, -1, dtype=np.int32),
            at_ms=np.full(n, -1, dtype=np.int64),
        )


@dataclass(frozen=True)
class PlanInput:
    """The planner's whole input (see the module docstring for each field)."""

    as_of: datetime
    decisions: Decisions
    person_keys: Sequence[str]
    person_ids: I64
    details: Sequence[str]
    emails: Sequence[str | None]
    records: Sequence[Sequence[PersonRecord]]
    email_opt_out: B
    hard_bounce: B
    do_not_call: B
    holdout: B
    reactivation: Engagements
    handoff: Engagements
    owners_active: Mapping[tuple[Platform, str], bool] = field(default_factory=dict)
    applied_fields: Mapping[RecordRef, Mapping[str, str | None]] = field(default_factory=dict)
    applied_members: Mapping[tuple[Platform, str], frozenset[RecordRef]] = field(
        default_factory=dict
    )
    created: frozenset[str] = frozenset()
    former_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    tasks_today: Mapping[tuple[Platform, str], int] = field(default_factory=dict)

    @property
    def n_persons(self) -> int:
        return len(self.person_keys)

    def keys_of(self, person_key: str) -> tuple[str, ...]:
        """The person's key, then the keys it was known under before."""
        return (person_key, *self.former_keys.get(person_key, ()))

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError("PlanInput.as_of must be timezone-aware")
        n = self.n_persons
        columns: dict[str, object] = {
            "decisions.status": self.decisions.status,
            "person_ids": self.person_ids,
            "emails": self.emails,
            "records": self.records,
            "email_opt_out": self.email_opt_out,
            "hard_bounce": self.hard_bounce,
            "do_not_call": self.do_not_call,
            "holdout": self.holdout,
            "reactivation.kind": self.reactivation.kind,
            "handoff.kind": self.handoff.kind,
        }
        wrong = [name for name, col in columns.items() if len(col) != n]  # type: ignore[arg-type]
        if wrong:
            raise ValueError(f"PlanInput: {', '.join(wrong)} not of length {n} (persons)")
