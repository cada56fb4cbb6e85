"""A third platform from a plug-in takes part in a sync end to end (issue 15).

``reengage-tinycrm`` (``tests/plugins/tinycrm``, installed by ``make install``) is found
through its real ``reengage.connectors`` entry point: nothing is patched. Two worlds of one
seed, each one sync with ``--apply`` as of the dataset's now:

* without the plug-in: a HubSpot contact is dormant;
* with it (``REENGAGE_PLATFORMS`` names ``tinycrm``, its settings under
  ``REENGAGE_PLUGINS__TINYCRM__*``): tinycrm holds a person with that contact's email
  (another case, padded) and a click of yesterday only tinycrm knows, and a person of its
  own, quiet for a year.

Then the tinycrm person and the contact are one person; the click changes that person's
status; tinycrm's server received reengage's fields for both its persons, and nothing
else (no list, no task); HubSpot and Salesforce get the same operations as without the
plug-in, but for the person the click changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from connectors.base import LIST_PLATFORMS, Connector, Platform
from sync.plan import Operation, Plan
from sync.run import CycleOptions, RunResult, build_connectors, close_all, run_cycle
from sync.store.schema import person_states, platform_records
from tests.e2e.world import World, open_world, rules_with_holdout

PERSONS = 200
API_KEY = "tinycrm-test-key-5d1f"
TINYCRM = Platform("tinycrm")


Runs = tuple["Outcome", "Outcome", dict[str, Any]]  # without, with the plug-in, and its parts


@dataclass
class Outcome:
    result: RunResult
    plan: Plan
    statuses: dict[tuple[str, str], str | None]  # (record type, id) -> its person's status
    persons: dict[tuple[str, str], int]  # (record type, id) -> its person's store id


def _sync(world: World, connectors: Mapping[Platform, Connector] | None = None) -> Outcome:
    result = run_cycle(
        world.engine,
        connectors or world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=world.as_of, plan=True, apply=True),
    )
    assert result.status == "ok", result.message
    assert result.plan is not None and result.applied is not None
    assert result.applied.total("failed") == 0, result.applied.failed
    return Outcome(result, result.plan, *_people(world.engine))


def _people(engine: Engine) -> tuple[dict[tuple[str, str], str | None], dict[tuple[str, str], int]]:
    pr, ps = platform_records, person_states
    query = select(pr.c.record_type, pr.c.record_id, pr.c.person_id, ps.c.status).join(
        ps, ps.c.person_id == pr.c.person_id, isouter=True
    )
    with engine.connect() as conn:
        rows = conn.execute(query.where(~pr.c.deleted)).all()
    return (
        {(t, i): status for t, i, _, status in rows},
        {(t, i): pid for t, i, pid, _ in rows},
    )


def _dormant_contact(world: World, before: Outcome) -> tuple[str, str]:
    """(contact id, email) of a dormant HubSpot-only person (no Salesforce record)."""
    pr = platform_records
    with world.engine.connect() as conn:
        rows = conn.execute(
            select(pr.c.record_type, pr.c.record_id, pr.c.email, pr.c.person_id)
            .where(~pr.c.deleted)
            .order_by(pr.c.record_id)
        ).all()
    types_of: dict[int, set[str]] = {}
    for t, _, _, pid in rows:
        types_of.setdefault(pid, set()).add(t)
    for t, rid, email, pid in rows:
        status = before.statuses[(t, rid)]
        if t == "hubspot_contact" and email and status == "dormant" and types_of[pid] == {t}:
            return rid, email
    raise AssertionError("no dormant HubSpot-only person in the world")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    from reengage_tinycrm.server import TinyCrmServer

    rules = rules_with_holdout(0.0)
    plain = open_world(tmp_path_factory.mktemp("no-plugin"), PERSONS, rules)
    try:
        before = _sync(plain)
        contact, email = _dormant_contact(plain, before)
    finally:
        plain.close()
    world = open_world(tmp_path_factory.mktemp("with-plugin"), PERSONS, rules)
    server = TinyCrmServer(API_KEY).start()
    now = world.as_of
    server.state.add_person("t-1", f"  {email.upper()} ", now - timedelta(days=900))
    server.state.add_activity("a-1", "t-1", "email_click", now - timedelta(hours=20), "promo")
    server.state.add_person("t-2", "solo@tinycrm.test", now - timedelta(days=800))
    server.state.add_activity("a-2", "t-2", "email_open", now - timedelta(days=400), "news")
    settings = world.settings.model_copy(
        update={
            "platforms": ["hubspot", "salesforce", "tinycrm"],
            "plugins": {"tinycrm": {"base_url": server.url, "api_key": API_KEY}},
        }
    )
    connectors = build_connectors(settings, world.rules)
    try:
        after = _sync(world, connectors)
        yield (
            before,
            after,
            {
                "contact": contact,
                "server": server,
                "connectors": connectors,
                "world": world,
            },
        )
    finally:
        close_all(connectors)
        server.stop()
        world.close()


def test_the_plugin_is_found_through_its_entry_point(runs: Runs) -> None:
    connector = runs[2]["connectors"][TINYCRM]
    assert type(connector).__module__ == "reengage_tinycrm.connector"
    assert connector.platform is TINYCRM
    assert set(runs[2]["connectors"]) == {Platform.HUBSPOT, Platform.SALESFORCE, TINYCRM}


def test_same_email_is_one_person(runs: Runs) -> None:
    _, after, extra = runs
    contact = after.persons[("hubspot_contact", extra["contact"])]
    assert after.persons[("tinycrm_person", "t-1")] == contact
    assert after.persons[("tinycrm_person", "t-2")] != contact


def test_the_plugins_engagement_changes_the_status(runs: Runs) -> None:
    before, after, extra = runs
    key = ("hubspot_contact", extra["contact"])
    assert before.statuses[key] == "dormant"
    assert after.statuses[key] == "reactivated"
    assert after.statuses[("tinycrm_person", "t-1")] == "reactivated"


def test_the_plugin_received_its_field_updates(runs: Runs) -> None:
    _, after, extra = runs
    state = extra["server"].state
    assert state.fields_of("t-1")["status"] == "reactivated"
    assert state.fields_of("t-2")["status"] == after.statuses[("tinycrm_person", "t-2")]
    assert state.fields_of("t-2")["status"] == "dormant"
    assert {"segment", "dormant_days", "last_engagement_at"} <= set(state.fields_of("t-2"))
    applied = after.result.applied
    assert applied is not None
    assert applied.applied.get(("tinycrm", "update_fields")) == len(state.updates) == 2


def test_the_plugin_gets_no_lists_and_no_tasks(runs: Runs) -> None:
    _, after, extra = runs
    on_plugin = {op.op.value for op in after.plan.operations if op.platform is TINYCRM}
    assert on_plugin == {"update_fields"}
    assert TINYCRM not in LIST_PLATFORMS
    routes = {route for _, route in extra["server"].state.requests}
    assert "/persons/update" in routes
    assert routes <= {"/me", "/users", "/persons", "/activities", "/persons/update"}


def _signature(op: Operation) -> tuple[str, str, str, str, str, str]:
    assert op.platform is not None
    return (
        op.op.value,
        op.platform.value,
        op.record.record_type.value if op.record else "",
        op.record.record_id if op.record else "",
        op.target or "",
        json.dumps(op.payload, sort_keys=True, default=str),
    )


def test_hubspot_and_salesforce_writes_are_otherwise_unchanged(
    runs: Runs,
) -> None:
    before, after, extra = runs
    person = after.persons[("hubspot_contact", extra["contact"])]
    changed = {rid for (t, rid), pid in after.persons.items() if pid == person}

    def platform_ops(outcome: Outcome) -> set[tuple[str, ...]]:
        return {
            _signature(op)
            for op in outcome.plan.operations
            if op.platform in LIST_PLATFORMS
            and (op.record is None or op.record.record_id not in changed)
        }

    assert platform_ops(after) == platform_ops(before)
    assert len(platform_ops(before)) > 0
    touched = [op for op in after.plan.operations if op.record and op.record.record_id in changed]
    assert {op.platform for op in touched} >= {Platform.HUBSPOT, TINYCRM}


def test_a_plugins_email_activity_is_never_taken_for_a_mirror_copy() -> None:
    """The store's platform codes: a plug-in's rows are neither HubSpot twins nor Salesforce
    copies, so its email event at the instant of a HubSpot one counts on its own."""
    import numpy as np
    import pyarrow as pa

    from connectors.base import ActivityKind
    from sync.identity.timeline import mirror_twins
    from sync.store.snapshot import _platform_codes

    codes = _platform_codes(pa.chunked_array([["hubspot", "tinycrm", "hubspot", "salesforce"]]))
    click = ActivityKind.EMAIL_CLICK.code
    twins = mirror_twins(
        np.array([1, 1, 2, 2]),
        codes,
        np.array([click] * 4),
        np.array([1_000, 1_000, 5_000, 5_000]),
        np.zeros(4, dtype=bool),
        window_ms=60_000,
    )
    assert twins.tolist() == [-1, -1, -1, 2]  # the Salesforce copy pairs; tinycrm's does not


def test_forget_empties_reengages_fields_on_the_plugin_too(
    runs: Runs,
) -> None:
    """Last in the module: ``reengage forget`` erases the tinycrm-only person."""
    from sync.cli.forget import forget_email
    from sync.run import sinks_of

    extra = runs[2]
    state, world = extra["server"].state, extra["world"]
    held = {k for k, v in state.fields_of("t-2").items() if v not in (None, "")}
    assert "status" in held
    sinks = sinks_of(extra["connectors"])
    outcome = forget_email(world.engine, sinks, world.rules, "solo@tinycrm.test")
    assert outcome.found and outcome.failed == 0 and outcome.applied == 1
    emptied = state.updates[-1]
    assert emptied["id"] == "t-2"
    assert emptied["values"] == dict.fromkeys(held)
