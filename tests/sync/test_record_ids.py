"""Salesforce's 15/18-character ids and the ``record_type:id`` forms reengage prints."""

from __future__ import annotations

import random
import string

import pytest

from connectors.sandbox.salesforce.ids import IdMinter, checksum
from sync.record_ids import parse_record_query, salesforce_id18, salesforce_suffix

# (15, 18) pairs as published with converters of Salesforce ids (the sandbox's ids are
# generated, so these are the check that our checksum is Salesforce's, not only ours)
KNOWN_PAIRS = [
    ("003G000001SUbc4", "003G000001SUbc4IAD"),
    ("00558000001N0Ke", "00558000001N0KeAAK"),
    ("70130000001tcyI", "70130000001tcyIAAQ"),
    ("a0BA0000000L2ZC", "a0BA0000000L2ZCMA0"),
    ("AAaAAbbBBBCcCCC", "AAaAAbbBBBCcCCC123"),
]


@pytest.mark.parametrize(("id15", "id18"), KNOWN_PAIRS)
def test_known_pairs(id15: str, id18: str) -> None:
    assert salesforce_id18(id15) == id18
    assert salesforce_id18(id18) == id18
    assert salesforce_id18(id18.lower()) == id18  # the case-safe form restores the case
    assert salesforce_id18(id18.upper()) == id18


def test_agrees_with_the_sandbox_generator() -> None:
    rng = random.Random(7)
    chars = string.ascii_letters + string.digits
    samples = ["".join(rng.choice(chars) for _ in range(15)) for _ in range(500)]
    minted = IdMinter("00Q").next(), IdMinter("003", start=10**9).next()
    for id15 in samples:
        assert salesforce_suffix(id15) == checksum(id15)
    for id18 in minted:
        assert salesforce_id18(id18) == id18 and salesforce_id18(id18[:15]) == id18


@pytest.mark.parametrize(
    "value",
    ["", "00Q", "003G000001SUbc", "003G000001SUbc4I", "003G000001SUbc4-AD", "003G000001SUbc4I9D"],
)
def test_not_salesforce_ids(value: str) -> None:
    assert salesforce_id18(value) is None


def test_a_suffix_that_contradicts_its_id_is_refused() -> None:
    """``5`` marks characters 1 and 3 upper case; in ``00000`` they are digits."""
    assert salesforce_id18("000000000000000" + "5AA") is None


def test_queries() -> None:
    q = parse_record_query(" hubspot_contact:100002 ")
    assert q.types == {"hubspot_contact"} and q.record_ids == {"100002"} and q.email is None
    q = parse_record_query("salesforce_lead 003g000001subc4iad")
    assert q.types == {"salesforce_lead"}
    assert {"003G000001SUbc4IAD", "003G000001SUbc4"} <= q.record_ids
    q = parse_record_query("salesforce:003G000001SUbc4")
    assert q.types == {"salesforce_lead", "salesforce_contact"}
    assert "003G000001SUbc4IAD" in q.record_ids
    assert parse_record_query("Ann@X.com").email == "Ann@X.com"
    assert parse_record_query("email_address:ann@x.com").email == "ann@x.com"
    # a HubSpot id is never taken as a Salesforce id when its type says so
    assert parse_record_query("hubspot_contact:123456789012345").record_ids == {"123456789012345"}
