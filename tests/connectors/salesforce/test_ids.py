"""Salesforce's 15/18-character ids (``connectors.salesforce.ids``), which the sandbox mints too."""

from __future__ import annotations

import random
import string

import pytest

from connectors.salesforce.ids import case_suffix
from connectors.salesforce.ids import id18 as salesforce_id18
from sandbox.salesforce.ids import IdMinter

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
    for id15 in samples:  # the 18-character form restores any case mangling of the 15
        assert salesforce_id18(id15 + case_suffix(id15).lower()) == id15 + case_suffix(id15)
    minted = IdMinter("00Q").next(), IdMinter("003", start=10**9).next()
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
