"""Identity in the store: persons, record links, merged-away aliases and ambiguities."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from connectors.base import (
    Activity,
    ActivityKind,
    Platform,
    PlatformRecord,
    RecordRef,
    RecordType,
)
from sync.store.migrate import open_store
from sync.store.mirror import save_activities, save_records
from sync.store.persons import load_records, resolve_and_save
from sync.store.schema import identity_issues, persons, platform_records

T0 = datetime(2025, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)
HS = RecordType.HUBSPOT_CONTACT
LEAD = RecordType.SALESFORCE_LEAD


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()


def rec(rtype: RecordType, rid: str, email: str | None, **kw: object) -> PlatformRecord:
    return PlatformRecord(ref=RecordRef(rtype, rid), email=email, created_at=T0, **kw)  # type: ignore[arg-type]


def world() -> list[PlatformRecord]:
    return [
        rec(HS, "1", "ann@x.com", sf_lead_id="00QA", merged_ids=("9",), email_opt_out=True),
        rec(LEAD, "00QA", "ANN@x.com ", do_not_call=True, owner_id="005U"),
        rec(HS, "2", "bob@x.com"),
        rec(LEAD, "00QB", "shared@x.com"),
        rec(LEAD, "00QC", "shared@x.com"),
        rec(HS, "3", "shared@x.com"),
        rec(HS, "4", "gone@x.com", deleted=True),
    ]


def _links(engine: Engine) -> dict[str, int | None]:
    with engine.connect() as conn:
        rows = conn.execute(select(platform_records.c.record_id, platform_records.c.person_id))
        return dict(rows.all())


def test_resolve_and_save(engine: Engine) -> None:
    with engine.begin() as conn:
        save_records(conn, world())
        old = RecordRef(HS, "9")
        save_activities(
            conn,
            [
                Activity(
                    Platform.HUBSPOT, "e1", old, ActivityKind.EMAIL_CLICK, T0 + timedelta(days=3)
                )
            ],
        )
    stats = resolve_and_save(engine, NOW)
    assert stats.persons == 4  # ann (HS 1 + lead A), bob, shared lead B, shared lead C
    assert stats.aliases == 1 and stats.ambiguities == 1
    links = _links(engine)
    assert links["1"] == links["00QA"] == links["9"]  # the merged-away id joins the survivor
    assert links["4"] is None  # deleted records make no person
    assert links["3"] in (links["00QB"], links["00QC"]) and links["00QB"] != links["00QC"]
    with engine.connect() as conn:
        ann = conn.execute(select(persons).where(persons.c.id == links["1"])).one()
        issue = conn.execute(select(identity_issues)).one()
    assert ann.email == "ann@x.com" and ann.email_opt_out and ann.do_not_call
    assert ann.salesforce_owner_id == "005U"
    assert issue.kind == "shared_email" and issue.email == "shared@x.com"
    # the placeholder for the merged-away id is not read back as a record
    assert {r.ref.record_id for r in load_records(engine)} == {r.ref.record_id for r in world()}


def test_rerun_is_stable_and_deleted_persons_leave(engine: Engine) -> None:
    with engine.begin() as conn:
        save_records(conn, world())
    resolve_and_save(engine, NOW)
    before = _links(engine)
    resolve_and_save(engine, NOW)
    assert _links(engine) == before
    with engine.begin() as conn:
        save_records(conn, [rec(HS, "2", "bob@x.com", deleted=True)])
    stats = resolve_and_save(engine, NOW)
    assert stats.removed == 1 and stats.persons == 3
    with engine.connect() as conn:
        keys = set(conn.execute(select(persons.c.person_key)).scalars())
    assert "hubspot_contact:2" not in keys
    assert _links(engine)["1"] == before["1"]  # other persons keep their ids


def test_stamps_of_reengage_writes_do_not_move_a_shared_email(engine: Engine) -> None:
    """Two live leads share an email; the HubSpot contact joined one. Reengage then writes
    its fields to the other one, and the next read brings it back with a newer stamp."""
    later = T0 + timedelta(hours=1)
    with engine.begin() as conn:
        save_records(
            conn,
            [
                rec(LEAD, "00QB", "shared@x.com", modified_at=T0),
                PlatformRecord(
                    ref=RecordRef(LEAD, "00QC"),
                    email="shared@x.com",
                    created_at=later,
                    modified_at=later,
                ),
                rec(HS, "3", "shared@x.com"),
            ],
        )
    resolve_and_save(engine, NOW)
    before = _links(engine)
    assert before["3"] == before["00QC"]
    with engine.begin() as conn:
        stamped = NOW + timedelta(minutes=5)
        save_records(conn, [rec(LEAD, "00QB", "shared@x.com", modified_at=stamped)])
    resolve_and_save(engine, NOW + timedelta(minutes=10))
    assert _links(engine) == before


def _person_of(engine: Engine, record_id: str) -> tuple[int, str]:
    query = (
        select(persons.c.id, persons.c.person_key)
        .join(platform_records, platform_records.c.person_id == persons.c.id)
        .where(platform_records.c.record_id == record_id)
    )
    with engine.connect() as conn:
        pid, key = conn.execute(query).one()
    return int(pid), str(key)


def test_a_person_keeps_its_key_when_its_identity_changes(engine: Engine) -> None:
    """A lead converted to a new contact, a HubSpot contact linked to a new lead: one person
    each before and after, under the same key and store id (tasks and alerts hash the key)."""
    later = T0 + timedelta(days=30)
    with engine.begin() as conn:
        save_records(conn, [rec(LEAD, "00QA", "ann@x.com"), rec(HS, "2", "bob@x.com")])
    resolve_and_save(engine, NOW)
    ann, bob = _person_of(engine, "00QA"), _person_of(engine, "2")
    with engine.begin() as conn:
        save_records(
            conn,
            [
                rec(LEAD, "00QA", "ann@x.com", converted_contact_id="003A"),
                PlatformRecord(
                    RecordRef(RecordType.SALESFORCE_CONTACT, "003A"), "ann@x.com", created_at=later
                ),
                rec(HS, "2", "bob@x.com", sf_lead_id="00QZ"),
                PlatformRecord(RecordRef(LEAD, "00QZ"), "bob@x.com", created_at=later),
            ],
        )
    resolve_and_save(engine, NOW + timedelta(days=1))
    assert _person_of(engine, "003A") == _person_of(engine, "00QA") == ann
    assert _person_of(engine, "00QZ") == _person_of(engine, "2") == bob


def test_a_restored_record_takes_back_its_key(engine: Engine) -> None:
    """Records deleted, then one restored (Salesforce's recycle bin, HubSpot's restore): the
    person comes back under its key, and the other record's deletion does not move it."""
    with engine.begin() as conn:
        save_records(conn, [rec(LEAD, "00QA", "ann@x.com"), rec(HS, "2", "ann@x.com")])
    resolve_and_save(engine, NOW)
    ann = _person_of(engine, "00QA")[1]
    with engine.begin() as conn:
        save_records(conn, [rec(LEAD, "00QA", "ann@x.com", deleted=True)])
    resolve_and_save(engine, NOW + timedelta(days=1))
    assert _person_of(engine, "2")[1] == ann  # the HubSpot contact keeps the person's key
    with engine.begin() as conn:
        save_records(conn, [rec(HS, "2", "ann@x.com", deleted=True)])
    resolve_and_save(engine, NOW + timedelta(days=2))
    with engine.begin() as conn:
        save_records(conn, [rec(HS, "2", "ann@x.com")])
    resolve_and_save(engine, NOW + timedelta(days=3))
    assert _person_of(engine, "2")[1] == ann
