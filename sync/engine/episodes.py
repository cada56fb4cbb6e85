"""The per-person dormancy scan (SPEC §4), one compiled pass over person-sorted events.

The episode logic is sequential — whether an engagement ends an episode depends on
the decayed score of the ones before it — so it runs as a numba kernel over the
:class:`~sync.engine.inputs.Timeline` streams, O(events). Each person's activity
and deal streams are merged in time order (deal events first at one instant).
The kernel keeps a person's state in two small arrays (``S`` integers, ``F``
floats) so that its steps can be separate small functions.

Before each event at ``t`` (and finally at ``T``), an episode starts if none is
open, no deal is open, and ``max(anchor + lead_days|customer_days, last deal
close) <= t``: a deal that was open when the quiet time ran out delays the
episode to the deal's close. Engagements at the episode's very start instant
belong to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from config.rules import Rules

from .codes import DAY_MS, NONE, Outcome, Status
from .inputs import (
    DEAL_LOST,
    DEAL_OPENED,
    DEAL_WON,
    F64,
    FLAG_EMAIL_SENT,
    FLAG_MEETING,
    I8,
    I32,
    I64,
    B,
    Timeline,
)

# Integer state slots.
ANCHOR, OPEN_DEALS, CUSTOMER, BLOCK, EP_OPEN, EP_ROW, WIN_END, R_MS = 0, 1, 2, 3, 4, 5, 6, 7
HO_MS, EP_EMAILS, EP_ENG, LAST_ENG, SCORE_T, HO_OK, LAST_TOUCH, N_SLOTS = (
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
)
# Float state slots (SCORE_AT: the score as of its last engagement, not decayed to T).
SCORE, HIST_RUN, HIST_AT, SCORE_AT = 0, 1, 2, 3
# Episode table columns.
E_PERSON, E_ANCHOR, E_START, E_END, E_OUTCOME, E_REACT, E_HANDOFF = 0, 1, 2, 3, 4, 5, 6
_FAR = np.int64(2**62)

_OUT_REACT = np.int64(int(Outcome.REACTIVATED))
_OUT_HANDOFF = np.int64(int(Outcome.HANDED_OFF))
_OUT_DEAL = np.int64(int(Outcome.DEAL))
_ST_NONE, _ST_DORMANT, _ST_SUNSET = int(Status.NONE), int(Status.DORMANT), int(Status.SUNSET)
_ST_REACT, _ST_HANDOFF = int(Status.REACTIVATED), int(Status.HANDED_OFF)


@dataclass(frozen=True)
class Params:
    """The rules' numbers in kernel units (ms, points)."""

    as_of_ms: int
    lead_ms: int
    customer_ms: int
    recent_ms: int
    half_life_ms: float
    reactivation: float
    sql: float
    sunset_after: int

    @classmethod
    def from_rules(cls, rules: Rules, as_of_ms: int) -> Params:
        dormancy, scoring = rules.dormancy, rules.scoring
        return cls(
            as_of_ms=as_of_ms,
            lead_ms=dormancy.lead_days * DAY_MS,
            customer_ms=dormancy.customer_days * DAY_MS,
            recent_ms=dormancy.recent_days * DAY_MS,
            half_life_ms=scoring.half_life_days * DAY_MS,
            reactivation=scoring.reactivation_threshold,
            sql=scoring.sql_threshold,
            sunset_after=rules.sunset.after_emails,
        )


@dataclass(frozen=True)
class ScanResult:
    """Per-person scan output (arrays of n_persons) and the episode table rows."""

    anchor_ms: I64
    last_engagement_ms: I64
    last_touch: I32
    episode_start_ms: I64
    reactivated_ms: I64
    handed_off_ms: I64
    emails_in_episode: I32
    status: I8
    score: F64
    score_at_last: F64
    historical_score: F64
    has_open_deal: B
    episodes: I64  # [n_episodes, 7] in E_* column order


@njit(cache=True)
def _decayed(value: float, dt: int, half_life: float) -> float:
    return float(value * 0.5 ** (dt / half_life))


@njit(cache=True)
def _add_score(S: I64, F: F64, t: int, w: float, half_life: float) -> float:
    F[SCORE] = _decayed(F[SCORE], t - S[SCORE_T], half_life) + w
    S[SCORE_T] = t
    return float(F[SCORE])


@njit(cache=True)
def _open_episode(S: I64, F: F64, eps: I64, n_eps: int, p: int, s: int) -> I64:
    if n_eps == eps.shape[0]:
        grown = np.empty((eps.shape[0] * 2, eps.shape[1]), dtype=np.int64)
        grown[:n_eps] = eps
        eps = grown
    eps[n_eps, E_PERSON], eps[n_eps, E_ANCHOR], eps[n_eps, E_START] = p, S[ANCHOR], s
    eps[n_eps, E_END], eps[n_eps, E_OUTCOME] = NONE, 0
    eps[n_eps, E_REACT], eps[n_eps, E_HANDOFF] = NONE, NONE
    S[EP_OPEN], S[EP_ROW], S[WIN_END], S[R_MS], S[HO_MS], S[HO_OK] = 1, n_eps, _FAR, NONE, NONE, 0
    S[EP_EMAILS], S[EP_ENG], S[SCORE_T] = 0, 0, s
    F[SCORE], F[HIST_AT] = 0.0, F[HIST_RUN]
    return eps


@njit(cache=True)
def _due_start(S: I64, t: int, lead_ms: int, customer_ms: int) -> int:
    """The start of an episode due by ``t``, or -1."""
    if S[EP_OPEN] == 1 or S[OPEN_DEALS] > 0:
        return -1
    quiet = customer_ms if S[CUSTOMER] == 1 else lead_ms
    start = max(S[ANCHOR] + quiet, S[BLOCK])
    return start if start <= t else -1


@njit(cache=True)
def _end_episode(S: I64, eps: I64, t: int, outcome: np.int64, recent_ms: int) -> None:
    row = S[EP_ROW]
    eps[row, E_END], eps[row, E_OUTCOME] = t, outcome
    S[EP_OPEN], S[WIN_END] = 0, t + recent_ms


@njit(cache=True)
def _hand_off(S: I64, eps: I64, t: int) -> None:
    eps[S[EP_ROW], E_OUTCOME], eps[S[EP_ROW], E_HANDOFF] = _OUT_HANDOFF, t
    S[HO_MS], S[HO_OK] = t, 0


@njit(cache=True)
def _engagement(S: I64, F: F64, eps: I64, t: int, w: float, meeting: bool, pr: F64) -> None:
    """pr = (recent_ms, half_life_ms, reactivation, sql)."""
    F[HIST_RUN] += w
    S[LAST_ENG] = t
    if S[EP_OPEN] == 1:
        S[EP_ENG] += 1
        score = _add_score(S, F, t, w, pr[1])
        if meeting or score >= pr[2]:
            _end_episode(S, eps, t, _OUT_REACT, int(pr[0]))
            eps[S[EP_ROW], E_REACT] = t
            S[R_MS], S[HO_OK] = t, 1
            if meeting or score >= pr[3]:
                _hand_off(S, eps, t)
        else:
            return  # inside an episode, engagement does not move the anchor
    elif t < S[WIN_END]:
        score = _add_score(S, F, t, w, pr[1])
        if S[HO_OK] == 1 and (meeting or score >= pr[3]):
            _hand_off(S, eps, t)
    S[ANCHOR] = max(S[ANCHOR], t)


@njit(cache=True)
def _deal_event(S: I64, eps: I64, t: int, etype: int, recent_ms: int) -> None:
    if etype == DEAL_OPENED:
        S[OPEN_DEALS] += 1
    else:
        S[OPEN_DEALS] = max(S[OPEN_DEALS] - 1, 0)
        S[BLOCK] = max(S[BLOCK], t)
    if etype == DEAL_WON:
        S[CUSTOMER] = 1
        S[ANCHOR] = max(S[ANCHOR], t)
    if etype != DEAL_LOST:  # a deal opened or won
        S[HO_OK] = 0
        if S[EP_OPEN] == 1:
            _end_episode(S, eps, t, _OUT_DEAL, recent_ms)


@njit(cache=True)
def _status(S: I64, t_ms: int, recent_ms: int, sunset_after: int) -> int:
    if S[OPEN_DEALS] > 0:
        return _ST_NONE
    if S[EP_OPEN] == 1:
        sunset = S[EP_EMAILS] >= sunset_after and S[EP_ENG] == 0
        return _ST_SUNSET if sunset else _ST_DORMANT
    if S[R_MS] >= 0 and t_ms - S[R_MS] < recent_ms:
        return _ST_HANDOFF if S[HO_MS] >= 0 else _ST_REACT
    return _ST_NONE


@njit(cache=True)
def scan_kernel(
    starts: I64, ev_ms: I64, ev_flag: I8, ev_weight: F64, ev_detail: I32,
    deal_starts: I64, deal_ms: I64, deal_type: I8, created_ms: I64, ip: I64, fp: F64,
) -> tuple[I64, F64, I64]:  # fmt: skip
    """Scans every person. ``ip`` = (T, lead, customer, recent, sunset_after) in ms / count,
    ``fp`` = (recent_ms, half_life_ms, reactivation, sql). Returns per-person int state
    ``[n, N_SLOTS]``, float state ``[n, 4]`` and the episode rows."""
    n = created_ms.shape[0]
    out_i = np.empty((n, N_SLOTS), dtype=np.int64)
    out_f = np.empty((n, 4), dtype=np.float64)
    eps = np.empty((max(64, n // 2), 7), dtype=np.int64)
    n_eps = 0
    for p in range(n):
        S, F = out_i[p], out_f[p]
        S[:] = NONE
        F[:] = 0.0
        S[ANCHOR], S[OPEN_DEALS], S[CUSTOMER], S[BLOCK] = created_ms[p], 0, 0, -_FAR
        S[EP_OPEN], S[WIN_END], S[HO_OK], S[EP_EMAILS] = 0, -_FAR, 0, 0
        i, i_end, j, j_end = starts[p], starts[p + 1], deal_starts[p], deal_starts[p + 1]
        while i < i_end or j < j_end:
            is_deal = j < j_end and (i >= i_end or deal_ms[j] <= ev_ms[i])
            t = deal_ms[j] if is_deal else ev_ms[i]
            s = _due_start(S, t, ip[1], ip[2])
            if s >= 0:
                eps = _open_episode(S, F, eps, n_eps, p, s)
                n_eps += 1
            if is_deal:
                _deal_event(S, eps, t, deal_type[j], ip[3])
                j += 1
                continue
            if ev_flag[i] == FLAG_EMAIL_SENT:
                S[EP_EMAILS] += S[EP_OPEN]
            else:
                _engagement(S, F, eps, t, ev_weight[i], ev_flag[i] == FLAG_MEETING, fp)
                if ev_detail[i] >= 0:
                    S[LAST_TOUCH] = ev_detail[i]
            i += 1
        s = _due_start(S, ip[0], ip[1], ip[2])
        if s >= 0:
            eps = _open_episode(S, F, eps, n_eps, p, s)
            n_eps += 1
        F[SCORE_AT] = F[SCORE] if S[EP_ROW] >= 0 else 0.0
        F[SCORE] = _decayed(F[SCORE], ip[0] - S[SCORE_T], fp[1]) if S[EP_ROW] >= 0 else 0.0
        F[HIST_AT] = F[HIST_AT] if S[EP_ROW] >= 0 else F[HIST_RUN]
        S[WIN_END] = _status(S, ip[0], ip[3], ip[4])  # the slot is reused for the status
    return out_i, out_f, eps[:n_eps]


def scan(tl: Timeline, created_ms: I64, prm: Params) -> ScanResult:
    """Runs the kernel over a prepared timeline."""
    ip = np.array(
        [prm.as_of_ms, prm.lead_ms, prm.customer_ms, prm.recent_ms, prm.sunset_after],
        dtype=np.int64,
    )
    fp = np.array([prm.recent_ms, prm.half_life_ms, prm.reactivation, prm.sql], dtype=np.float64)
    created = np.ascontiguousarray(created_ms, dtype=np.int64)
    out_i, out_f, eps = scan_kernel(
        tl.starts, tl.ev_ms, tl.ev_flag, tl.ev_weight, tl.ev_detail,
        tl.deal_starts, tl.deal_ms, tl.deal_type, created, ip, fp,
    )  # fmt: skip
    row = out_i[:, EP_ROW]
    has_ep = row >= 0
    start = np.where(has_ep, eps[np.maximum(row, 0), E_START] if len(eps) else NONE, NONE)
    return ScanResult(
        anchor_ms=out_i[:, ANCHOR].copy(),
        last_engagement_ms=out_i[:, LAST_ENG].copy(),
        last_touch=out_i[:, LAST_TOUCH].astype(np.int32),
        episode_start_ms=start.astype(np.int64),
        reactivated_ms=out_i[:, R_MS].copy(),
        handed_off_ms=out_i[:, HO_MS].copy(),
        emails_in_episode=np.where(has_ep, out_i[:, EP_EMAILS], 0).astype(np.int32),
        status=out_i[:, WIN_END].astype(np.int8),
        score=out_f[:, SCORE].copy(),
        score_at_last=out_f[:, SCORE_AT].copy(),
        historical_score=out_f[:, HIST_AT].copy(),
        has_open_deal=out_i[:, OPEN_DEALS] > 0,
        episodes=eps.copy(),
    )
