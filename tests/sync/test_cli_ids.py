"""Ids people can follow: ``explain`` and ``plan --person`` take every id form reengage prints.

An operator copies an id from the report, from ``explain`` itself, from a Salesforce
page (15 characters, case-sensitive) or from an export (18 characters, case-safe,
often lower-cased by a spreadsheet) and must land on the same person; ``plan``
shows who each operation is for (email and name), not only a record id.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.base import Platform, PlatformRecord, RecordRef, RecordType
from sandbox.salesforce.ids import checksum
from sync.cli import app
from sync.cli.explain import people
from sync.plan.model import Operation, OpKind, Plan
from sync.run import RunResult
from sync.store.migrate import open_store
from sync.store.mirror import save_records
from sync.store.persons import resolve_and_save
from sync.store.schema import persons
from tests.cli_process import run_cli
from tests.sync.store.worlds import CREATED, NOW

runner = CliRunner()

LEAD15 = "00Q5e00000KzQrT"  # a lead id as a Salesforce page or report shows it
LEAD18 = LEAD15 + checksum(LEAD15)  # as the API returns it (and the store keeps it)
CONTACT18 = "003G000001SUbc4IAD"  # the 15/18 pair 003G000001SUbc4 / ...IAD


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    for key in list(os.environ):
        if key.startswith("REENGAGE_"):
            monkeypatch.delenv(key)
    url = f"sqlite:///{tmp_path}/store.db"
    engine = open_store(url)
    records = [
        PlatformRecord(RecordRef(RecordType.HUBSPOT_CONTACT, "100002"), "dee@x.com",
                       first_name="Dee", last_name="Ode", created_at=CREATED,
                       merged_ids=("100001", "100017")),
        PlatformRecord(RecordRef(RecordType.SALESFORCE_LEAD, LEAD18), "Dee@X.com",
                       first_name="Dee", last_name="Ode", created_at=CREATED),
        PlatformRecord(RecordRef(RecordType.SALESFORCE_CONTACT, CONTACT18), "eve@x.com",
                       first_name="Eve", last_name="Ng", created_at=CREATED),
    ]  # fmt: skip
    with engine.begin() as conn:
        save_records(conn, records)
    resolve_and_save(engine, NOW)
    engine.dispose()
    monkeypatch.setenv("REENGAGE_DATABASE_URL", url)
    monkeypatch.setenv("REENGAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    yield url


def test_a_person_key_naming_a_merged_record_leads_to_the_person(stored: str) -> None:
    """A key anchored on a record since merged away is still printed, so still followed."""
    engine = open_store(stored)
    with engine.begin() as conn:
        conn.execute(
            persons.update()
            .where(persons.c.email == "eve@x.com")
            .values(person_key="salesforce_contact:003G000001SUbc9IAD")
        )
    engine.dispose()
    shown = runner.invoke(app, ["explain", "eve@x.com", "--as-of", NOW.isoformat()])
    assert "person salesforce_contact:003G000001SUbc9IAD" in shown.stdout
    for query in ("salesforce_contact:003G000001SUbc9IAD", "003G000001SUbc9"):
        result = runner.invoke(app, ["explain", query, "--as-of", NOW.isoformat()])
        assert result.exit_code == 0 and result.stdout.startswith("eve@x.com"), query


@pytest.mark.parametrize("query", ["100001", "hubspot_contact:100017", "hubspot:100001"])
def test_a_merged_hubspot_id_leads_to_the_contact_it_was_merged_into(
    stored: str, query: str
) -> None:
    """HubSpot keeps answering a merged-away id with the surviving contact; so does explain."""
    result = runner.invoke(app, ["explain", query, "--as-of", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("dee@x.com")


def test_a_merged_id_is_matched_whole(stored: str) -> None:
    for query in ("10000", "00001", "salesforce_lead:100001"):
        result = runner.invoke(app, ["explain", query, "--as-of", NOW.isoformat()])
        assert result.exit_code == 1, query


def explain_json(query: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["explain", query, "--json", "--as-of", NOW.isoformat()])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("query", "email"),
    [("100002", "dee@x.com"), (LEAD18, "dee@x.com"), (" DEE@x.com", "dee@x.com")],
)
def test_explain_follows_stored_ids_and_emails(stored: str, query: str, email: str) -> None:
    result = runner.invoke(app, ["explain", query, "--as-of", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(email)


@pytest.mark.parametrize(
    ("query", "email"),
    [
        ("hubspot_contact:100002", "dee@x.com"),
        (f"salesforce_lead:{LEAD18}", "dee@x.com"),
        (LEAD15, "dee@x.com"),  # the 15-character form of a stored 18-character id
        (LEAD18.lower(), "dee@x.com"),  # the case-safe form survives lower-casing
        (LEAD18[:15] + LEAD18[15:].lower(), "dee@x.com"),
        ("003G000001SUbc4", "eve@x.com"),
        (f"salesforce_contact:{CONTACT18.upper()}", "eve@x.com"),
    ],
)
def test_explain_follows_every_id_form(stored: str, query: str, email: str) -> None:
    result = runner.invoke(app, ["explain", query, "--as-of", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(email)


def test_a_15_character_id_is_case_sensitive(stored: str) -> None:
    """Two 15-character ids differing only in case are two records: no guessing."""
    result = runner.invoke(app, ["explain", LEAD15.lower(), "--as-of", NOW.isoformat()])
    assert result.exit_code == 1
    assert runner.invoke(app, ["explain", LEAD15, "--as-of", NOW.isoformat()]).exit_code == 0


def test_explain_prints_ids_it_takes_back(stored: str) -> None:
    first = runner.invoke(app, ["explain", "dee@x.com", "--as-of", NOW.isoformat()])
    printed = [w for w in first.stdout.split() if w.startswith(("hubspot_contact:", "salesforce_"))]
    assert f"salesforce_lead:{LEAD18}" in printed and "hubspot_contact:100002" in printed
    for ref in printed:
        again = runner.invoke(app, ["explain", ref, "--as-of", NOW.isoformat()])
        assert again.exit_code == 0 and again.stdout.startswith("dee@x.com"), ref


def test_explain_json_is_one_document_at_debug(
    stored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REENGAGE_LOG_LEVEL", "DEBUG")
    code, doc = explain_json(LEAD15)
    assert code == 0
    assert doc["email"] == "dee@x.com" and doc["name"] == "Dee Ode"
    records = doc["records"]
    assert isinstance(records, list)
    assert {r["ref"] for r in records} == {"hubspot_contact:100002", f"salesforce_lead:{LEAD18}"}
    assert doc["status"] and "dormant_days" in doc and "reasons" in doc


def test_explain_json_unknown_person_is_an_error_document(
    stored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REENGAGE_LOG_LEVEL", "DEBUG")
    code, doc = explain_json("nobody@x.com")
    assert code == 1
    assert doc["exit_code"] == 1
    error = doc["error"]
    assert isinstance(error, dict)
    assert error["code"] == "not_found" and error["platform"] is None
    assert "nobody@x.com" in error["message"]


def _fake_cycle(url: str) -> RunResult:
    """The plan a cycle would make for Dee and Eve (no platform is called)."""
    engine = open_store(url)
    from sync.cli.explain import find_person

    dee, eve = find_person(engine, "dee@x.com"), find_person(engine, "eve@x.com")
    engine.dispose()
    assert dee is not None and eve is not None
    ops = [
        Operation(OpKind.ADD_MEMBER, Platform.HUBSPOT, RecordRef(RecordType.HUBSPOT_CONTACT,
                  "100002"), "Dormant", {}, "k1", int(dee["id"]), "dormant_90_180d"),
        Operation(OpKind.ADD_MEMBER, Platform.SALESFORCE, RecordRef(RecordType.SALESFORCE_CONTACT,
                  CONTACT18), "Dormant", {}, "k2", int(eve["id"]), "dormant_90_180d"),
    ]  # fmt: skip
    return RunResult(run_id=1, plan_id="p1", plan=Plan.of(ops))


@pytest.fixture
def planned(stored: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REENGAGE_PLATFORMS", "hubspot")
    monkeypatch.setenv("REENGAGE_HUBSPOT__ACCESS_TOKEN", "pat-na1-x")
    monkeypatch.setenv("REENGAGE_HUBSPOT__BASE_URL", "http://127.0.0.1:9")
    result = _fake_cycle(stored)
    monkeypatch.setattr("sync.cli.common.cycle", lambda *a, **k: result)


def test_plan_shows_email_and_name(planned: None) -> None:
    table = runner.invoke(app, ["plan", "-q"])
    assert table.exit_code == 0, table.output
    assert "dee@x.com" in table.stdout and "Dee Ode" in table.stdout
    assert "eve@x.com" in table.stdout and "Eve Ng" in table.stdout
    doc = json.loads(runner.invoke(app, ["plan", "--json"]).stdout)
    who = {(op["record_id"], op["email"], op["name"]) for op in doc["operations"]}
    assert who == {("100002", "dee@x.com", "Dee Ode"), (CONTACT18, "eve@x.com", "Eve Ng")}


@pytest.mark.parametrize("person", ["hubspot_contact:100002", LEAD15, LEAD18.lower()])
def test_plan_person_follows_id_forms(planned: None, person: str) -> None:
    doc = json.loads(runner.invoke(app, ["plan", "--json", "--person", person]).stdout)
    assert [op["record_id"] for op in doc["operations"]] == ["100002"]


def test_a_type_narrows_the_id(stored: str) -> None:
    """``salesforce_lead:100002`` is not the HubSpot contact 100002."""
    result = runner.invoke(app, ["explain", "salesforce_lead:100002", "--as-of", NOW.isoformat()])
    assert result.exit_code == 1 and "no person" in result.stderr


def test_people_of_a_long_plan_are_read_in_batches(postgres_url: str) -> None:
    """A whole plan (``--limit 0``) may name more persons than PostgreSQL takes in one query
    (65,535 bound values)."""
    engine = open_store(postgres_url)
    try:
        with engine.begin() as conn:
            fay = RecordRef(RecordType.HUBSPOT_CONTACT, "7")
            save_records(
                conn, [PlatformRecord(fay, "f@x.com", first_name="Fay", created_at=CREATED)]
            )
        resolve_and_save(engine, NOW)
        found = people(engine, range(1, 70_001))
    finally:
        engine.dispose()
    assert list(found.values()) == [("f@x.com", "Fay")]


def test_explain_json_from_a_script_at_debug(stored: str, tmp_path: Path) -> None:
    """As a script runs it: stdout is the one document, whatever is logged goes to stderr."""
    args = ["explain", f"salesforce_lead:{LEAD15}", "--json", "--as-of", NOW.isoformat()]
    done = run_cli(args, tmp_path, REENGAGE_DATABASE_URL=stored, REENGAGE_LOG_LEVEL="DEBUG")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["email"] == "dee@x.com"
    missing = run_cli(["explain", "x@y.z", "--json"], tmp_path, REENGAGE_DATABASE_URL=stored,
                      REENGAGE_LOG_LEVEL="DEBUG")  # fmt: skip
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"]["code"] == "not_found"


def test_names_are_shown_as_the_platform_holds_them(planned: None, stored: str) -> None:
    """A name is platform data: brackets in it are text, not console markup."""
    engine = open_store(stored)
    with engine.begin() as conn:
        conn.execute(
            persons.update().where(persons.c.email == "eve@x.com").values(last_name="[b]Ng")
        )
    engine.dispose()
    shown = runner.invoke(app, ["explain", "eve@x.com", "--as-of", NOW.isoformat()])
    assert shown.stdout.startswith("eve@x.com  Eve [b]Ng  person")
    assert "Eve [b]Ng" in runner.invoke(app, ["plan", "-q"]).stdout
