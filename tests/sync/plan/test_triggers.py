"""What reactivated or handed off a person, and how it is said."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import ActivityKind as K
from sync.engine import classify
from sync.engine.builder import InputBuilder
from sync.engine.inputs import to_ms
from sync.plan import describe, triggers_from_input

from .factory import RULES, T, ago


def _woken(*acts: tuple[K, str | None]) -> InputBuilder:
    """Dormant since 110 days ago, then ``acts`` all at the same instant, 3 days ago."""
    b = InputBuilder()
    p = b.person(ago(210))
    b.activity(p, K.EMAIL_OPEN, ago(200), "Newsletter")
    for kind, detail in acts:
        b.activity(p, kind, ago(3), detail)
    return b


@pytest.mark.parametrize(
    ("acts", "kind", "detail"),
    [
        (((K.EMAIL_CLICK, "Offer"),), K.EMAIL_CLICK, "Offer"),
        (
            ((K.EMAIL_OPEN, "Offer"), (K.FORM_SUBMISSION, "Contact us")),
            K.FORM_SUBMISSION,
            "Contact us",
        ),
        (((K.CALL_CONNECTED, "Call"), (K.MEETING_HELD, "Demo")), K.MEETING_HELD, "Demo"),
    ],
    ids=["single", "highest_weight", "meeting_first"],
)
def test_the_engagement_at_the_reactivation_instant(
    acts: tuple[tuple[K, str | None], ...], kind: K, detail: str
) -> None:
    inp = _woken(*acts).build()
    decisions = classify(inp, RULES, T)
    react, handoff = triggers_from_input(inp, decisions, RULES)
    assert int(react.kind[0]) == kind.code
    assert inp.details[int(react.detail[0])] == detail
    assert int(react.at_ms[0]) == to_ms(ago(3)) == int(decisions.reactivated_ms[0])
    handed = decisions.handed_off_ms[0] >= 0
    assert int(handoff.kind[0]) == (kind.code if handed else -1)


def test_no_trigger_for_a_person_never_reactivated() -> None:
    b = InputBuilder()
    p = b.person(ago(150))
    b.activity(p, K.EMAIL_CLICK, ago(130), "Offer")
    inp = b.build()
    react, handoff = triggers_from_input(inp, classify(inp, RULES, T), RULES)
    assert (int(react.kind[0]), int(handoff.kind[0]), int(react.at_ms[0])) == (-1, -1, -1)


@pytest.mark.parametrize(
    ("kind", "detail", "said"),
    [
        (
            K.EMAIL_CLICK.code,
            "Spring webinar invite",
            "clicked Spring webinar invite on 2026-11-20",
        ),
        (K.EMAIL_OPEN.code, None, "opened an email on 2026-11-20"),
        (K.EVENT_ATTENDANCE.code, "Tokyo seminar", "attended Tokyo seminar on 2026-11-20"),
        (K.MEETING_HELD.code, None, "held a meeting on 2026-11-20"),
        (-1, None, "re-engaged on 2026-11-20"),
    ],
    ids=["click", "open_no_detail", "attendance", "meeting", "unknown"],
)
def test_describe(kind: int, detail: str | None, said: str) -> None:
    at = to_ms(datetime(2026, 11, 20, 10, tzinfo=UTC))
    assert describe(kind, detail, at, "UTC") == said


def test_describe_dates_in_the_business_time_zone() -> None:
    at = to_ms(datetime(2026, 11, 20, 20, tzinfo=UTC))  # 05:00 on the 21st in Tokyo
    assert describe(K.EMAIL_CLICK.code, "X", at, "Asia/Tokyo") == "clicked X on 2026-11-21"
