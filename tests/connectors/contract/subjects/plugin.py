"""The plug-in connector under the contract: ``reengage-tinycrm`` (``tests/plugins/tinycrm``)
on its own small service, a source of persons and activities that takes reengage's fields."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from reengage_tinycrm import PERSON, TinyCrmSettings
from reengage_tinycrm.connector import TinyCrmConnector
from reengage_tinycrm.server import TinyCrmServer

from config.rules import Rules, load_rules
from connectors.base import ActivityKind, RecordRef

# test function -> the connector bug it shows (a strict xfail for this subject until fixed)
KNOWN_BUGS: dict[str, str] = {}
API_KEY = "tinycrm-contract-key-7a41"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class PluginSubject:
    name = "plugin"
    capabilities = frozenset(
        {"read_records", "read_activities", "read_deals", "update_fields"}
        | {"check_setup", "apply_setup"}
    )
    text_field = "segment"
    # what the shared suite does not ask yet (see the report of fix/plugsubject): tinycrm
    # holds no deals (``read_deals`` reads nothing) and takes any field (setup makes nothing)
    empty_reads = frozenset({"read_deals"})
    needs_setup = False

    def __init__(self, persons: int = 240, activities: int = 420, page_size: int = 40) -> None:
        self.rules: Rules = load_rules()
        self.persons, self.activities, self.page_size = persons, activities, page_size
        self.server = TinyCrmServer(API_KEY)

    def start(self) -> None:
        state, pick = self.server.state, random.Random(15)
        kinds, owners = list(ActivityKind), ["u-1", "u-2", "u-3"]
        for number, uid in enumerate(owners, 1):
            state.add_user(uid, f"Owner {number}", f"owner{number}@tinycrm.test")
        for i in range(self.persons):
            created = NOW - timedelta(days=pick.randint(30, 1500))
            extra = {"first_name": f"P{i}", "owner_id": pick.choice(owners)}
            state.add_person(f"p-{i:04d}", f"person{i}@tinycrm.test", created, **extra)
        for i in range(self.activities):
            person = f"p-{pick.randrange(self.persons):04d}"
            at = NOW - timedelta(hours=pick.randint(1, 24 * 700))
            state.add_activity(f"a-{i:05d}", person, pick.choice(kinds).value, at, "contract")
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def connector(self) -> TinyCrmConnector:
        settings = TinyCrmSettings(
            base_url=self.server.url,
            api_key=SecretStr(API_KEY),
            page_size=self.page_size,
            timeout_seconds=10.0,
        )
        return TinyCrmConnector(settings)

    # ----- the platform's side
    def served(self) -> int:
        with self.server.state.lock:
            return len(self.server.state.requests)

    def refuse_after(self, requests: int) -> None:
        with self.server.state.lock:
            self.server.state.daily_left = requests

    def refuse_none(self) -> None:
        with self.server.state.lock:
            self.server.state.daily_left = None

    def live_records(self, count: int) -> list[RecordRef]:
        state = self.server.state
        with state.lock:
            ids = sorted(p["id"] for p in state.persons if not p.get("deleted"))[:count]
        assert len(ids) == count, "the world is too small"
        return [RecordRef(PERSON, i) for i in ids]

    def absent_record(self) -> RecordRef:
        """An id no person ever had (the world's ids are ``p-NNNN``)."""
        return RecordRef(PERSON, "p-never-7919")

    def delete(self, ref: RecordRef) -> None:
        answer = httpx.delete(
            f"{self.server.url}/persons/{ref.record_id}",
            headers={"Authorization": f"Bearer {API_KEY}"},
            trust_env=False,
        )
        answer.raise_for_status()

    def field_value(self, ref: RecordRef, field: str) -> Any:
        with self.server.state.lock:
            return self.server.state.fields_of(ref.record_id).get(field)

    def members(self, list_name: str) -> set[str]:
        raise NotImplementedError("tinycrm has no lists")  # never asked: no add_members

    def tasks_with_key(self, key: str) -> list[str]:
        raise NotImplementedError("tinycrm has no tasks")  # never asked: no create_tasks

    def writes(self) -> int:
        with self.server.state.lock:
            return sum(method in WRITES for method, _ in self.server.state.requests)

    def setup_made(self) -> Counter[str]:
        return Counter()  # tinycrm takes any field: setup makes nothing there


SUBJECT = PluginSubject
