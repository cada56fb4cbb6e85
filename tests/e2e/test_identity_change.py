"""A person's identity changes on the platforms; reengage makes no second task and no second alert.

Failure 3 of "Right on the real platforms": task and alert keys were built from the
person key, the person's primary record, and a lead conversion or a HubSpot contact
linked to a new Salesforce lead changes that record. The done-when, end to end:

1. a sandbox and a store filled by a first ``sync --apply`` (call tasks on both
   platforms, alerts posted to a local webhook receiver);
2. the store taken back to the previous schema head (0004, as today's code leaves it)
   and opened again, so that it is upgraded the way an operator's store is;
3. on the platforms: a reactivated person's lead is converted to a new contact, and a
   reactivated HubSpot-only person's contact is linked to a new Salesforce lead;
4. the next sync plans no task and no alert, the platforms hold the same tasks for both
   persons, and the webhook hears nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from pydantic import SecretStr
from sqlalchemy import Engine, select

from config.settings import AlertSettings
from sandbox.salesforce.writes import Writer
from sandbox.sandbox import Sandbox
from sync.alerts import make_alert_sender
from sync.alerts.sender import WebhookAlertSender
from sync.plan import OpKind
from sync.run import CycleOptions, run_cycle
from sync.store import migrate
from sync.store.migrate import open_store
from sync.store.schema import created_tasks, persons, platform_records
from tests.e2e.leads import new_lead
from tests.e2e.readback import TaskSeen, read_back
from tests.e2e.world import World, open_world, rules_with_holdout

PERSONS = 400
PREVIOUS_HEAD = "0004"


class _Receiver(BaseHTTPRequestHandler):
    """Collects the generic webhook's documents (``{"alerts": [...]}``)."""

    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.extend(json.loads(body)["alerts"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("identity-change")
    opened = open_world(folder, PERSONS, rules_with_holdout(0.0), owner_fallback=True)
    yield opened
    opened.close()


def _sync(world: World, sender: WebhookAlertSender, as_of: datetime) -> Any:
    result = run_cycle(
        world.engine,
        world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=as_of, plan=True, apply=True, alerts=sender),
    )
    assert result.status == "ok", result.message
    return result


@dataclass(frozen=True)
class Chosen:
    """A reactivated person with a task and an alert: its email and its record ids."""

    email: str
    records: frozenset[str]


def _reactivated(engine: Engine, key_prefix: str, sizes: tuple[int, ...]) -> Chosen:
    """The first person keyed on ``key_prefix`` with a reactivation task and alert sent and
    ``sizes`` records (converted leads left out)."""
    pr, p, ct = platform_records, persons, created_tasks
    with engine.connect() as conn:
        triggers: dict[int, set[str]] = {}
        for pid, trigger in conn.execute(select(ct.c.person_id, ct.c.trigger)):
            triggers.setdefault(pid, set()).add(trigger)
        rows = conn.execute(
            select(p.c.id, p.c.person_key, p.c.email, pr.c.record_id, pr.c.converted_contact_id)
            .join(pr, pr.c.person_id == p.c.id)
            .where(p.c.person_key.like(key_prefix + "%"), ~pr.c.deleted)
            .order_by(p.c.person_key)
        ).all()
    found: dict[int, tuple[str, set[str], bool]] = {}
    for pid, _, email, rid, converted in rows:
        email_, ids, _conv = found.setdefault(pid, (email, set(), False))
        ids.add(rid)
        if converted:
            found[pid] = (email_, ids, True)
    for pid, (email, ids, converted) in found.items():
        wanted = {"reactivation", "send_alert:reactivation"}
        if wanted <= triggers.get(pid, set()) and len(ids) in sizes and not converted and email:
            return Chosen(email, frozenset(ids))
    raise AssertionError(f"no reactivated person keyed {key_prefix} with {sizes} records")


def _convert_lead(box: Sandbox, lead_id: str) -> str:
    """Converts a lead as Salesforce does: a new contact, the lead read-only and pointing to it."""
    state = box.salesforce.state
    with state.lock:
        lead = state.record("Lead", lead_id)
        assert lead is not None
        writer = Writer(state, str(lead["OwnerId"]))
        values = {k: lead[k] for k in ("FirstName", "LastName", "Email", "OwnerId")}
        (outcome,) = writer.run([lambda: writer.create("Contact", values)], all_or_none=True)
        assert outcome.success, outcome.result()
        now = state.now()
        lead.update(IsConverted=True, ConvertedContactId=outcome.id, Status="Closed - Converted",
                    ConvertedDate=now.date())  # fmt: skip
        state.table("Lead").restamp(lead, now)
        return str(outcome.id)


def _link_to_new_lead(box: Sandbox, contact_id: str, email: str) -> str:
    """A new Salesforce lead for a HubSpot contact, and the integration's link to it."""
    lead_id = new_lead(box, email)
    hs = box.hubspot.state
    with hs.lock:
        table = hs.table("contacts")
        contact = table.get(contact_id)
        assert contact is not None
        table.set_values(contact, {"salesforceleadid": lead_id})
        table.touch(contact, hs.clock())
    return lead_id


def _upgrade_from_previous_head(world: World) -> None:
    """The store as the previous reengage leaves it (schema 0004), opened by this one."""
    world.engine.dispose()
    engine = migrate.make_engine(world.settings.store_url)
    cfg = migrate._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, PREVIOUS_HEAD)
    engine.dispose()
    migrate.upgrade_store(world.settings.store_url)  # `reengage db upgrade`
    world.engine = open_store(world.settings.store_url)


def _tasks_on(seen: tuple[TaskSeen, ...], records: set[str]) -> list[str]:
    return sorted(t.key for t in seen if t.record_id in records)


def test_identity_changes_make_no_second_task_or_alert(
    world: World, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = receiver
    settings = AlertSettings(webhook_url=SecretStr(url))
    with make_alert_sender(settings) as sender:  # type: ignore[union-attr]
        _sync(world, sender, world.as_of)
        lead_person = _reactivated(world.engine, "salesforce_lead:", (1, 2))
        hubspot_person = _reactivated(world.engine, "hubspot_contact:", (1,))
        _upgrade_from_previous_head(world)

        (lead_id,) = (r for r in lead_person.records if r.startswith("00Q"))
        contact_id = _convert_lead(world.box, lead_id)
        (hubspot_id,) = hubspot_person.records
        linked = _link_to_new_lead(world.box, hubspot_id, hubspot_person.email)
        before = read_back(world.box, world.rules)
        alerts_before = len(received)
        assert alerts_before > 0

        result = _sync(world, sender, world.as_of)
    after = read_back(world.box, world.rules)
    once = [
        (op.op.value, op.payload.get("person_key"))
        for op in result.plan.operations
        if op.op in (OpKind.CREATE_TASK, OpKind.SEND_ALERT)
    ]
    assert once == []
    for records in (lead_person.records | {contact_id}, {hubspot_id, linked}):
        for platform in ("hubspot", "salesforce"):
            was = getattr(before, platform).tasks
            now = getattr(after, platform).tasks
            assert _tasks_on(now, set(records)) == _tasks_on(was, set(records))
    assert received[alerts_before:] == []


def test_the_previous_head_is_known() -> None:
    """The upgrade above starts from this revision; it must stay in the chain."""
    assert Path(migrate.MIGRATIONS / "versions" / "0004_index_persons_by_email.py").exists()
