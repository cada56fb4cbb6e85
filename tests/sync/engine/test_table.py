"""Hand-built persons at every boundary of SPEC §4, each classified alone as of T.

T is Monday 2025-06-02 12:00 UTC; every instant is "n days before T" so that the
expected dormant days read straight off the row. Scores are written as the hand
arithmetic of the decayed sum: weight × 0.5^(age_days / 14).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from config.rules import Rules, load_rules
from connectors.base import ActivityKind as K
from connectors.base import DealStatus
from sync.engine import Decisions, Outcome, classify
from sync.engine.builder import InputBuilder

T = datetime(2025, 6, 2, 12, tzinfo=UTC)
RULES = load_rules()


def ago(days: float) -> datetime:
    return T - timedelta(days=days)


def half(age_days: float) -> float:
    return float(0.5 ** (age_days / 14))


def regular(b: InputBuilder, p: int, last: float) -> None:
    """Four opens ending ``last`` days ago: 4 engagements (not thin), 12 points (not high)."""
    for k in range(4):
        b.activity(p, K.EMAIL_OPEN, ago(last + k), f"Newsletter {k}")


@dataclass(frozen=True)
class Case:
    build: Callable[[InputBuilder], None]
    status: str
    segment: str | None
    dormant_days: int
    score: float = 0.0
    period: str | None = None  # defaults to segment
    task_due: date | None = None
    episodes: int | None = None


def quiet(days: int) -> Callable[[InputBuilder], None]:
    def build(b: InputBuilder) -> None:
        p = b.person(ago(days + 10))  # created 10 days before the last open: no earlier episode
        regular(b, p, days)

    return build


def _never(b: InputBuilder) -> None:
    b.person(ago(120))


def _outreach(b: InputBuilder) -> None:
    p = b.person(ago(120))  # episode since created + 90 = 30 days ago
    for k, kind in enumerate([K.EMAIL_SENT, K.CALL_ATTEMPT, K.TASK, K.NOTE, K.EMAIL_SENT]):
        b.activity(p, kind, ago(20 - k))


def _open_deal(b: InputBuilder) -> None:
    p = b.person(ago(400))
    b.deal(p, DealStatus.OPEN, ago(50))


def _won(days: int) -> Callable[[InputBuilder], None]:
    def build(b: InputBuilder) -> None:
        p = b.person(ago(days + 20))
        b.deal(p, DealStatus.WON, ago(days + 10), ago(days), amount=5000)

    return build


def _lost(b: InputBuilder) -> None:
    # reply 210 days ago during a deal open 250..200 days ago; the episode waits for the
    # close: start = max(-210 + 90, -200) = 120 days ago; anchor -210 -> 210 days, 180-365 band
    p = b.person(ago(300))
    b.activity(p, K.EMAIL_REPLY, ago(210))
    b.deal(p, DealStatus.LOST, ago(250), ago(200), loss_reason="Price")


def _downloads(n: int) -> Callable[[InputBuilder], None]:
    def build(b: InputBuilder) -> None:
        p = b.person(ago(150))
        for k in range(n):
            b.activity(p, K.CONTENT_DOWNLOAD, ago(130 + k), f"Whitepaper {k}")

    return build


def _high_history(b: InputBuilder) -> None:
    # meeting 25 + connected call 20 + form 15 = 60 >= 60 before the episode (start -108)
    p = b.person(ago(210))
    b.activity(p, K.MEETING_HELD, ago(200)).activity(p, K.CALL_CONNECTED, ago(199))
    b.activity(p, K.FORM_SUBMISSION, ago(198), "Contact us")


def _high_hubspot(b: InputBuilder) -> None:
    b.person(ago(100), hubspot_score=50)  # never engaged: thin too, but high score comes first


def _woken(kind: K, days: float) -> Callable[[InputBuilder], None]:
    def build(b: InputBuilder) -> None:
        p = b.person(ago(210))
        regular(b, p, 200)  # anchor -200, episode from -110
        b.activity(p, kind, ago(days), "Spring offer")

    return build


def _handed_later(b: InputBuilder) -> None:
    p = b.person(ago(210))
    regular(b, p, 200)  # anchor -200, episode from -110
    b.activity(p, K.EMAIL_CLICK, ago(20), "Offer")  # 10 >= 10: reactivated
    b.activity(p, K.FORM_SUBMISSION, ago(12))  # 10·0.5^(8/14) + 15 = 21.73 < 30
    b.activity(p, K.EMAIL_REPLY, ago(5))  # 21.73·0.5^(7/14) + 15 = 30.37 >= 30: handed off


def _sends(n: int) -> Callable[[InputBuilder], None]:
    def build(b: InputBuilder) -> None:
        p = b.person(ago(160))
        regular(b, p, 150)  # episode from -60
        for k in range(n):
            b.activity(p, K.EMAIL_SENT, ago(50 - 5 * k), f"Nurture {k}")

    return build


def _second(b: InputBuilder) -> None:
    p = b.person(ago(400))
    regular(b, p, 392)  # opens at -395..-392; episode 1 from -302
    b.activity(p, K.EMAIL_CLICK, ago(200))  # reactivates episode 1; episode 2 from -110


HANDED_LATER = (((10 * half(8) + 15) * half(7)) + 15) * half(5)

CASES: dict[str, Case] = {
    "quiet_89d": Case(quiet(89), "", None, 89),
    "quiet_90d": Case(quiet(90), "dormant", "dormant_90_180d", 90, task_due=date(2025, 6, 5)),
    "quiet_179d": Case(quiet(179), "dormant", "dormant_90_180d", 179, task_due=date(2025, 6, 5)),
    "quiet_180d": Case(quiet(180), "dormant", "dormant_180_365d", 180),
    "quiet_364d": Case(quiet(364), "dormant", "dormant_180_365d", 364),
    "quiet_365d": Case(quiet(365), "dormant", "dormant_365d_plus", 365),
    "never_engaged": Case(_never, "dormant", "thin_touch", 120, period="dormant_90_180d"),
    "only_outreach": Case(_outreach, "dormant", "thin_touch", 120, period="dormant_90_180d"),
    "open_deal": Case(_open_deal, "", None, 400),
    "customer_364d": Case(_won(364), "", None, 364),
    "customer_365d": Case(_won(365), "dormant", "dormant_customer", 365, task_due=date(2025, 6, 9)),
    "lost_deal": Case(_lost, "dormant", "lost_deal", 210, period="dormant_180_365d",
                      task_due=date(2025, 6, 4)),
    "downloads_only": Case(_downloads(3), "dormant", "thin_touch", 130, period="dormant_90_180d"),
    "four_downloads": Case(_downloads(4), "dormant", "dormant_90_180d", 130,
                           task_due=date(2025, 6, 5)),
    "high_history": Case(_high_history, "dormant", "high_score_dormant", 198,
                         period="dormant_180_365d", task_due=date(2025, 6, 2)),
    "high_hubspot": Case(_high_hubspot, "dormant", "high_score_dormant", 100,
                         period="dormant_90_180d", task_due=date(2025, 6, 2)),
    # click 10 days ago: 10 >= 10 reactivates; score at T = 10·0.5^(10/14)
    "reactivated_click": Case(_woken(K.EMAIL_CLICK, 10), "reactivated", None, 10, 10 * half(10)),
    # a meeting hands off at once: 25·0.5^(10/14)
    "handed_off_meeting": Case(_woken(K.MEETING_HELD, 10), "handed_off", None, 10, 25 * half(10)),
    "handed_off_later": Case(_handed_later, "handed_off", None, 5, HANDED_LATER),
    "reactivated_29d_ago": Case(_woken(K.EMAIL_CLICK, 29), "reactivated", None, 29, 10 * half(29)),
    "reactivated_30d_ago": Case(_woken(K.EMAIL_CLICK, 30), "", None, 30, 10 * half(30)),
    # an open alone (3 < 10) stays in the episode and does not move the anchor
    "open_inside_episode": Case(_woken(K.EMAIL_OPEN, 10), "dormant", "dormant_180_365d", 200,
                                3 * half(10)),
    "sunset_6_sends": Case(_sends(6), "sunset", "dormant_90_180d", 150, task_due=date(2025, 6, 5)),
    "dormant_5_sends": Case(_sends(5), "dormant", "dormant_90_180d", 150,
                            task_due=date(2025, 6, 5)),
    "second_episode": Case(_second, "dormant", "dormant_180_365d", 200, episodes=2),
}  # fmt: skip


def _one(case: Case, rules: Rules = RULES) -> Decisions:
    b = InputBuilder()
    case.build(b)
    return classify(b.build(), rules, T)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_boundary_table(case: Case) -> None:
    d = _one(case)
    assert d.status_names[d.status[0]] == case.status
    segment = d.segment_names[d.segment[0]] if d.segment[0] >= 0 else None
    period = d.segment_names[d.period_segment[0]] if d.period_segment[0] >= 0 else None
    assert segment == case.segment
    assert period == (case.period or case.segment)
    approach = d.approach_names[d.approach[0]] if d.approach[0] >= 0 else None
    assert approach == (RULES.playbook[case.segment].approach if case.segment else None)
    assert d.dormant_days[0] == case.dormant_days
    assert d.score[0] == pytest.approx(case.score, rel=1e-9, abs=1e-12)
    due = None if np.isnat(d.task_due[0]) else d.task_due[0].astype(object)
    assert due == case.task_due
    if case.episodes is not None:
        assert len(d.episodes.person) == case.episodes


def test_lost_deal_carries_its_reason_and_the_customer_has_rfm() -> None:
    lost = _one(CASES["lost_deal"])
    assert lost.loss_reason[0] == 0  # the only detail interned: "Price"
    customer = _one(CASES["customer_365d"])
    assert customer.is_customer[0]
    assert (customer.rfm_r[0], customer.rfm_f[0], customer.rfm_m[0]) == (1, 1, 1)


def test_handed_off_later_records_both_instants() -> None:
    d = _one(CASES["handed_off_later"])
    ms = int(T.timestamp() * 1000)
    assert d.reactivated_ms[0] == ms - 20 * 86_400_000
    assert d.handed_off_ms[0] == ms - 5 * 86_400_000
    assert d.episodes.outcome.tolist() == [Outcome.HANDED_OFF]


def test_second_episode_history() -> None:
    d = _one(CASES["second_episode"])
    ms = int(T.timestamp() * 1000)
    day = 86_400_000
    assert d.episodes.start_ms.tolist() == [ms - 302 * day, ms - 110 * day]
    assert d.episodes.outcome.tolist() == [Outcome.REACTIVATED, Outcome.ONGOING]
    assert d.episodes.end_ms.tolist() == [ms - 200 * day, -1]
    assert d.historical_score[0] == 4 * 3 + 10  # four opens and the click, before episode 2


def test_sunset_counts_sends_in_the_episode_only() -> None:
    d = _one(CASES["sunset_6_sends"])
    assert d.emails_in_episode[0] == 6


def test_as_of_in_the_past_ignores_later_rows() -> None:
    b = InputBuilder()
    _woken(K.EMAIL_CLICK, 10)(b)
    inp = b.build()
    then = classify(inp, RULES, T - timedelta(days=11))
    assert then.status_names[then.status[0]] == "dormant"
    assert then.dormant_days[0] == 200 - 11
