"""A readable, per-person re-statement of the episode scan, for ``explain``.

It follows the same rules as the compiled kernel in :mod:`sync.engine.episodes`
event by event, in plain Python, and records *why* at each step (which engagement
ended the episode, what each one added to the score). It is slow by design and is
only run for one person at a time; a test checks that both agree on random persons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config.rules import Rules
from connectors.base import ActivityKind

from .codes import NONE, DealCode, Outcome, Status
from .episodes import Params
from .inputs import DEAL_LOST, DEAL_OPENED, DEAL_WON, EngineInput, kind_tables, to_ms_clamp_created


@dataclass
class Step:
    """One engagement that counted towards a score."""

    at_ms: int
    kind: ActivityKind
    detail: int
    weight: float


@dataclass
class EpisodeTrace:
    anchor_ms: int
    start_ms: int
    historical_score: float
    end_ms: int = NONE
    outcome: Outcome = Outcome.ONGOING
    reactivated_ms: int = NONE
    handed_off_ms: int = NONE
    emails: int = 0
    engagements: int = 0
    steps: list[Step] = field(default_factory=list)


@dataclass
class Walk:
    """A person's state after the walk, as of T."""

    anchor_ms: int
    last_engagement: Step | None = None
    last_touch: int = NONE
    open_deals: int = 0
    customer: bool = False
    block_ms: int = -(2**62)
    hist: float = 0.0
    score: float = 0.0
    score_ms: int = 0
    window_end_ms: int = -(2**62)
    watch_handoff: bool = False
    episodes: list[EpisodeTrace] = field(default_factory=list)

    @property
    def current(self) -> EpisodeTrace | None:
        last = self.episodes[-1] if self.episodes else None
        return last if last is not None and last.end_ms == NONE else None


def _events(inp: EngineInput, rules: Rules, p: int, t_ms: int) -> list[tuple[int, ...]]:
    """(t, 0, deal type) and (t, 1, kind, detail, flag) of person ``p`` up to T, in kernel order."""
    _, flags = kind_tables(rules)
    created = to_ms_clamp_created(inp)
    events: list[tuple[int, ...]] = []
    for d in (i for i in range(len(inp.deal_person)) if inp.deal_person[i] == p):
        if created[d] > t_ms:
            continue
        events.append((int(created[d]), 0, DEAL_OPENED))
        closed = int(inp.deal_closed_ms[d])
        if inp.deal_status[d] != DealCode.OPEN and closed <= t_ms:
            events.append(
                (closed, 0, DEAL_WON if inp.deal_status[d] == DealCode.WON else DEAL_LOST)
            )
    for a in (i for i in range(len(inp.act_person)) if inp.act_person[i] == p):
        kind, at = int(inp.act_kind[a]), int(inp.act_ms[a])
        if flags[kind] >= 0 and at <= t_ms:
            events.append((at, 1, kind, int(inp.act_detail[a]), int(flags[kind])))
    return sorted(events)


def _maybe_start(w: Walk, t: int, prm: Params) -> None:
    if w.current is not None or w.open_deals > 0:
        return
    start = max(w.anchor_ms + (prm.customer_ms if w.customer else prm.lead_ms), w.block_ms)
    if start <= t:
        w.episodes.append(EpisodeTrace(w.anchor_ms, start, w.hist))
        w.score, w.score_ms, w.window_end_ms, w.watch_handoff = 0.0, start, 2**62, False


def _deal(w: Walk, t: int, etype: int, prm: Params) -> None:
    w.open_deals = w.open_deals + 1 if etype == DEAL_OPENED else max(w.open_deals - 1, 0)
    if etype != DEAL_OPENED:
        w.block_ms = max(w.block_ms, t)
    if etype == DEAL_WON:
        w.customer, w.anchor_ms = True, max(w.anchor_ms, t)
    if etype in (DEAL_OPENED, DEAL_WON):
        w.watch_handoff = False
        if (ep := w.current) is not None:
            ep.end_ms, ep.outcome, w.window_end_ms = t, Outcome.DEAL, t + prm.recent_ms


def _engage(w: Walk, step: Step, meeting: bool, prm: Params) -> None:
    t = step.at_ms
    w.hist += step.weight
    w.last_engagement = step
    ep = w.current
    scoring = ep is not None or t < w.window_end_ms
    if scoring:
        w.score = w.score * 0.5 ** ((t - w.score_ms) / prm.half_life_ms) + step.weight
        w.score_ms = t
        w.episodes[-1].steps.append(step)
    if ep is not None:
        ep.engagements += 1
        if not (meeting or w.score >= prm.reactivation):
            return
        ep.end_ms, ep.outcome, ep.reactivated_ms = t, Outcome.REACTIVATED, t
        w.window_end_ms, w.watch_handoff = t + prm.recent_ms, True
    if scoring and w.watch_handoff and (meeting or w.score >= prm.sql):
        last = w.episodes[-1]
        last.outcome, last.handed_off_ms, w.watch_handoff = Outcome.HANDED_OFF, t, False
    w.anchor_ms = max(w.anchor_ms, t)


def walk(inp: EngineInput, rules: Rules, p: int, prm: Params) -> Walk:
    """Replays person ``p``'s events up to T."""
    w = Walk(anchor_ms=int(inp.person_created_ms[p]))
    for ev in _events(inp, rules, p, prm.as_of_ms):
        _maybe_start(w, ev[0], prm)
        if ev[1] == 0:
            _deal(w, ev[0], ev[2], prm)
            continue
        if ev[4] == 0:
            if (ep := w.current) is not None:
                ep.emails += 1
            continue
        kind = ActivityKind.from_code(ev[2])
        step = Step(ev[0], kind, ev[3], float(kind_tables(rules)[0][ev[2]]))
        _engage(w, step, kind is ActivityKind.MEETING_HELD, prm)
        w.last_touch = ev[3] if ev[3] >= 0 else w.last_touch
    _maybe_start(w, prm.as_of_ms, prm)
    if w.episodes:
        w.score *= 0.5 ** ((prm.as_of_ms - w.score_ms) / prm.half_life_ms)
    return w


def status_of(w: Walk, prm: Params) -> Status:
    if w.open_deals > 0:
        return Status.NONE
    if (ep := w.current) is not None:
        sunset = ep.emails >= prm.sunset_after and ep.engagements == 0
        return Status.SUNSET if sunset else Status.DORMANT
    last = w.episodes[-1] if w.episodes else None
    recent = last is not None and prm.as_of_ms - last.reactivated_ms < prm.recent_ms
    if last is not None and last.reactivated_ms >= 0 and recent:
        return Status.HANDED_OFF if last.handed_off_ms >= 0 else Status.REACTIVATED
    return Status.NONE
