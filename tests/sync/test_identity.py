"""Identity resolution: SPEC §3's four rules, the ambiguity reports, deletions and merges."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.base import Platform, PlatformRecord, RecordRef, RecordType
from sync.identity.resolve import (
    AmbiguityKind,
    IdentityResult,
    Person,
    person_key_for,
    resolve_identities,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------- builders


def H(record_id: str) -> RecordRef:
    return RecordRef(RecordType.HUBSPOT_CONTACT, record_id)


def L(record_id: str) -> RecordRef:
    return RecordRef(RecordType.SALESFORCE_LEAD, record_id)


def C(record_id: str) -> RecordRef:
    return RecordRef(RecordType.SALESFORCE_CONTACT, record_id)


def rec(ref: RecordRef, email: str | None = None, **fields: Any) -> PlatformRecord:
    return PlatformRecord(ref=ref, email=email, **fields)


def hs(record_id: str, email: str | None = None, **fields: Any) -> PlatformRecord:
    return rec(H(record_id), email, **fields)


def lead(record_id: str, email: str | None = None, **fields: Any) -> PlatformRecord:
    return rec(L(record_id), email, **fields)


def contact(record_id: str, email: str | None = None, **fields: Any) -> PlatformRecord:
    return rec(C(record_id), email, **fields)


def groups(result: IdentityResult) -> set[frozenset[RecordRef]]:
    return {frozenset(p.records) for p in result.persons}


def kinds(result: IdentityResult) -> list[AmbiguityKind]:
    return [a.kind for a in result.ambiguities]


def person_with(result: IdentityResult, ref: RecordRef) -> Person:
    key = result.person_key(ref)
    matches = [p for p in result.persons if p.key == key]
    assert len(matches) == 1, f"{ref} is on {len(matches)} persons"
    return matches[0]


# ---------------------------------------------------------------------------- the rules

G = frozenset

RULE_CASES: list[tuple[list[PlatformRecord], set[frozenset[RecordRef]], list[AmbiguityKind]]] = [
    # rule 4: normalised email
    (
        [hs("1", "  Ann@Example.COM "), lead("00Q1", "ann@example.com")],
        {G({H("1"), L("00Q1")})},
        [],
    ),
    (
        [hs("1", ""), lead("00Q1", "   "), contact("0031", None), hs("2", None)],
        {G({H("1")}), G({L("00Q1")}), G({C("0031")}), G({H("2")})},
        [],
    ),
    (
        [lead("00Q1", "a@x.com"), contact("0031", "A@x.com")],
        {G({L("00Q1"), C("0031")})},
        [],
    ),
    # rule 1: explicit links beat differing emails
    (
        [hs("1", "a@x.com", sf_lead_id="00Q1"), lead("00Q1", "other@x.com")],
        {G({H("1"), L("00Q1")})},
        [],
    ),
    (
        [hs("1", "a@x.com", sf_contact_id="0031"), contact("0031", None)],
        {G({H("1"), C("0031")})},
        [],
    ),
    (
        [
            hs("1", "a@x.com", sf_lead_id="00Q1"),
            hs("2", "b@x.com", sf_lead_id="00Q1"),
            lead("00Q1", None),
        ],
        {G({H("1"), H("2"), L("00Q1")})},
        [],
    ),
    # rule 2: conversions
    (
        [lead("00Q1", "old@x.com", converted_contact_id="0031"), contact("0031", "new@x.com")],
        {G({L("00Q1"), C("0031")})},
        [],
    ),
    (
        [
            hs("1", "h@x.com", sf_lead_id="00Q1", sf_contact_id="0031"),
            lead("00Q1", "l@x.com", converted_contact_id="0031"),
            contact("0031", "c@x.com"),
        ],
        {G({H("1"), L("00Q1"), C("0031")})},
        [],
    ),
    # rule 3: merges
    (
        [
            hs("1", "a@x.com", merged_ids=("2",)),
            hs("2", "b@x.com", deleted=True),
            lead("00Q2", "b@x.com"),
        ],
        {G({H("1")}), G({L("00Q2")})},
        [],
    ),
    (
        [
            hs("1", "a@x.com", sf_lead_id="00Q2"),
            lead("00Q1", "l@x.com"),
            lead("00Q2", "a@x.com", deleted=True, master_record_id="00Q1"),
        ],
        {G({H("1"), L("00Q1")})},
        [],
    ),
    # dead and conflicting links
    (
        [
            hs("1", "a@x.com", sf_lead_id="00Q1"),
            lead("00Q1", "a@x.com", deleted=True),
            contact("0031", "a@x.com"),
        ],
        {G({H("1"), C("0031")})},
        [AmbiguityKind.LINK_TO_DELETED],
    ),
    (
        [hs("1", "a@x.com", sf_contact_id="003missing")],
        {G({H("1")})},
        [AmbiguityKind.LINK_TO_MISSING],
    ),
    (
        [
            hs("1", "h@x.com", sf_lead_id="00Q1", sf_contact_id="0031"),
            lead("00Q1", "l@x.com"),
            contact("0031", "c@x.com"),
        ],
        {G({H("1"), C("0031")}), G({L("00Q1")})},
        [AmbiguityKind.CONFLICTING_LINKS],
    ),
    # deletions
    (
        [hs("1", "a@x.com", deleted=True), lead("00Q1", "a@x.com", deleted=True)],
        set(),
        [],
    ),
    (
        [lead("00Q1", "a@x.com", deleted=True, converted_contact_id="0031"), contact("0031", None)],
        {G({C("0031")})},
        [],
    ),
    (
        [hs("1", "a@x.com", sf_lead_id="00Q1", deleted=True), lead("00Q1", "b@x.com")],
        {G({L("00Q1")})},
        [],
    ),
]
RULE_IDS = [
    "email-trimmed-lowercased",
    "empty-emails-never-match",
    "lead-and-contact-one-email-join",
    "explicit-lead-link-beats-email",
    "explicit-contact-link-without-email",
    "two-hubspot-contacts-one-lead",
    "converted-lead-joins-contact",
    "conversion-makes-both-links-agree",
    "hubspot-merged-away-makes-no-person",
    "link-to-sf-merged-away-follows-master",
    "link-to-deleted-falls-back-to-email",
    "link-to-missing-reported",
    "conflicting-links-keep-contact",
    "all-deleted-person-disappears",
    "live-contact-keeps-person-without-deleted-lead",
    "deleted-hubspot-side-leaves-lead-alone",
]


@pytest.mark.parametrize(("records", "expected", "reported"), RULE_CASES, ids=RULE_IDS)
def test_rules(
    records: list[PlatformRecord],
    expected: set[frozenset[RecordRef]],
    reported: list[AmbiguityKind],
) -> None:
    result = resolve_identities(records)
    assert groups(result) == expected
    assert kinds(result) == reported


def test_dead_link_report_names_the_contact_and_the_target() -> None:
    result = resolve_identities(
        [hs("1", " A@x.com", sf_lead_id="00Q9"), lead("00Q9", deleted=True)]
    )
    (report,) = result.ambiguities
    assert report.kind is AmbiguityKind.LINK_TO_DELETED
    assert report.records == (H("1"), L("00Q9"))
    assert report.email == "a@x.com"
    assert report.chosen is None


def test_conflicting_links_report_chooses_the_contact() -> None:
    result = resolve_identities(
        [hs("1", sf_lead_id="00Q1", sf_contact_id="0031"), lead("00Q1"), contact("0031")]
    )
    (report,) = result.ambiguities
    assert report.records == (H("1"), L("00Q1"), C("0031"))
    assert report.chosen == C("0031")


# ---------------------------------------------------------------------------- ambiguity rule


def _two_leads(**second: Any) -> list[PlatformRecord]:
    base = {"modified_at": T0, "created_at": T0}
    return [
        hs("1", "shared@x.com"),
        lead("00Q1", "shared@x.com", **base),
        lead("00Q2", "SHARED@x.com", **{**base, **second}),
    ]


AMBIGUITY_CASES = [
    ({L("00Q1"): T0 + timedelta(days=2), L("00Q2"): T0 + timedelta(days=1)}, {}, L("00Q1")),
    ({L("00Q2"): T0}, {}, L("00Q2")),
    ({}, {"modified_at": T0 + timedelta(hours=1)}, L("00Q2")),
    ({}, {"modified_at": T0 - timedelta(hours=1)}, L("00Q2")),
    ({}, {"created_at": T0 + timedelta(hours=1)}, L("00Q2")),
    ({}, {}, L("00Q2")),
]
AMBIGUITY_IDS = [
    "latest-activity-wins",
    "any-activity-beats-none",
    "modified-is-ignored-larger-id",
    "older-modified-is-ignored",
    "tie-latest-created-wins",
    "full-tie-larger-id-wins",
]


@pytest.mark.parametrize(("activity", "second", "chosen"), AMBIGUITY_CASES, ids=AMBIGUITY_IDS)
def test_two_live_leads_one_email(
    activity: dict[RecordRef, datetime], second: dict[str, Any], chosen: RecordRef
) -> None:
    result = resolve_identities(_two_leads(**second), last_activity=activity)
    other = L("00Q2") if chosen == L("00Q1") else L("00Q1")
    assert groups(result) == {G({H("1"), chosen}), G({other})}
    (report,) = result.ambiguities
    assert report.kind is AmbiguityKind.SHARED_EMAIL
    assert report.email == "shared@x.com"
    assert report.records == (L("00Q1"), L("00Q2"))
    assert report.chosen == chosen


def test_a_write_on_the_other_lead_does_not_move_the_hubspot_contact() -> None:
    """Reengage's field update on the lead the contact did not join stamps it (SystemModstamp,
    LastModifiedDate); the contact must stay where it was."""
    records = _two_leads(created_at=T0 + timedelta(hours=1))  # no engagement: newest lead
    before = resolve_identities(records)
    assert L("00Q2") in person_with(before, H("1")).records
    written = [
        dataclasses.replace(r, modified_at=T0 + timedelta(days=3)) if r.ref == L("00Q1") else r
        for r in records
    ]
    after = resolve_identities(written)
    assert groups(after) == groups(before)
    assert after.ambiguities[0].chosen == L("00Q2")


def test_two_contacts_one_email_stay_apart_even_without_hubspot() -> None:
    result = resolve_identities([contact("0031", "a@x.com"), contact("0032", "a@x.com")])
    assert groups(result) == {G({C("0031")}), G({C("0032")})}
    assert kinds(result) == [AmbiguityKind.SHARED_EMAIL]


def test_linked_records_sharing_an_email_are_not_ambiguous() -> None:
    records = [
        lead("00Q1", "a@x.com", converted_contact_id="0031"),
        lead("00Q2", "a@x.com", converted_contact_id="0031"),
        contact("0031", "a@x.com"),
        hs("1", "a@x.com"),
    ]
    result = resolve_identities(records)
    assert groups(result) == {G({L("00Q1"), L("00Q2"), C("0031"), H("1")})}
    assert result.ambiguities == ()


# ---------------------------------------------------------------------------- aliases and keys


def test_merged_away_ids_resolve_to_the_survivors_person() -> None:
    records = [
        hs("1", "a@x.com", merged_ids=("2", "3")),
        hs("2", "b@x.com", deleted=True, merged_ids=("3",)),
        contact("0031", "a@x.com"),
        contact("0032", deleted=True, master_record_id="0031"),
    ]
    result = resolve_identities(records)
    key = person_key_for(C("0031"))
    assert groups(result) == {G({H("1"), C("0031")})}
    assert result.aliases == {H("2"): H("1"), H("3"): H("1"), C("0032"): C("0031")}
    for ref in (H("1"), H("2"), H("3"), C("0031"), C("0032")):
        assert result.person_key(ref) == key


def test_alias_chain_and_cycle_end_on_one_survivor() -> None:
    records = [
        contact("0031", "a@x.com"),
        contact("0032", deleted=True, master_record_id="0033"),
        contact("0033", deleted=True, master_record_id="0031"),
        lead("00Q8", deleted=True, master_record_id="00Q9"),
        lead("00Q9", deleted=True, master_record_id="00Q8"),
    ]
    result = resolve_identities(records)
    assert result.aliases[C("0032")] == C("0031")
    assert result.aliases[L("00Q9")] == L("00Q8")
    assert L("00Q8") not in result.aliases
    assert groups(result) == {G({C("0031")})}


def test_deleted_records_have_no_person() -> None:
    result = resolve_identities([lead("00Q1", "a@x.com", deleted=True), hs("1", "a@x.com")])
    assert result.person_key(L("00Q1")) is None
    assert result.person_key(H("1")) == "hubspot_contact:1"


def _two_contacts(first: dict[str, Any], second: dict[str, Any]) -> list[PlatformRecord]:
    """Two contacts made one person: one through an explicit link, one through its email."""
    return [
        hs("9", "same@x.com", sf_contact_id="0031"),
        contact("0031", None, **first),
        contact("0032", "same@x.com", **second),
    ]


PRIMARY_CASES = [
    ([hs("1", "a@x.com"), lead("00Q1", "a@x.com"), contact("0031", "a@x.com")], C("0031")),
    ([hs("1", "a@x.com"), lead("00Q1", "a@x.com")], L("00Q1")),
    ([hs("1", "a@x.com", created_at=T0), hs("2", "a@x.com")], H("1")),
    (_two_contacts({"created_at": T0 + timedelta(1)}, {"created_at": T0}), C("0032")),
    (_two_contacts({}, {"created_at": T0}), C("0032")),
    (_two_contacts({"created_at": T0}, {"created_at": T0}), C("0031")),
]


@pytest.mark.parametrize(
    ("records", "primary"),
    PRIMARY_CASES,
    ids=[
        "contact-first",
        "lead-before-hubspot",
        "dated-before-undated",
        "oldest-first",
        "undated-last",
        "then-id",
    ],
)
def test_primary_record_and_key(records: list[PlatformRecord], primary: RecordRef) -> None:
    (person,) = resolve_identities(records).persons
    assert person.primary == primary
    assert person.key == person_key_for(primary)
    assert person.records[0] == primary


# ---------------------------------------------------------------------------- merged attributes


def test_person_attributes_merge_by_precedence() -> None:
    records = [
        hs(
            "1",
            "  Ann@X.com",
            first_name="Annie",
            company="HS Co",
            owner_id="hs-owner",
            lifecycle_stage="lead",
            lead_status="OPEN",
            created_at=T0,
            score=40.0,
            sf_contact_id="0031",
        ),
        hs("2", "ann@x.com", score=55.0, created_at=T0 + timedelta(days=3)),
        contact("0031", None, last_name="Smith", owner_id="005A", created_at=T0 + timedelta(1)),
        lead("00Q1", "ann@x.com", company="SF Co", lead_status="Working - Contacted"),
    ]
    (person,) = resolve_identities(records).persons
    assert person.primary == C("0031")
    assert person.email == "ann@x.com"
    assert (person.first_name, person.last_name, person.company) == ("Annie", "Smith", "SF Co")
    assert (person.hubspot_owner_id, person.salesforce_owner_id) == ("hs-owner", "005A")
    assert (person.lifecycle_stage, person.lead_status) == ("lead", "Working - Contacted")
    assert person.created_at == T0
    assert person.hubspot_score == 55.0
    assert person.records_on(Platform.HUBSPOT) == (H("1"), H("2"))


def test_salesforce_score_is_not_a_hubspot_score() -> None:
    (person,) = resolve_identities([lead("00Q1", "a@x.com", score=99.0)]).persons
    assert person.hubspot_score is None


CONSENT_FLAGS = ["email_opt_out", "hard_bounce", "do_not_call"]


@pytest.mark.parametrize("flag", CONSENT_FLAGS)
@pytest.mark.parametrize("carrier", ["hubspot", "lead", "contact"])
def test_consent_in_one_platform_only_counts_for_the_person(flag: str, carrier: str) -> None:
    records = {
        "hubspot": hs("1", "a@x.com"),
        "lead": lead("00Q1", "a@x.com", converted_contact_id="0031"),
        "contact": contact("0031", "a@x.com"),
    }
    flags: dict[str, Any] = {flag: True}
    records[carrier] = dataclasses.replace(records[carrier], **flags)
    (person,) = resolve_identities(records.values()).persons
    assert getattr(person, flag) is True
    assert [getattr(person, f) for f in CONSENT_FLAGS].count(True) == 1


def test_deleted_records_consent_does_not_count() -> None:
    records = [hs("1", "a@x.com", email_opt_out=True, deleted=True), lead("00Q1", "a@x.com")]
    (person,) = resolve_identities(records).persons
    assert person.email_opt_out is False


def test_duplicate_refs_are_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        resolve_identities([hs("1", "a@x.com"), hs("1", "b@x.com")])


# ---------------------------------------------------------------------------- properties

_EMAILS = ["a@x.com", " A@X.com ", "b@x.com", "c@y.com", "", None]
_SOME_DATES = [T0, T0 + timedelta(days=1), T0 + timedelta(days=2)]
_DATES: list[datetime | None] = [None, *_SOME_DATES]


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[PlatformRecord], dict[RecordRef, datetime]]:
    """Small worlds whose ids and emails collide often, so every rule gets exercised."""
    hs_ids = draw(st.sets(st.sampled_from(["1", "2", "3", "4", "5"]), max_size=5))
    lead_ids = draw(st.sets(st.sampled_from(["00Q1", "00Q2", "00Q3", "00Q4"]), max_size=4))
    contact_ids = draw(st.sets(st.sampled_from(["0031", "0032", "0033"]), max_size=3))

    def common() -> dict[str, Any]:
        return {
            "email": draw(st.sampled_from(_EMAILS)),
            "deleted": draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
            "created_at": draw(st.sampled_from(_DATES)),
            "modified_at": draw(st.sampled_from(_DATES)),
            "email_opt_out": draw(st.booleans()),
            "do_not_call": draw(st.booleans()),
            "owner_id": draw(st.sampled_from([None, "o1", "o2"])),
        }

    def pick(pool: Collection[str]) -> str | None:
        return draw(st.none() | st.sampled_from(sorted(pool) or ["none"]))

    records: list[PlatformRecord] = []
    for i in sorted(hs_ids):
        merged = tuple(draw(st.sets(st.sampled_from(["1", "2", "3", "4", "5"]), max_size=2)))
        records.append(
            hs(
                i,
                sf_lead_id=pick([*lead_ids, "00Q9"]),
                sf_contact_id=pick([*contact_ids, "0039"]),
                merged_ids=tuple(sorted(merged)),
                score=draw(st.sampled_from([None, 10.0, 60.0])),
                **common(),
            )
        )
    for i in sorted(lead_ids):
        records.append(
            lead(
                i,
                converted_contact_id=pick(contact_ids),
                master_record_id=pick(lead_ids),
                **common(),
            )
        )
    for i in sorted(contact_ids):
        records.append(contact(i, master_record_id=pick(contact_ids), **common()))
    refs = [r.ref for r in records]
    active = draw(st.dictionaries(st.sampled_from(refs or [H("0")]), st.sampled_from(_SOME_DATES)))
    return records, active


@settings(max_examples=300, deadline=None)
@given(world=worlds(), seed=st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_input_order(
    world: tuple[list[PlatformRecord], dict[RecordRef, datetime]], seed: int
) -> None:
    records, active = world
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    assert resolve_identities(shuffled, active) == resolve_identities(records, active)


@settings(max_examples=300, deadline=None)
@given(world=worlds())
def test_every_live_record_is_on_exactly_one_person(
    world: tuple[list[PlatformRecord], dict[RecordRef, datetime]],
) -> None:
    records, active = world
    result = resolve_identities(records, active)
    on_persons = [ref for p in result.persons for ref in p.records]
    live = {r.ref for r in records if not r.deleted and r.ref not in result.aliases}
    assert sorted(on_persons, key=str) == sorted(live, key=str)
    for person in result.persons:
        assert person.primary == person.records[0]
        flags = [r.email_opt_out for r in records if r.ref in person.records]
        assert person.email_opt_out == any(flags)
    for old in result.aliases:
        assert result.person_key(old) == result.person_key(result.aliases[old])


# ---------------------------------------------------------------------------- scale


def test_scale_two_hundred_thousand_records() -> None:
    records: list[PlatformRecord] = []
    for i in range(50_000):
        email = f"p{i}@example.com"
        records.append(hs(str(i), email.upper(), sf_lead_id=f"00Q{i}" if i % 2 else None))
        records.append(
            lead(f"00Q{i}", email, converted_contact_id=f"003{i}" if i % 5 == 0 else None)
        )
        records.append(contact(f"003{i}", None if i % 5 == 0 else f"c{i}@example.com"))
        records.append(contact(f"004{i}", deleted=True, master_record_id=f"003{i}"))
    result = resolve_identities(records)
    # every hub/lead pair is one person; converted ones carry their contact too
    assert len(result.persons) == 50_000 + 40_000
    assert len(result.aliases) == 50_000
    assert result.ambiguities == ()
    assert result.person_key(C("0040")) == result.person_key(H("0"))


def test_merged_attributes_line_up_with_person_fields() -> None:
    # Person is built positionally from the internal attribute tuple: a reordered
    # field would silently swap values, so the two orders are pinned together.
    from sync.identity.resolve import _Attrs

    names = [f.name for f in dataclasses.fields(Person)]
    assert names[:3] == ["key", "primary", "records"]
    assert names[3:] == list(_Attrs._fields)


# ---------------------------------------------------------------------------- anchored keys


def _keys(result: IdentityResult) -> dict[frozenset[RecordRef], str]:
    return {frozenset(p.records): p.key for p in result.persons}


def test_a_conversion_and_a_new_link_keep_the_persons_keys() -> None:
    first = resolve_identities([lead("00Q1", "a@x.com", created_at=T0), hs("1", "b@x.com")])
    anchors = dict(first.person_of)
    later = T0 + timedelta(days=9)
    changed = [
        lead("00Q1", "a@x.com", created_at=T0, converted_contact_id="0031"),
        contact("0031", "a@x.com", created_at=later),
        hs("1", "b@x.com", sf_lead_id="00Q9"),
        lead("00Q9", "b@x.com", created_at=later),
    ]
    result = resolve_identities(changed, anchors=anchors)
    assert _keys(result) == {
        G({C("0031"), L("00Q1")}): "salesforce_lead:00Q1",
        G({L("00Q9"), H("1")}): "hubspot_contact:1",
    }
    assert person_with(result, C("0031")).primary == C("0031")  # primary moves, the key stays


def test_a_merge_keeps_the_key_of_the_earliest_created_anchored_record() -> None:
    anchors = {L("00Q1"): "old-lead", H("1"): "old-contact"}
    records = [lead("00Q1", "a@x.com", created_at=T0 + timedelta(days=5)), hs("1", "a@x.com")]
    assert _keys(resolve_identities(records, anchors=anchors)) == {
        G({L("00Q1"), H("1")}): "old-lead"  # the HubSpot contact's creation is unknown
    }
    records[1] = hs("1", "a@x.com", created_at=T0)
    assert _keys(resolve_identities(records, anchors=anchors)) == {
        G({L("00Q1"), H("1")}): "old-contact"
    }


def test_a_merged_away_records_anchor_counts_for_its_survivor() -> None:
    records = [
        lead("00Q1", "a@x.com", created_at=T0 + timedelta(days=1)),
        lead("00Q0", "a@x.com", created_at=T0, deleted=True, master_record_id="00Q1"),
    ]
    result = resolve_identities(records, anchors={L("00Q0"): "lead-zero", L("00Q1"): "lead-one"})
    assert _keys(result) == {G({L("00Q1")}): "lead-zero"}


def test_a_split_gives_the_anchor_to_the_part_with_its_earliest_record() -> None:
    anchors = {H("1"): "ann", L("00Q1"): "ann"}
    records = [
        hs("1", "a@x.com", created_at=T0 + timedelta(days=1)),
        lead("00Q1", "other@x.com", created_at=T0),
    ]
    result = resolve_identities(records, anchors=anchors)
    assert _keys(result) == {G({L("00Q1")}): "ann", G({H("1")}): "hubspot_contact:1"}


def test_a_fresh_key_never_takes_another_persons_anchor() -> None:
    anchors = {L("00Q7"): "hubspot_contact:1"}
    result = resolve_identities([lead("00Q7", "x@x.com"), hs("1", "a@x.com")], anchors=anchors)
    assert _keys(result) == {
        G({L("00Q7")}): "hubspot_contact:1",
        G({H("1")}): "hubspot_contact:1#2",
    }
    assert len({p.key for p in result.persons}) == 2
