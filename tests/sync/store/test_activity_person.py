"""Activities carry their person's id: the snapshot reads them with no text join and finds
the same rows the join on (record_type, record_id) finds, through merges, conversions,
rows read since the last resolution, and a store upgraded from before the column."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select

from connectors.base import Activity, ActivityKind, Platform, PlatformRecord, RecordRef
from sync.store import migrate
from sync.store.columns import read_arrow
from sync.store.migrate import open_store, upgrade_store
from sync.store.mirror import save_activities, save_records
from sync.store.people import read_people
from sync.store.persons import resolve_and_save
from sync.store.schema import activities, persons
from sync.store.snapshot import _activities, _activity_query, _linked
from tests.sync.store.worlds import CONTACT, CREATED, HS, LEAD, NOW, ago, store_world


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()


def _rows(table: Any) -> list[tuple[Any, ...]]:
    cols = ["person_id", "platform", "kind", "occurred_ms", "detail", "is_mirror"]
    return sorted(tuple(r.values()) for r in table.select(cols).to_pylist())


def _by_join(engine: Engine) -> list[tuple[Any, ...]]:
    """The rows as the text join on (record_type, record_id) finds them."""
    return _rows(read_arrow(engine, select(_activity_query().subquery())))


def _read(engine: Engine) -> list[tuple[Any, ...]]:
    return _rows(_activities(engine, read_people(engine)))


def _click(aid: str, ref: RecordRef, days: float) -> Activity:
    platform = Platform.HUBSPOT if ref.record_type is HS else Platform.SALESFORCE
    return Activity(platform, aid, ref, ActivityKind.EMAIL_CLICK, ago(days), f"click {aid}")


def _save(engine: Engine, records: list[PlatformRecord], acts: list[Activity]) -> None:
    with engine.begin() as conn:
        save_records(conn, records)
        save_activities(conn, acts)


def test_the_kept_ids_find_what_the_join_finds(engine: Engine) -> None:
    store_world(engine)  # a link, a merged-away id, an address-only event, a mirror
    dan, fay, eve = RecordRef(HS, "9"), RecordRef(LEAD, "00QF"), RecordRef(CONTACT, "003E")
    _save(
        engine,
        [PlatformRecord(dan, "dan@x.com", created_at=CREATED),
         PlatformRecord(fay, "fay@x.com", created_at=CREATED),
         PlatformRecord(eve, "eve@x.com", created_at=CREATED)],
        [_click("d1", dan, 40), _click("f1", fay, 30), _click("e1", eve, 20)],
    )  # fmt: skip
    resolve_and_save(engine, NOW)
    assert _read(engine) == _by_join(engine)
    linked = select(activities.c.person_id).where(activities.c.activity_id == "f1")
    with engine.connect() as conn:
        fay_person = conn.execute(linked).scalar_one()
    assert fay_person is not None
    # Fay's lead converted into Eve's contact; Dan merged into a new contact; rows read
    dan2, gus = RecordRef(HS, "10"), RecordRef(CONTACT, "003G")
    _save(
        engine,
        [PlatformRecord(fay, "fay@x.com", created_at=CREATED, converted_contact_id="003E"),
         PlatformRecord(dan2, "dan@y.com", created_at=CREATED + timedelta(days=1),
                        merged_ids=("9",)),
         PlatformRecord(dan, "dan@x.com", created_at=CREATED, deleted=True),
         PlatformRecord(gus, "gus@x.com", created_at=CREATED)],
        # ...and Eve's click read again under the new contact (re-associated)
        [_click("d2", dan, 5), _click("f2", fay, 4), _click("n2", dan2, 3),
         _click("e1", gus, 20)],
    )  # fmt: skip
    assert _read(engine) == _by_join(engine)  # before identity: the new rows by their record
    resolve_and_save(engine, NOW)
    got = _read(engine)
    assert got == _by_join(engine)
    with engine.connect() as conn:
        eve_person = conn.execute(select(persons.c.id).where(persons.c.email == "eve@x.com"))
        eve_id = eve_person.scalar_one()
        moved = conn.execute(linked).scalar_one()
    assert moved == eve_id != fay_person  # Fay's click now Eve's, on the row itself
    assert sorted(r[4] for r in got if r[0] == eve_id) == ["click f1", "click f2"]


def test_an_upgraded_store_takes_its_activities_persons(store_url: str) -> None:
    """A store written before 0009 (here: taken back to 0008, which drops the column) gets
    each activity's person from its record on `reengage db upgrade`."""
    engine = open_store(store_url)
    store_world(engine)
    want = _by_join(engine)
    engine.dispose()
    engine = migrate.make_engine(store_url)
    with engine.begin() as conn:
        cfg = migrate._config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    engine.dispose()
    upgrade_store(store_url)
    engine = open_store(store_url)
    try:
        with engine.connect() as conn:
            unset = select(activities.c.activity_id).where(
                activities.c.person_id.is_(None), activities.c.record_type != "email_address"
            )
            assert conn.execute(unset).all() == []
        assert _read(engine) == want
        linked = read_arrow(engine, _linked())
        assert linked.num_rows == len(want) - 1  # all but the address-only event
    finally:
        engine.dispose()
