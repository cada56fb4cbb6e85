"""The forgotten table on both back-ends: erase leaves no row of the person, the salt is
made once, and a record with a forgotten email is read but never stored again."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from connectors.base import PlatformRecord, RecordRef, RecordType
from sync.store.forgotten import erase, find_person, forgotten_filter, remember, store_salt
from sync.store.migrate import open_store
from sync.store.mirror import save_records
from sync.store.schema import activities, forgotten, person_states, persons, platform_records

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _record(rid: str, email: str) -> PlatformRecord:
    return PlatformRecord(ref=RecordRef(RecordType.HUBSPOT_CONTACT, rid), email=email)


def test_erase_and_keep_out(store_url: str) -> None:
    engine = open_store(store_url)
    try:
        with engine.begin() as conn:
            save_records(conn, [_record("1", "Ann@Example.com "), _record("2", "bob@example.com")])
            pid = conn.execute(
                persons.insert().values(person_key="k1", email="ann@example.com", updated_at=NOW)
            ).inserted_primary_key[0]
            conn.execute(platform_records.update().where(platform_records.c.record_id == "1")
                         .values(person_id=pid))  # fmt: skip
            conn.execute(activities.insert().values(
                platform="hubspot", activity_id="a1", record_type="hubspot_contact",
                record_id="1", kind=0, occurred_ms=1,
            ))  # fmt: skip
            conn.execute(person_states.insert().values(person_id=pid, as_of=NOW,
                                                       is_customer=False))  # fmt: skip
            assert forgotten_filter(conn) is None
            assert remember(conn, " ANN@example.com") is True
            assert remember(conn, "ann@example.com") is False
            salt = store_salt(conn)
            erase(conn, find_person(conn, "ann@example.com"), "ann@example.com")
        with engine.begin() as conn:
            assert store_salt(conn) == salt
            assert conn.execute(select(func.count()).select_from(forgotten)).scalar() == 1
            left = conn.execute(select(platform_records.c.record_id)).scalars().all()
            assert left == ["2"]
            for table in (persons, activities, person_states):
                assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
            save_records(conn, [_record("1", "ann@example.com"), _record("3", "cy@example.com")])
            left = sorted(conn.execute(select(platform_records.c.record_id)).scalars())
            assert left == ["2", "3"]
    finally:
        engine.dispose()
