"""Hand-built persons run through the real engine, and a PlanInput around them.

T is Monday 2025-06-02 12:00 UTC. Each ``World.add`` call adds one person built by a
shape function (``dormant``, ``reactivated``...) with its platform records and
consent flags; ``World.input`` classifies everyone as of T and fills the planner's
input, with whatever applied state the test gives. ``AppliedState.after`` stands in
for the applier: it records what a plan's operations leave behind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from config.rules import Rules, load_rules
from connectors.base import ActivityKind as K
from connectors.base import DealStatus, Platform, RecordRef, RecordType
from sync.engine import classify
from sync.engine.builder import InputBuilder
from sync.plan import Operation, OpKind, PersonRecord, Plan, PlanInput, triggers_from_input

T = datetime(2025, 6, 2, 12, tzinfo=UTC)
RULES = load_rules()
HS, SF = Platform.HUBSPOT, Platform.SALESFORCE
Shape = Callable[[InputBuilder], int]


def ago(days: float) -> datetime:
    return T - timedelta(days=days)


def rules_with(**changes: Any) -> Rules:
    """The default rules with some top-level sections replaced (e.g. ``owners=Owners(...)``)."""
    return RULES.model_copy(update=changes)


def hs(rid: str, owner: str | None = "hs-owner") -> PersonRecord:
    return PersonRecord(RecordRef(RecordType.HUBSPOT_CONTACT, rid), owner)


def lead(rid: str, owner: str | None = "sf-owner") -> PersonRecord:
    return PersonRecord(RecordRef(RecordType.SALESFORCE_LEAD, rid), owner)


def contact(rid: str, owner: str | None = "sf-owner") -> PersonRecord:
    return PersonRecord(RecordRef(RecordType.SALESFORCE_CONTACT, rid), owner)


# ---------------------------------------------------------------------------- person shapes


def _opens(b: InputBuilder, p: int, last: float) -> None:
    """Four opens ending ``last`` days ago: not thin touch, 12 historical points."""
    for k in range(4):
        b.activity(p, K.EMAIL_OPEN, ago(last + k), f"Newsletter {k}")


def dormant(days: int = 100) -> Shape:
    """A lead quiet for ``days`` (100: dormant_90_180d, a call task due in 3 business days)."""

    def build(b: InputBuilder) -> int:
        p = b.person(ago(days + 10))
        _opens(b, p, days)
        return p

    return build


def high_score(b: InputBuilder) -> int:
    """Seven clicks 130 days ago: 70 historical points, high_score_dormant."""
    p = b.person(ago(140))
    for k in range(7):
        b.activity(p, K.EMAIL_CLICK, ago(130 + k), f"Offer {k}")
    return p


def lost(b: InputBuilder) -> int:
    p = b.person(ago(300))
    b.activity(p, K.EMAIL_REPLY, ago(210))
    b.deal(p, DealStatus.LOST, ago(250), ago(200), loss_reason="Price")
    return p


def customer(b: InputBuilder) -> int:
    p = b.person(ago(420))
    b.deal(p, DealStatus.WON, ago(410), ago(400), amount=5000)
    return p


def sunset(b: InputBuilder) -> int:
    p = b.person(ago(160))
    _opens(b, p, 150)
    for k in range(6):
        b.activity(p, K.EMAIL_SENT, ago(50 - 5 * k), f"Nurture {k}")
    return p


def reactivated(
    days: float = 3, kind: K = K.EMAIL_CLICK, detail: str = "Spring webinar invite"
) -> Shape:
    """Dormant since 110 days ago (anchor 200 days ago), woken ``days`` ago by ``kind``."""

    def build(b: InputBuilder) -> int:
        p = b.person(ago(210))
        _opens(b, p, 200)
        b.activity(p, kind, ago(days), detail)
        return p

    return build


def handed_off(b: InputBuilder) -> int:
    return reactivated(3, K.MEETING_HELD, "Demo call")(b)


def active(b: InputBuilder) -> int:
    """Engaged 5 days ago: never in an episode."""
    p = b.person(ago(60))
    b.activity(p, K.EMAIL_CLICK, ago(5), "Launch")
    return p


# ---------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class AppliedState:
    """What the journal says was applied: fields, memberships, created keys, today's tasks."""

    fields: Mapping[RecordRef, Mapping[str, str | None]] = field(default_factory=dict)
    members: Mapping[tuple[Platform, str], frozenset[RecordRef]] = field(default_factory=dict)
    created: frozenset[str] = frozenset()
    tasks_today: Mapping[tuple[Platform, str], int] = field(default_factory=dict)

    def after(self, plan: Plan) -> AppliedState:
        """The state once every operation of ``plan`` has been applied."""
        fields = {ref: dict(values) for ref, values in self.fields.items()}
        members = {k: set(v) for k, v in self.members.items()}
        created = set(self.created)
        for op in plan.operations:
            if op.op is OpKind.UPDATE_FIELDS:
                assert op.record is not None
                fields.setdefault(op.record, {}).update(op.applied_values())
            elif op.op in (OpKind.ADD_MEMBER, OpKind.REMOVE_MEMBER):
                assert op.platform is not None and op.record is not None and op.target
                held = members.setdefault((op.platform, op.target), set())
                (held.add if op.op is OpKind.ADD_MEMBER else held.discard)(op.record)
            if op.one_off:
                created.add(op.idempotency_key)
        return AppliedState(
            fields=fields,
            members={k: frozenset(v) for k, v in members.items()},
            created=frozenset(created),
            tasks_today=self.tasks_today,
        )


@dataclass
class World:
    """Persons added one by one; ``input`` classifies them and builds a PlanInput."""

    builder: InputBuilder = field(default_factory=InputBuilder)
    records: list[list[PersonRecord]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    flags: list[dict[str, bool]] = field(default_factory=list)
    owners_active: dict[tuple[Platform, str], bool] = field(
        default_factory=lambda: {(HS, "hs-owner"): True, (SF, "sf-owner"): True}
    )

    def add(
        self,
        shape: Shape,
        *records: PersonRecord,
        key: str | None = None,
        **flags: bool,
    ) -> int:
        p = shape(self.builder)
        assert p == len(self.records)
        self.records.append(list(records))
        self.keys.append(key or f"person-{p}")
        self.flags.append(flags)
        return p

    def _flag(self, name: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
        return np.array([f.get(name, False) for f in self.flags], dtype=bool)

    def input(
        self, applied: AppliedState | None = None, rules: Rules = RULES, as_of: datetime = T
    ) -> PlanInput:
        applied = applied or AppliedState()
        inp = self.builder.build()
        decisions = classify(inp, rules, as_of)
        react, handoff = triggers_from_input(inp, decisions, rules)
        return PlanInput(
            as_of=as_of,
            decisions=decisions,
            person_keys=list(self.keys),
            person_ids=np.arange(100, 100 + len(self.keys), dtype=np.int64),
            details=list(inp.details),
            emails=[f"{k}@example.com" for k in self.keys],
            records=[tuple(r) for r in self.records],
            email_opt_out=self._flag("opt_out"),
            hard_bounce=self._flag("bounce"),
            do_not_call=self._flag("dnc"),
            holdout=self._flag("holdout"),
            reactivation=react,
            handoff=handoff,
            owners_active=dict(self.owners_active),
            applied_fields=applied.fields,
            applied_members=applied.members,
            created=applied.created,
            tasks_today=applied.tasks_today,
        )


def ops(plan: Plan, kind: OpKind, **where: object) -> list[Operation]:
    """The operations of one kind whose attributes equal ``where``."""
    return [
        o
        for o in plan.operations
        if o.op is kind and all(getattr(o, k) == v for k, v in where.items())
    ]


def members(plan: Plan, kind: OpKind = OpKind.ADD_MEMBER) -> set[tuple[Platform, str, str]]:
    """(platform, list, record id) of the membership operations of one kind."""
    out = set()
    for o in ops(plan, kind):
        assert o.platform is not None and o.target is not None and o.record is not None
        out.add((o.platform, o.target, o.record.record_id))
    return out
