"""The engagement behind a reactivation or a hand-off, and how a caller reads it.

The engine gives the instants (``reactivated_ms``, ``handed_off_ms``); the
engagement at that instant is what the person did. Several engagements can share
the instant: a meeting wins (a meeting always ends an episode), then the highest
weight, then the lowest kind code and detail, so the choice is deterministic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from config.rules import Rules
from connectors.base import ENGAGEMENT_KINDS, ActivityKind
from sync.engine import Decisions, EngineInput
from sync.engine.inputs import F64, I64, kind_tables

from .inputs import Engagements

# (with a detail, without one): "clicked Spring webinar invite", "clicked a link in an email".
_PHRASES: dict[ActivityKind, tuple[str, str]] = {
    ActivityKind.EMAIL_OPEN: ("opened {}", "opened an email"),
    ActivityKind.EMAIL_CLICK: ("clicked {}", "clicked a link in an email"),
    ActivityKind.EMAIL_REPLY: ("replied to {}", "replied to an email"),
    ActivityKind.FORM_SUBMISSION: ("submitted {}", "submitted a form"),
    ActivityKind.WEB_VISIT: ("visited {}", "visited the website"),
    ActivityKind.CONTENT_DOWNLOAD: ("downloaded {}", "downloaded content"),
    ActivityKind.EVENT_REGISTRATION: ("registered for {}", "registered for an event"),
    ActivityKind.EVENT_ATTENDANCE: ("attended {}", "attended an event"),
    ActivityKind.MEETING_HELD: ("held a meeting ({})", "held a meeting"),
    ActivityKind.CALL_CONNECTED: ("took a call ({})", "took a call"),
}


def _engagement_at(inp: EngineInput, target_ms: I64, weights: F64) -> Engagements:
    n = inp.n_persons
    out = Engagements.none(n)
    kind = inp.act_kind.astype(np.intp)
    engaged = np.isin(kind, [k.code for k in ENGAGEMENT_KINDS])
    target = target_ms[inp.act_person] if n else np.zeros(0, np.int64)
    idx = np.flatnonzero(engaged & (target >= 0) & (inp.act_ms == target))
    if idx.size == 0:
        return out
    person = inp.act_person[idx]
    meeting = (kind[idx] == ActivityKind.MEETING_HELD.code).astype(np.int8)
    order = np.lexsort((-inp.act_detail[idx], -kind[idx], weights[kind[idx]], meeting, person))
    last = np.r_[person[order][1:] != person[order][:-1], True]
    best = idx[order[last]]
    who = inp.act_person[best]
    out.kind[who] = inp.act_kind[best]
    out.detail[who] = inp.act_detail[best]
    out.at_ms[who] = inp.act_ms[best]
    return out


def triggers_from_input(
    inp: EngineInput, decisions: Decisions, rules: Rules
) -> tuple[Engagements, Engagements]:
    """The reactivating and the handing-off engagement of each person's latest episode."""
    weights, _ = kind_tables(rules)
    return (
        _engagement_at(inp, decisions.reactivated_ms, weights),
        _engagement_at(inp, decisions.handed_off_ms, weights),
    )


def day_of(ms: int, zone: str) -> str:
    """The ISO date of an epoch-ms instant in the business time zone."""
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(zone)).date().isoformat()


def describe(kind: int, detail: str | None, at_ms: int, zone: str) -> str:
    """What the person did and when, for a caller: ``clicked Spring webinar invite on 2026-11-20``.

    ``kind`` is an ``ActivityKind.code`` (-1: unknown, then only the date is said).
    """
    when = day_of(at_ms, zone) if at_ms >= 0 else "an unknown date"
    if kind < 0:
        return f"re-engaged on {when}"
    with_detail, without = _PHRASES[ActivityKind.from_code(kind)]
    what = with_detail.format(detail) if detail else without
    return f"{what} on {when}"
