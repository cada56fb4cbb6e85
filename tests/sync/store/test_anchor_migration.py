"""Migration 0005 seeds person anchors from the keys a store already holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import select

from connectors.base import PlatformRecord, RecordRef, RecordType
from sync.store import migrate
from sync.store.migrate import open_store, upgrade_store
from sync.store.mirror import save_records
from sync.store.persons import resolve_and_save
from sync.store.schema import person_anchors, persons, platform_records

T0 = datetime(2025, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)
LEAD, CONTACT = RecordType.SALESFORCE_LEAD, RecordType.SALESFORCE_CONTACT


def test_an_upgraded_store_keeps_its_person_keys_through_a_conversion(store_url: str) -> None:
    engine = migrate.make_engine(store_url)
    cfg = migrate._config()
    with engine.begin() as conn:  # a store as the previous reengage leaves it
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        pid = conn.execute(
            persons.insert().values(person_key="salesforce_lead:00QA", updated_at=NOW)
        ).inserted_primary_key[0]
        conn.execute(
            platform_records.insert().values(
                record_type=LEAD.value, record_id="00QA", email="ann@x.com", person_id=pid,
                created_at=T0,
            )
        )  # fmt: skip
    engine.dispose()
    upgrade_store(store_url)  # `reengage db upgrade`: the only path that migrates
    engine = open_store(store_url)
    try:
        with engine.connect() as conn:
            seeded = conn.execute(select(person_anchors.c.record_id, person_anchors.c.anchor))
            assert seeded.all() == [("00QA", "salesforce_lead:00QA")]
        with engine.begin() as conn:
            save_records(
                conn,
                [
                    PlatformRecord(RecordRef(LEAD, "00QA"), "ann@x.com", created_at=T0,
                                   converted_contact_id="0031"),
                    PlatformRecord(RecordRef(CONTACT, "0031"), "ann@x.com",
                                   created_at=T0 + timedelta(days=3)),
                ],
            )  # fmt: skip
        resolve_and_save(engine, NOW)
        with engine.connect() as conn:
            rows = conn.execute(select(persons.c.id, persons.c.person_key)).all()
        assert [tuple(r) for r in rows] == [(pid, "salesforce_lead:00QA")]
    finally:
        engine.dispose()
