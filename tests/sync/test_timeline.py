"""One timeline: Salesforce copies of HubSpot email events count once, real repeats stay."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from config.rules import load_rules
from config.rules_platform import SalesforceSources
from connectors.base import Activity, ActivityKind, Platform, RecordRef, RecordType
from sync.identity.timeline import (
    PLATFORM_CODES,
    dedupe_activities,
    drop_mirrored,
    mirror_flags,
    mirror_pairs,
    mirror_twins,
)

MIN = 60_000
WINDOW = 10 * MIN
OPEN = ActivityKind.EMAIL_OPEN.code
CLICK = ActivityKind.EMAIL_CLICK.code
CALL = ActivityKind.CALL_ATTEMPT.code
HS = PLATFORM_CODES[Platform.HUBSPOT]
SF = PLATFORM_CODES[Platform.SALESFORCE]


@dataclass(frozen=True)
class Row:
    """One timeline row; ``mirror`` marks a Salesforce task flagged as an integration copy."""

    person: int
    platform: int
    kind: int
    minute: float
    mirror: bool = False


def hs(minute: float, kind: int = OPEN, person: int = 1) -> Row:
    return Row(person, HS, kind, minute)


def mirror(minute: float, kind: int = OPEN, person: int = 1) -> Row:
    return Row(person, SF, kind, minute, mirror=True)


def sf(minute: float, kind: int = OPEN, person: int = 1) -> Row:
    return Row(person, SF, kind, minute)


def keep(rows: list[Row], window_ms: int = WINDOW) -> list[bool]:
    mask = drop_mirrored(
        np.array([r.person for r in rows]),
        np.array([r.platform for r in rows]),
        np.array([r.kind for r in rows]),
        np.array([round(r.minute * MIN) for r in rows], dtype=np.int64),
        np.array([r.mirror for r in rows]),
        window_ms,
    )
    return [bool(k) for k in mask]


CASES = [
    ([hs(0), mirror(3)], [True, False]),
    ([mirror(3), hs(0)], [False, True]),
    ([hs(0), mirror(-2)], [True, False]),
    ([hs(0), hs(1), mirror(3), mirror(4)], [True, True, False, False]),
    ([hs(0), mirror(3), mirror(4)], [True, False, True]),
    ([hs(0), mirror(10)], [True, False]),
    ([hs(0), mirror(10.001)], [True, True]),
    ([hs(0), mirror(-30)], [True, True]),
    ([mirror(3)], [True]),
    ([mirror(3), mirror(5)], [True, True]),
    ([hs(0), sf(3)], [True, False]),
    ([hs(0), sf(3, kind=CALL)], [True, True]),
    ([hs(0, kind=CLICK), mirror(3, kind=OPEN)], [True, False]),
    ([hs(0, kind=CALL), mirror(3)], [True, True]),
    ([hs(0, person=1), mirror(3, person=2)], [True, True]),
    ([Row(1, SF, OPEN, 0, mirror=False), Row(1, SF, OPEN, 2, mirror=True)], [True, True]),
    ([Row(1, HS, OPEN, 0, mirror=True), Row(1, HS, OPEN, 2, mirror=True)], [True, True]),
    # nearest first, not the largest matching: the copy at 9 is 1 minute from the
    # send at 10, so the copy at 19 (19 from the send at 0) is left real
    ([hs(0), mirror(9), hs(10), mirror(19)], [True, False, True, True]),
    ([hs(0), hs(3), mirror(2), mirror(5)], [True, True, False, False]),
    ([hs(0), mirror(3), hs(100), mirror(103)], [True, False, True, False]),
]
IDS = [
    "mirror-after-open-dropped",
    "input-order-irrelevant",
    "mirror-slightly-before-dropped",
    "two-opens-two-mirrors-stay-two",
    "one-open-two-mirrors-counts-two",
    "window-edge-inclusive",
    "just-outside-window-kept",
    "far-outside-window-kept",
    "mirror-without-twin-kept",
    "two-mirrors-without-twin-kept",
    "unflagged-salesforce-email-is-a-candidate",
    "salesforce-call-is-no-candidate",
    "any-email-kind-is-a-twin",
    "other-kind-is-no-twin",
    "other-person-is-no-twin",
    "unflagged-salesforce-is-no-twin",
    "hubspot-rows-are-never-mirrors",
    "nearest-first",
    "interleaved-opens",
    "separate-clusters",
]


@pytest.mark.parametrize(("rows", "expected"), CASES, ids=IDS)
def test_drop_mirrored(rows: list[Row], expected: list[bool]) -> None:
    assert keep(rows) == expected


@pytest.mark.parametrize(
    ("rows", "pairs"),
    [
        ([hs(0), mirror(6), hs(10)], {1: 2}),
        ([hs(0), mirror(5), hs(10)], {1: 0}),
        ([mirror(0), hs(5), mirror(10)], {0: 1}),
        ([hs(0), mirror(3, kind=CLICK), hs(2, kind=CLICK)], {1: 2}),
    ],
    ids=["nearest-twin", "tie-to-the-twin-before", "tie-to-the-earlier-copy", "any-kind-nearest"],
)
def test_which_twin_a_copy_takes(rows: list[Row], pairs: dict[int, int]) -> None:
    assert _pairs(rows) == pairs


def test_zero_window_matches_only_the_same_instant() -> None:
    assert keep([hs(0), mirror(0), mirror(0.001)], window_ms=0) == [True, False, True]


def test_empty_and_mismatched_columns() -> None:
    empty = np.array([], dtype=np.int64)
    assert drop_mirrored(empty, empty, empty, empty, empty.astype(bool), WINDOW).shape == (0,)
    with pytest.raises(ValueError, match="same length"):
        drop_mirrored(np.array([1]), empty, empty, empty, empty.astype(bool), WINDOW)


def test_string_columns_are_accepted() -> None:
    mask = drop_mirrored(
        np.array(["salesforce_contact:0031", "salesforce_contact:0031"]),
        np.array(["hubspot", "salesforce"]),
        np.array(["email_open", "email_open"]),
        np.array([0, 3 * MIN]),
        np.array([False, True]),
        WINDOW,
    )
    assert mask.tolist() == [True, False]


# ---------------------------------------------------------------------------- properties

rows_strategy = st.lists(
    st.builds(
        Row,
        person=st.integers(1, 3),
        platform=st.sampled_from([HS, SF]),
        kind=st.sampled_from([OPEN, CLICK]),
        minute=st.integers(0, 60),
        mirror=st.booleans(),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(rows=rows_strategy, order=st.randoms(use_true_random=False))
def test_kept_rows_do_not_depend_on_input_order(rows: list[Row], order: object) -> None:
    shuffled = list(rows)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    kept = sorted(str(r) for r, k in zip(rows, keep(rows), strict=True) if k)
    kept_shuffled = sorted(str(r) for r, k in zip(shuffled, keep(shuffled), strict=True) if k)
    assert kept == kept_shuffled


def _pairs(rows: list[Row]) -> dict[int, int]:
    """Copy row -> twin row, as :func:`mirror_twins` pairs them."""
    twin_of = mirror_twins(
        np.array([r.person for r in rows], dtype=np.int64),
        np.array([r.platform for r in rows], dtype=np.int64),
        np.array([r.kind for r in rows], dtype=np.int64),
        np.array([round(r.minute * MIN) for r in rows], dtype=np.int64),
        np.array([r.mirror for r in rows], dtype=bool),
        WINDOW,
    )
    return {i: int(j) for i, j in enumerate(twin_of) if j >= 0}


@settings(max_examples=300, deadline=None)
@given(rows=rows_strategy)
def test_pairs_are_one_to_one_and_nearest_first(rows: list[Row]) -> None:
    """Every copy and twin are paired at most once, within the window; and no copy and
    twin left apart are closer than either's own pair (else nearest first would have
    paired them): the greedy's stable form, whatever the tie-breaking."""
    pairs = _pairs(rows)
    assert len(set(pairs.values())) == len(pairs)
    gap = {i: abs(rows[i].minute - rows[j].minute) for i, j in pairs.items()}
    gap |= {j: gap[i] for i, j in pairs.items()}
    for i, j in pairs.items():
        assert rows[i].platform == SF and rows[j].platform == HS
        assert rows[i].person == rows[j].person and gap[i] * MIN <= WINDOW
    copies = [i for i, r in enumerate(rows) if r.platform == SF]
    twins = [j for j, r in enumerate(rows) if r.platform == HS]
    for i in copies:
        for j in twins:
            d = abs(rows[i].minute - rows[j].minute)
            if rows[i].person == rows[j].person and d * MIN <= WINDOW and pairs.get(i) != j:
                assert min(gap.get(i, math.inf), gap.get(j, math.inf)) <= d


# ---------------------------------------------------------------------------- flags


PATTERN = SalesforceSources().hubspot_mirror_subject_pattern


def test_mirror_flags_from_subject_and_marker() -> None:
    details = [
        "Email Opened: Spring webinar",
        "Email Clicked: Spring webinar",
        "Email Sent: Spring webinar",
        "Marketing Email: Newsletter",
        "Call: follow-up",
        None,
        "Re: Email Opened: nope",
        "Email Opened: Spring webinar",
    ]
    markers = [None, None, None, None, None, "email-event:9", None, ""]
    flags = mirror_flags(details, PATTERN, markers)
    assert flags.tolist() == [True, True, True, True, False, True, False, True]


def test_a_pattern_matching_nothing_never_flags_missing_details() -> None:
    assert mirror_flags([None, ""], ".*").tolist() == [False, True]


# ---------------------------------------------------------------------------- activities

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
HUB = RecordRef(RecordType.HUBSPOT_CONTACT, "1")
LEAD = RecordRef(RecordType.SALESFORCE_LEAD, "00Q1")


def act(platform: Platform, minutes: int, detail: str, record: RecordRef) -> Activity:
    return Activity(
        platform=platform,
        activity_id=f"{platform}:{minutes}:{detail}",
        record=record,
        kind=ActivityKind.EMAIL_OPEN,
        occurred_at=T0 + timedelta(minutes=minutes),
        detail=detail,
    )


def test_dedupe_activities_counts_one_open_once() -> None:
    person_of = {HUB: "p1", LEAD: "p1"}
    activities = [
        act(Platform.HUBSPOT, 0, "Spring webinar", HUB),
        act(Platform.SALESFORCE, 4, "Email Opened: Spring webinar", LEAD),
        act(Platform.SALESFORCE, 60, "Email Opened: Spring webinar", LEAD),
        act(
            Platform.SALESFORCE, 2, "Email Opened: Spring webinar", RecordRef(LEAD.record_type, "x")
        ),
    ]
    kept = dedupe_activities(activities, person_of, SalesforceSources())
    assert kept == [activities[0], activities[2], activities[3]]
    assert dedupe_activities([], person_of, SalesforceSources()) == []


# ------------------------------------------------------------- recognised by what they are

MIRROR_SUBJECTS = [
    "Email Sent: Nov newsletter",
    "Marketing Email: Nov newsletter",
    "Email: Nov newsletter",
    "Nov newsletter",
]


def _sf_email_task(task_id: str, subject: str, subtype: str, done: datetime) -> Activity:
    from connectors.salesforce.mapping import ActivityRules, task_activity

    row = {
        "Id": task_id, "WhoId": "00Q000000000001AAA", "IsClosed": True, "TaskSubtype": subtype,
        "Type": "Email", "Subject": subject, "CompletedDateTime": done.isoformat(),
        "ActivityDate": done.date().isoformat(), "CreatedDate": done.isoformat(),
        "IsDeleted": False,
    }  # fmt: skip
    activity = task_activity(row, ActivityRules(SalesforceSources(), T0 + timedelta(days=1)))
    assert activity is not None
    return activity


@pytest.mark.parametrize("subtype", ["Email", "ListEmail"])
@pytest.mark.parametrize("subject", MIRROR_SUBJECTS)
def test_an_integration_copy_counts_once_whatever_its_subject(subject: str, subtype: str) -> None:
    """A HubSpot send and its Salesforce copy (any wording) are one send, not two."""
    lead = RecordRef(RecordType.SALESFORCE_LEAD, "00Q000000000001AAA")
    sent = Activity(
        Platform.HUBSPOT, "email-event:1", HUB, ActivityKind.EMAIL_SENT, T0, "Nov newsletter"
    )
    copy = _sf_email_task("00T1", subject, subtype, T0 + timedelta(minutes=4))
    kept = dedupe_activities([sent, copy], {HUB: "p1", lead: "p1"}, SalesforceSources())
    assert [a.activity_id for a in kept] == ["email-event:1"]


def test_a_sales_rep_s_own_email_counts_and_explain_sees_each_copy_with_its_twin() -> None:
    """A rep's email (TaskSubtype Email, no HubSpot event within the window) is real."""
    lead = RecordRef(RecordType.SALESFORCE_LEAD, "00Q000000000001AAA")
    sent = Activity(
        Platform.HUBSPOT, "email-event:1", HUB, ActivityKind.EMAIL_SENT, T0, "Nov newsletter"
    )
    copy = _sf_email_task("00T1", "Email: Nov newsletter", "Email", T0 + timedelta(minutes=4))
    own = _sf_email_task("00T2", "Email: Following up", "Email", T0 + timedelta(minutes=65))
    person_of = {HUB: "p1", lead: "p1"}
    kept = dedupe_activities([sent, copy, own], person_of, SalesforceSources())
    assert [a.activity_id for a in kept] == ["email-event:1", "task:00T2"]
    assert mirror_pairs([sent, copy, own], person_of, SalesforceSources()) == [(copy, sent)]
    assert mirror_pairs([], person_of, SalesforceSources()) == []


@pytest.mark.parametrize(("minutes", "paired"), [(45, True), (60, True), (61, False)])
def test_the_shipped_window_is_an_hour(minutes: int, paired: bool) -> None:
    """The integration syncs within minutes, or at its next 15-minute check: an hour holds
    both; a copy later than that is taken as real."""
    sources = load_rules().sources.salesforce
    lead = RecordRef(RecordType.SALESFORCE_LEAD, "00Q000000000001AAA")
    sent = Activity(Platform.HUBSPOT, "email-event:1", HUB, ActivityKind.EMAIL_SENT, T0, "News")
    copy = _sf_email_task("00T1", "News", "ListEmail", T0 + timedelta(minutes=minutes))
    assert bool(mirror_pairs([sent, copy], {HUB: "p1", lead: "p1"}, sources)) == paired


@pytest.mark.parametrize("minutes", [-1, 1441])
def test_the_window_is_validated(minutes: int) -> None:
    with pytest.raises(ValidationError, match="mirror_window_minutes"):
        SalesforceSources(mirror_window_minutes=minutes)
