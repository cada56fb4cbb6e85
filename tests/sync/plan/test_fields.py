"""Fields written on each linked record (SPEC §4 "Fields written", hand-off, "Holdout")."""

from __future__ import annotations

from datetime import timedelta

from connectors.base import ActivityKind as K
from connectors.base import RecordRef
from sync.engine.builder import InputBuilder
from sync.plan import OpKind, Plan, make_plan
from sync.plan.model import field_string

from .factory import (
    RULES,
    AppliedState,
    T,
    World,
    active,
    ago,
    contact,
    dormant,
    handed_off,
    hs,
    lead,
    ops,
    reactivated,
    rules_with,
)

H, S = RULES.fields.hubspot, RULES.fields.salesforce


def values(plan: Plan, ref: RecordRef) -> dict[str, object]:
    [op] = ops(plan, OpKind.UPDATE_FIELDS, record=ref)
    return dict(op.payload["values"])


def test_a_dormant_person_gets_every_field_on_every_record() -> None:
    w = World()
    w.add(dormant(100), hs("h1"), lead("00Q1"))
    plan = make_plan(w.input(), RULES)
    quiet = "2025-02-22T12:00:00.000Z"  # T - 100 days, ISO-8601 UTC with milliseconds
    assert values(plan, hs("h1").ref) == {
        H.status: "dormant",
        H.segment: "dormant_90_180d",
        H.period_segment: "dormant_90_180d",
        H.approach: "email_and_call",
        H.dormant_days: 100,
        H.score: 0.0,
        H.quiet_since: quiet,
        H.last_engagement_at: quiet,
        H.last_touch: "Newsletter 0",
        H.holdout: False,
    }
    sf = values(plan, lead("00Q1").ref)
    assert sf[S.status] == "dormant" and sf[S.quiet_since] == quiet and sf[S.holdout] is False
    assert set(sf) <= {getattr(S, k) for k in S.model_dump() if k != "task_key"}


def test_score_has_one_decimal() -> None:
    w = World()
    w.add(reactivated(3), hs("h1"))  # 10 · 0.5^(3/14) = 8.6177...
    assert values(make_plan(w.input(), RULES), hs("h1").ref)[H.score] == 8.6


def test_an_ended_episode_keeps_describing_the_episode() -> None:
    w = World()
    w.add(reactivated(3), hs("h1"))  # quiet from 200 days ago, woken 3 days ago
    got = values(make_plan(w.input(), RULES), hs("h1").ref)
    assert got[H.status] == "reactivated"
    assert got[H.dormant_days] == 197 and got[H.quiet_since] == "2024-11-14T12:00:00.000Z"
    assert got[H.last_touch] == "Spring webinar invite"
    assert H.segment not in got  # keeps the value written while dormant


def test_holdout_fields_are_still_written_with_holdout_true() -> None:
    w = World()
    w.add(dormant(), hs("h1"), lead("00Q1"), holdout=True)
    plan = make_plan(w.input(), RULES)
    assert values(plan, hs("h1").ref)[H.holdout] is True
    assert values(plan, lead("00Q1").ref)[S.holdout] is True


def test_a_person_never_in_an_episode_gets_no_field_write() -> None:
    w = World()
    w.add(active, hs("h1"), lead("00Q1"))
    assert not make_plan(w.input(), RULES).operations


def test_only_changed_fields_are_sent() -> None:
    w = World()
    w.add(dormant(), hs("h1"))
    first = make_plan(w.input(), RULES)
    applied = AppliedState().after(first)
    stale = dict(applied.fields[hs("h1").ref]) | {H.dormant_days: "99", H.approach: None}
    again = make_plan(w.input(AppliedState(fields={hs("h1").ref: stale})), RULES)
    assert values(again, hs("h1").ref) == {H.approach: "email_and_call", H.dormant_days: 100}


def test_status_is_emptied_when_the_status_is_gone_and_nothing_else() -> None:
    w = World()
    w.add(reactivated(days=40), hs("h1"), lead("00Q1"))  # the 30 recent days are over
    applied = AppliedState(
        fields={
            hs("h1").ref: {H.status: "reactivated", H.dormant_days: "197"},
            lead("00Q1").ref: {S.status: "reactivated"},
        }
    )
    plan = make_plan(w.input(applied), RULES)
    assert values(plan, hs("h1").ref) == {H.status: None}
    assert values(plan, lead("00Q1").ref) == {S.status: None}
    emptied = AppliedState(fields=AppliedState().after(plan).fields)
    assert not make_plan(w.input(emptied), RULES).operations


def test_handoff_fields_are_written_once_per_record_type() -> None:
    w = World()
    w.add(handed_off, hs("h1"), lead("00Q1"), contact("0031"))
    plan = make_plan(w.input(), RULES)
    assert values(plan, hs("h1").ref)["hs_lead_status"] == "IN_PROGRESS"
    assert values(plan, lead("00Q1").ref)["Status"] == "Working"
    assert "Status" not in values(plan, contact("0031").ref)  # no Contact hand-off configured
    handoff_ops = ops(plan, OpKind.UPDATE_FIELDS, target="handoff")
    assert {o.record for o in handoff_ops} == {hs("h1").ref, lead("00Q1").ref}
    # Once applied, never again, even after sales moved the lead status on.
    applied = AppliedState().after(plan)
    fields = {ref: dict(v) for ref, v in applied.fields.items()}
    fields[lead("00Q1").ref]["Status"] = "Qualified"
    again = AppliedState(fields=fields, members=applied.members, created=applied.created)
    assert not make_plan(w.input(again), RULES).operations


def test_no_handoff_fields_for_a_reactivated_person() -> None:
    w = World()
    w.add(reactivated(), hs("h1"), lead("00Q1"))
    plan = make_plan(w.input(), RULES)
    assert "hs_lead_status" not in values(plan, hs("h1").ref)
    assert "Status" not in values(plan, lead("00Q1").ref)


def test_applied_values_are_the_strings_sent() -> None:
    assert [field_string(v) for v in (True, False, 8.6, 100, "", None, "x")] == [
        "true",
        "false",
        "8.6",
        "100",
        None,
        None,
        "x",
    ]
    w = World()
    w.add(dormant(), hs("h1"))
    applied = AppliedState().after(make_plan(w.input(), RULES))
    assert applied.fields[hs("h1").ref][H.holdout] == "false"


def test_an_ended_second_episode_is_described_by_its_own_anchor() -> None:
    def twice(b: InputBuilder) -> int:
        p = b.person(ago(400))
        b.activity(p, K.EMAIL_OPEN, ago(392), "Old news")  # episode 1 from -302
        b.activity(p, K.EMAIL_CLICK, ago(200), "Autumn offer")  # ends it; episode 2 from -110
        b.activity(p, K.EMAIL_CLICK, ago(3), "Spring offer")  # ends episode 2
        return p

    w = World()
    w.add(twice, hs("h1"))
    inp = w.input()
    assert len(inp.decisions.episodes.person) == 2
    got = values(make_plan(inp, RULES), hs("h1").ref)
    assert got[H.dormant_days] == 197 and got[H.quiet_since] == "2024-11-14T12:00:00.000Z"


# ---------------------------------------------------------------- formula mode (issue 16)

FORMULA = rules_with(fields=RULES.fields.model_copy(update={"dormant_days_mode": "formula"}))


def dormant_with_an_open(b: InputBuilder) -> int:
    """Dormant for 100 days with one open 5 days ago: 3 points, decaying, below 10."""
    p = dormant(100)(b)
    b.activity(p, K.EMAIL_OPEN, ago(5), "Autumn newsletter")
    return p


def test_formula_mode_writes_the_score_as_of_the_last_engagement_and_no_day_count() -> None:
    w = World()
    w.add(dormant_with_an_open, hs("h1"), lead("00Q1"))
    plan = make_plan(w.input(rules=FORMULA), FORMULA)
    got_hs, got_sf = values(plan, hs("h1").ref), values(plan, lead("00Q1").ref)
    assert got_hs[H.score] == got_sf[S.score] == 3.0  # not 3 · 0.5^(5/14) = 2.3
    assert H.dormant_days not in got_hs and S.dormant_days not in got_sf
    assert values(make_plan(w.input(), RULES), hs("h1").ref)[H.score] == 2.3


def test_formula_mode_writes_nothing_the_next_days_and_written_mode_does() -> None:
    w = World()
    w.add(dormant_with_an_open, hs("h1"), lead("00Q1"), contact("003C1"))
    for rules, expected in ((FORMULA, 0), (RULES, 3)):
        applied = AppliedState().after(make_plan(w.input(rules=rules), rules))
        for day in (1, 2):
            later = T + timedelta(days=day)
            plan = make_plan(w.input(applied, rules, later), rules)
            assert len(ops(plan, OpKind.UPDATE_FIELDS)) == expected, (rules.fields, day)
            applied = applied.after(plan)


def test_switching_to_formula_mode_empties_the_hubspot_day_count_once() -> None:
    w = World()
    w.add(dormant_with_an_open, hs("h1"), lead("00Q1"))
    applied = AppliedState().after(make_plan(w.input(), RULES))  # written mode ran before
    plan = make_plan(w.input(applied, FORMULA), FORMULA)
    assert values(plan, hs("h1").ref) == {H.dormant_days: None, H.score: 3.0}
    assert values(plan, lead("00Q1").ref) == {S.score: 3.0}  # the formula field is not written
    again = make_plan(w.input(applied.after(plan), FORMULA), FORMULA)
    assert not ops(again, OpKind.UPDATE_FIELDS)
