"""Builders and a served emulator for the HubSpot sandbox tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import hubspot
import pytest

from sandbox.hubspot import HubSpotEmulator
from sandbox.seed import (
    HubSpotAssociation,
    HubSpotEmailEvent,
    HubSpotObject,
    HubSpotOwner,
    HubSpotSeed,
    HubSpotTimelineEvent,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def contact(i: int, *, archived: bool = False, **props: str) -> HubSpotObject:
    values: dict[str, str | None] = {"email": f"person{i}@example.com", "firstname": f"P{i}"}
    values.update(props)
    return HubSpotObject(str(i), values, T0, T0 + timedelta(hours=i), archived=archived)


def task(i: int, **props: str) -> HubSpotObject:
    values: dict[str, str | None] = {
        "hs_task_subject": f"Task {i}",
        "hs_timestamp": "2024-02-01T00:00:00.000Z",
    }
    values.update(props)
    return HubSpotObject(str(i), values, T0, T0 + timedelta(hours=i))


def small_seed(contacts: int = 25, archived: int = 3) -> HubSpotSeed:
    """Contacts 1..n (the last ``archived`` of them archived), two tasks on contact 1,
    email and behavioural events, two owners (one inactive) and a merged contact."""
    people = [contact(i, archived=i > contacts - archived) for i in range(1, contacts + 1)]
    tasks = [task(1001), task(1002, hs_task_status="COMPLETED")]
    links = [HubSpotAssociation("tasks", t.id, "contacts", "1") for t in tasks]
    mails = [
        HubSpotEmailEvent(
            f"e{i}",
            kind,
            "person1@example.com",
            T0 + timedelta(minutes=i),
            7,
            "Spring news",
            filtered_event=i == 2,
        )
        for i, kind in enumerate(["SENT", "DELIVERED", "OPEN", "CLICK", "OPEN"])
    ]
    visits = [
        HubSpotTimelineEvent(
            f"v{i}", "e_visited_page", "1", T0 + timedelta(days=i), {"hs_url": "https://x"}
        )
        for i in range(3)
    ]
    owners = [
        HubSpotOwner("11", "a@corp.com", "Ann", "A", 1),
        HubSpotOwner("12", "b@corp.com", "Bob", "B", 2, archived=True),
    ]
    objects: dict[str, list[HubSpotObject]] = {"contacts": people, "tasks": tasks}
    return HubSpotSeed(objects, links, mails, visits, owners, merged={"999": "2"})


@pytest.fixture
def emulator() -> Iterator[HubSpotEmulator]:
    with HubSpotEmulator() as emu:
        emu.load_seed(small_seed())
        yield emu


def make_client(emu: HubSpotEmulator, **options: Any) -> Any:
    return hubspot.Client.create(
        access_token=emu.token, host=emu.url, client_side_validation=True, **options
    )


@pytest.fixture
def client(emulator: HubSpotEmulator) -> Any:
    return make_client(emulator)


@pytest.fixture
def client_for() -> Any:
    """Builds SDK clients for any emulator (other tokens, other limits)."""
    return make_client
