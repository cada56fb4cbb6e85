"""The first apply sends within 5 % of the fewest write requests the APIs' batch sizes allow.

The minimum comes from the plan's operation counts per (platform, operation, list):

* HubSpot: batch update, 100 contacts a call; list memberships, 250 record ids a
  call, one list per call; tasks, 100 a batch create with their contact
  associations inline (the connector needs no separate association call);
* Salesforce: sObject Collections, 200 records a call for field updates, campaign
  members (any campaigns in one call) and tasks, and 200 ids per delete.

Made is what the emulators served during the cycle, HubSpot reads through POST
(task-key searches before creating, batch reads while pulling) left out and
printed apart. Alerts go to no platform (no webhook is configured).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from benchmarks.writes import minimum_requests
from config.rules import load_rules
from connectors.base import Platform, RecordRef, RecordType
from sync.plan import Operation, OpKind, Plan
from tests.e2e.runs import SyncRun, sync_once
from tests.e2e.world import World, open_world

TOLERANCE = 0.05

SIZES = [
    pytest.param(1500, id="1500-persons"),
    pytest.param(5000, id="5000-persons", marks=pytest.mark.slow),
]


@pytest.fixture(scope="module", params=SIZES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    opened = open_world(tmp_path_factory.mktemp("minimum"), int(request.param), load_rules())
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def first(world: World) -> SyncRun:
    return sync_once(world, world.as_of)


def _additions(counts: dict[tuple[Platform, str], int]) -> Plan:
    """A plan of ``n`` membership additions per (platform, list)."""
    kind = {
        Platform.HUBSPOT: RecordType.HUBSPOT_CONTACT,
        Platform.SALESFORCE: RecordType.SALESFORCE_LEAD,
    }
    ops = [
        Operation(OpKind.ADD_MEMBER, platform, RecordRef(kind[platform], f"{name}{i}"), name,
                  {"list_name": name}, f"k-{platform}-{name}-{i}", person_id=i, segment=None)
        for (platform, name), n in counts.items()
        for i in range(n)
    ]  # fmt: skip
    return Plan.of(ops)


def test_minimum_counts_each_hubspot_list_apart() -> None:
    """The yardstick itself: HubSpot memberships are counted per list, Salesforce's not."""
    hs, sf = Platform.HUBSPOT, Platform.SALESFORCE
    plan = _additions({(hs, "A"): 251, (hs, "B"): 1, (sf, "A"): 201, (sf, "B"): 1})
    assert minimum_requests(plan) == Counter({"hubspot add_member": 3, "salesforce add_member": 2})


def test_first_apply_is_within_five_percent_of_the_minimum(first: SyncRun) -> None:
    minimum = minimum_requests(first.plan)
    made = first.hubspot_writes + first.salesforce_writes
    least, sent = sum(minimum.values()), sum(made.values())
    print(f"\nfirst sync: {first.describe()}")
    print(f"minimum by operation: {dict(minimum)}")
    print(f"made by route: {dict(made)}")
    print(
        f"write requests made {sent}, minimum {least} "
        f"(+{first.hubspot_lookups} HubSpot look-ups through POST, not writes)"
    )
    assert least > 0
    assert least <= sent <= least * (1 + TOLERANCE)
