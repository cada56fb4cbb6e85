"""The engine's columnar input, and its preparation into person-sorted timelines.

The store fills :class:`EngineInput` from Arrow columns; nothing here reads a
database or a clock. :func:`prepare` does every set-up step the sequential kernel
needs, vectorised: it drops what cannot matter as of ``T`` (activities and deals
dated after it, outreach other than ``email_sent``), sorts the rest by person and
time, and turns deals into open / close events. The sort is total (person, time,
kind, detail), so that the result never depends on the order rows arrived in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from config.rules import Rules
from connectors.base import ENGAGEMENT_KINDS, ActivityKind

from .codes import NONE, DealCode

I8 = npt.NDArray[np.int8]
I16 = npt.NDArray[np.int16]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

# Event flags in the kernel's activity stream.
FLAG_EMAIL_SENT = 0
FLAG_ENGAGEMENT = 1
FLAG_MEETING = 2
# Deal event types, in the order they are applied at one instant.
DEAL_OPENED = 0
DEAL_WON = 1
DEAL_LOST = 2

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class EngineInput:
    """Everything the engine decides from, one row per person / activity / deal.

    Instants are epoch milliseconds (UTC). ``act_kind`` holds ``ActivityKind.code``;
    ``deal_status`` a :class:`~sync.engine.codes.DealCode`; ``deal_closed_ms`` the
    close instant of won / lost deals (ignored for open ones, -1 by convention);
    ``deal_created_ms`` -1 when unknown. ``act_detail`` and ``deal_loss_reason`` index
    ``details`` (-1: none).
    """

    person_created_ms: I64
    hubspot_score: F64
    act_person: I32
    act_kind: I8
    act_ms: I64
    act_detail: I32
    details: Sequence[str]
    deal_person: I32
    deal_status: I8
    deal_created_ms: I64
    deal_closed_ms: I64
    deal_amount: F64
    deal_loss_reason: I32

    @property
    def n_persons(self) -> int:
        return int(self.person_created_ms.shape[0])

    def __post_init__(self) -> None:
        n_act, n_deal = self.act_person.shape[0], self.deal_person.shape[0]
        groups = {
            "persons": (self.person_created_ms, self.hubspot_score),
            "activities": (self.act_person, self.act_kind, self.act_ms, self.act_detail),
            "deals": (
                self.deal_person,
                self.deal_status,
                self.deal_created_ms,
                self.deal_closed_ms,
                self.deal_amount,
                self.deal_loss_reason,
            ),
        }
        sizes = {"persons": self.n_persons, "activities": n_act, "deals": n_deal}
        for name, arrays in groups.items():
            if any(a.ndim != 1 or a.shape[0] != sizes[name] for a in arrays):
                raise ValueError(f"EngineInput: the {name} columns differ in length")


@dataclass(frozen=True)
class Timeline:
    """Person-sorted event streams (CSR: events of person p are ``[starts[p], starts[p+1])``)."""

    as_of_ms: int
    starts: I64
    ev_ms: I64
    ev_flag: I8
    ev_weight: F64
    ev_detail: I32
    ev_kind: I8
    deal_starts: I64
    deal_ms: I64
    deal_type: I8


def to_ms(instant: datetime) -> int:
    """Epoch milliseconds of an aware datetime, exactly (no float rounding)."""
    if instant.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    return (instant - _EPOCH) // timedelta(milliseconds=1)


def kind_tables(rules: Rules) -> tuple[F64, I8]:
    """Weight and kernel flag of each ``ActivityKind.code`` (-1 flag: ignored outreach)."""
    weights = np.zeros(len(ActivityKind), dtype=np.float64)
    flags = np.full(len(ActivityKind), -1, dtype=np.int8)
    table = rules.weights.as_dict()
    for kind in ActivityKind:
        if kind in ENGAGEMENT_KINDS:
            weights[kind.code] = table[kind.value]
            flags[kind.code] = FLAG_ENGAGEMENT
    flags[ActivityKind.MEETING_HELD.code] = FLAG_MEETING
    flags[ActivityKind.EMAIL_SENT.code] = FLAG_EMAIL_SENT
    return weights, flags


def _csr(person_sorted: npt.NDArray[np.integer], n: int) -> I64:
    counts = np.bincount(person_sorted, minlength=n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts


def _activity_streams(inp: EngineInput, rules: Rules, t_ms: int) -> tuple[I64, I8, F64]:
    weights, flags = kind_tables(rules)
    kind = inp.act_kind.astype(np.intp)
    flag = flags[kind]
    keep = np.flatnonzero((flag >= 0) & (inp.act_ms <= t_ms))
    person = inp.act_person[keep]
    ms = inp.act_ms[keep]
    tie = (kind[keep].astype(np.int64) << 32) | (inp.act_detail[keep].astype(np.int64) + 1)
    order = keep[np.lexsort((tie, ms, person))]
    return order, flags[kind[order]], weights[kind[order]]


def to_ms_clamp_created(inp: EngineInput) -> I64:
    """Deal creation instants made usable: a closed deal created after its close (or of
    unknown creation) opens at its close; an open deal of unknown creation was always open."""
    closed = inp.deal_status != DealCode.OPEN
    created = inp.deal_created_ms.astype(np.int64)
    bad = closed & ((created < 0) | (created > inp.deal_closed_ms))
    created = np.where(bad, inp.deal_closed_ms, created)
    return np.where(~closed & (created < 0), np.iinfo(np.int64).min // 4, created)


def _deal_events(inp: EngineInput, t_ms: int) -> tuple[I64, I64, I8, I64]:
    """Deal open / close events up to T, sorted; a deal closing after T is still open at T."""
    status = inp.deal_status
    closed = status != DealCode.OPEN
    created = to_ms_clamp_created(inp)
    opened = created <= t_ms
    closes = opened & closed & (inp.deal_closed_ms <= t_ms)
    person = np.concatenate([inp.deal_person[opened], inp.deal_person[closes]]).astype(np.int64)
    ms = np.concatenate([created[opened], inp.deal_closed_ms[closes]])
    kinds = np.where(status[closes] == DealCode.WON, DEAL_WON, DEAL_LOST)
    etype = np.concatenate([np.full(int(opened.sum()), DEAL_OPENED), kinds]).astype(np.int8)
    order = np.lexsort((etype, ms, person))
    return _csr(person[order], inp.n_persons), ms[order], etype[order], person[order]


def prepare(inp: EngineInput, rules: Rules, as_of: datetime) -> Timeline:
    """Sorts and encodes ``inp`` for the kernel, as of ``as_of``."""
    t_ms = to_ms(as_of)
    order, flag, weight = _activity_streams(inp, rules, t_ms)
    deal_starts, deal_ms, deal_type, _ = _deal_events(inp, t_ms)
    return Timeline(
        as_of_ms=t_ms,
        starts=_csr(inp.act_person[order], inp.n_persons),
        ev_ms=inp.act_ms[order].astype(np.int64),
        ev_flag=flag.astype(np.int8),
        ev_weight=weight,
        ev_detail=np.where(flag > 0, inp.act_detail[order], NONE).astype(np.int32),
        ev_kind=inp.act_kind[order].astype(np.int8),
        deal_starts=deal_starts,
        deal_ms=deal_ms.astype(np.int64),
        deal_type=deal_type,
    )
