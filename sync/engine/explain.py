"""``explain``: the reasons behind one person's decision, in words an operator can check.

It replays the person's timeline with :mod:`sync.engine.walk` (not the compiled
kernel) and re-derives the segment from the person's own rows, so it is an
independent account of the same rules; RFM, which ranks a customer against all
the others, is the one value taken from :func:`classify`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from config.rules import Rules
from connectors.base import ENGAGEMENT_KINDS, ActivityKind

from .classify import classify
from .codes import DAY_MS, NONE, STATUS_NAMES, DealCode, Status
from .episodes import Params
from .inputs import EngineInput, to_ms, to_ms_clamp_created
from .segments import TYPE_RULES
from .walk import EpisodeTrace, Walk, status_of, walk


@dataclass(frozen=True)
class Contribution:
    """What one engagement adds to the score at T: ``weight × decay``,
    ``decay = 0.5^(age / half-life)``."""

    at: datetime
    kind: str
    detail: str | None
    weight: float
    age_days: float
    decay: float

    @property
    def points(self) -> float:
        return self.weight * self.decay


@dataclass(frozen=True)
class Explanation:
    """One person's decision and its reasons (``segment_rule`` names the rule that chose
    the segment; ``contributions`` sum to ``score``)."""

    person: int
    as_of: datetime
    status: str
    segment: str | None
    period_segment: str | None
    approach: str | None
    segment_rule: str
    dormant_days: int
    quiet_since: datetime
    episode_start: datetime | None
    score: float
    historical_score: float
    rfm: tuple[int, int, int] | None
    contributions: list[Contribution] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _day(ms: int) -> str:
    return _at(ms).date().isoformat()


def _contributions(w: Walk, inp: EngineInput, prm: Params) -> list[Contribution]:
    steps = w.episodes[-1].steps if w.episodes else []
    return [
        Contribution(
            at=_at(s.at_ms),
            kind=s.kind.value,
            detail=inp.details[s.detail] if s.detail >= 0 else None,
            weight=s.weight,
            age_days=(prm.as_of_ms - s.at_ms) / DAY_MS,
            decay=0.5 ** ((prm.as_of_ms - s.at_ms) / prm.half_life_ms),
        )
        for s in steps
    ]


def _type_hits(
    inp: EngineInput, rules: Rules, p: int, ep: EpisodeTrace, t_ms: int
) -> dict[str, str]:
    """Why each type segment applies ('' when it does not), from this person's own rows."""
    hs, thin = rules.segments.high_score_dormant, rules.segments.thin_touch
    created = to_ms_clamp_created(inp)
    deals = [d for d in np.flatnonzero(inp.deal_person == p) if created[d] <= t_ms]
    lost = [
        d for d in deals if inp.deal_status[d] == DealCode.LOST and inp.deal_closed_ms[d] <= t_ms
    ]
    acts = [a for a in np.flatnonzero(inp.act_person == p) if inp.act_ms[a] <= t_ms]
    engaged = [ActivityKind.from_code(int(inp.act_kind[a])) for a in acts]
    engaged = [k for k in engaged if k in ENGAGEMENT_KINDS]
    two_way = {k.value for k in engaged} & set(thin.two_way_kinds)
    hubspot = float(inp.hubspot_score[p])
    hits = dict.fromkeys(TYPE_RULES, "")
    if ep.historical_score >= hs.historical_score_min:
        hits["high_score_dormant"] = (
            f"historical score {ep.historical_score:g} >= {hs.historical_score_min:g}"
        )
    elif not np.isnan(hubspot) and hubspot >= hs.hubspot_score_min:
        hits["high_score_dormant"] = f"HubSpot score {hubspot:g} >= {hs.hubspot_score_min:g}"
    if lost:
        hits["lost_deal"] = f"{len(lost)} closed-lost deal(s)"
    if not deals and not two_way and len(engaged) <= thin.max_engagements:
        hits["thin_touch"] = f"no deal, no two-way contact, {len(engaged)} engagement(s)"
    return hits


def _segments(
    inp: EngineInput, rules: Rules, p: int, w: Walk, t_ms: int
) -> tuple[str | None, str | None, str]:
    """(period segment, segment, the rule that chose it)."""
    ep = w.current
    if ep is None:
        return None, None, "not in an open episode: no segment"
    days = (t_ms - w.anchor_ms) // DAY_MS
    if w.customer:
        name = rules.segments.customer
        return name, name, f"a customer quiet {days} days (>= customer_days)"
    period = [s.name for s in rules.segments.period if days >= s.from_days][-1:]
    period_name = period[0] if period else rules.segments.period[0].name
    hits = _type_hits(inp, rules, p, ep, t_ms)
    for name in rules.segments.type_order:
        if hits[name]:
            return period_name, name, f"type segment {name} (first in type_order): {hits[name]}"
    return period_name, period_name, f"no type segment applies; {days} dormant days"


def _reasons(w: Walk, inp: EngineInput, p: int, t_ms: int, status: Status) -> list[str]:
    last = w.last_engagement
    if last is None:
        out = [f"never engaged; created {_day(int(inp.person_created_ms[p]))}"]
    else:
        where = f" ({inp.details[last.detail]})" if last.detail >= 0 else ""
        out = [f"last engagement: {last.kind.value}{where} on {_day(last.at_ms)}"]
    out.append(f"quiet since {_day(w.anchor_ms)}: {(t_ms - w.anchor_ms) // DAY_MS} days")
    for n, ep in enumerate(w.episodes, 1):
        end = "ongoing" if ep.end_ms == NONE else f"ended {_day(ep.end_ms)}"
        handed = f", handed off {_day(ep.handed_off_ms)}" if ep.handed_off_ms >= 0 else ""
        out.append(
            f"episode {n} from {_day(ep.start_ms)}: {end}, {ep.outcome.name.lower()}{handed}"
        )
    if w.open_deals:
        out.append("an open deal: in a sales process, never dormant")
    out.append(f"status: {STATUS_NAMES[status] or 'none'}")
    return out


def explain(inp: EngineInput, rules: Rules, as_of: datetime, person_index: int) -> Explanation:
    """Explains person ``person_index``'s decision as of ``as_of``."""
    t_ms = to_ms(as_of)
    prm = Params.from_rules(rules, t_ms)
    w = walk(inp, rules, person_index, prm)
    status = status_of(w, prm)
    period, segment, rule = _segments(inp, rules, person_index, w, t_ms)
    rfm = None
    if segment is not None and w.customer:
        d = classify(inp, rules, as_of)
        i = person_index
        rfm = (int(d.rfm_r[i]), int(d.rfm_f[i]), int(d.rfm_m[i]))
    last_ep = w.episodes[-1] if w.episodes else None
    return Explanation(
        person=person_index,
        as_of=as_of,
        status=STATUS_NAMES[status],
        segment=segment,
        period_segment=period,
        approach=rules.playbook[segment].approach if segment else None,
        segment_rule=rule,
        dormant_days=(t_ms - w.anchor_ms) // DAY_MS,
        quiet_since=_at(w.anchor_ms),
        episode_start=_at(last_ep.start_ms) if last_ep else None,
        score=w.score,
        historical_score=last_ep.historical_score if last_ep else w.hist,
        rfm=rfm,
        contributions=_contributions(w, inp, prm),
        reasons=_reasons(w, inp, person_index, t_ms, status),
    )
