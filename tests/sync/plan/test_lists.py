"""Lists and campaigns (SPEC §4 "Lists", "Reactivated", "Sunset", "Consent", "Holdout")."""

from __future__ import annotations

import pytest

from connectors.base import RecordRef, RecordType
from sync.plan import OpKind, make_plan

from .factory import (
    HS,
    RULES,
    SF,
    AppliedState,
    Shape,
    World,
    active,
    contact,
    customer,
    dormant,
    handed_off,
    high_score,
    hs,
    lead,
    members,
    reactivated,
    sunset,
)

P = RULES.lists.prefix


@pytest.mark.parametrize(
    ("shape", "wanted"),
    [
        (dormant(100), "dormant_90_180d"),
        (dormant(200), "dormant_180_365d"),
        (high_score, "high_score_dormant"),
        (customer, "dormant_customer"),
        (sunset, "sunset"),
        (reactivated(), "reactivated"),
        (handed_off, "reactivated"),
    ],
    ids=["90_180d", "180_365d", "high_score", "customer", "sunset", "reactivated", "handed_off"],
)
def test_each_state_is_on_its_one_list_on_every_linked_record(shape: Shape, wanted: str) -> None:
    w = World()
    w.add(shape, hs("h1"), lead("00Q1"), contact("0031"))
    plan = make_plan(w.input(), RULES)
    name = P + wanted
    assert members(plan) == {(HS, name, "h1"), (SF, name, "00Q1"), (SF, name, "0031")}
    assert not members(plan, OpKind.REMOVE_MEMBER)


def test_no_list_without_a_state() -> None:
    w = World()
    w.add(active, hs("h1"), lead("00Q1"))
    assert not members(make_plan(w.input(), RULES))


@pytest.mark.parametrize("flag", ["opt_out", "bounce"])
def test_consent_keeps_a_person_off_segment_lists_on_both_platforms(flag: str) -> None:
    # The flag is OR-ed over both platforms by the caller: one platform is enough.
    w = World()
    consent = {flag: True}
    w.add(dormant(), hs("h1"), lead("00Q1"), key="a", **consent)
    w.add(sunset, hs("h2"), lead("00Q2"), key="b", **consent)
    w.add(reactivated(), hs("h3"), lead("00Q3"), key="c", **consent)
    plan = make_plan(w.input(), RULES)
    assert members(plan) == {
        (HS, P + "sunset", "h2"),
        (SF, P + "sunset", "00Q2"),
        (HS, P + "reactivated", "h3"),
        (SF, P + "reactivated", "00Q3"),
    }


def test_consent_removes_a_member_who_opted_out() -> None:
    w = World()
    w.add(dormant(), hs("h1"), opt_out=True)
    applied = AppliedState(members={(HS, P + "dormant_90_180d"): frozenset({hs("h1").ref})})
    plan = make_plan(w.input(applied), RULES)
    assert members(plan, OpKind.REMOVE_MEMBER) == {(HS, P + "dormant_90_180d", "h1")}


def test_holdout_is_on_no_list() -> None:
    w = World()
    w.add(dormant(), hs("h1"), lead("00Q1"), holdout=True)
    w.add(sunset, hs("h2"), holdout=True)
    w.add(reactivated(), hs("h3"), holdout=True)
    assert not members(make_plan(w.input(), RULES))


def test_do_not_call_leaves_lists_alone() -> None:
    w = World()
    w.add(dormant(), hs("h1"), lead("00Q1"), dnc=True)
    assert members(make_plan(w.input(), RULES)) == {
        (HS, P + "dormant_90_180d", "h1"),
        (SF, P + "dormant_90_180d", "00Q1"),
    }


def test_leaving_a_state_moves_the_person_between_lists() -> None:
    # Applied while dormant; the person has since clicked: reactivated.
    w = World()
    w.add(reactivated(), hs("h1"), lead("00Q1"))
    old = P + "dormant_180_365d"
    applied = AppliedState(
        members={(HS, old): frozenset({hs("h1").ref}), (SF, old): frozenset({lead("00Q1").ref})}
    )
    plan = make_plan(w.input(applied), RULES)
    assert members(plan, OpKind.REMOVE_MEMBER) == {(HS, old, "h1"), (SF, old, "00Q1")}
    assert members(plan) == {(HS, P + "reactivated", "h1"), (SF, P + "reactivated", "00Q1")}


def test_ending_the_recent_window_takes_them_off_the_reactivated_list() -> None:
    w = World()
    w.add(reactivated(days=40), hs("h1"))  # 40 >= recent_days: no status any more
    applied = AppliedState(members={(HS, P + "reactivated"): frozenset({hs("h1").ref})})
    plan = make_plan(w.input(applied), RULES)
    assert members(plan, OpKind.REMOVE_MEMBER) == {(HS, P + "reactivated", "h1")}
    assert not members(plan)
    [removal] = [o for o in plan.operations if o.op is OpKind.REMOVE_MEMBER]
    assert removal.person_id == 100  # still a person, only out of every state


def test_records_whose_person_vanished_are_removed() -> None:
    w = World()
    w.add(dormant(), hs("h1"))
    gone = RecordRef(RecordType.SALESFORCE_LEAD, "00Qgone")
    name = P + "dormant_90_180d"
    applied = AppliedState(
        members={(HS, name): frozenset({hs("h1").ref}), (SF, name): frozenset({gone})}
    )
    plan = make_plan(w.input(applied), RULES)
    [removal] = [o for o in plan.operations if o.op is OpKind.REMOVE_MEMBER]
    assert (removal.platform, removal.target, removal.record) == (SF, name, gone)
    assert removal.person_id is None
    assert not members(plan)  # h1 already is a member


def test_lists_reengage_does_not_own_are_never_touched() -> None:
    w = World()
    w.add(dormant(), hs("h1"))
    applied = AppliedState(
        members={
            (HS, "Newsletter subscribers"): frozenset({hs("h1").ref, hs("h9").ref}),
            (HS, P + "dormant_90_180d"): frozenset({hs("h1").ref}),
        }
    )
    plan = make_plan(w.input(applied), RULES)
    assert not [o for o in plan.operations if o.op in (OpKind.ADD_MEMBER, OpKind.REMOVE_MEMBER)]
