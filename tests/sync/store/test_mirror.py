"""Connector output lands in the store once, however often a page is read again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from connectors.base import (
    Activity,
    ActivityKind,
    Cursor,
    Deal,
    DealStatus,
    Owner,
    Platform,
    PlatformRecord,
    RecordRef,
    RecordType,
)
from sync.store.migrate import open_store
from sync.store.mirror import (
    load_cursor,
    save_activities,
    save_cursor,
    save_deals,
    save_owners,
    save_records,
)
from sync.store.schema import activities, deal_records, deals, owners, platform_records

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEAD = RecordRef(RecordType.SALESFORCE_LEAD, "00Q000000000001AAA")
CONTACT = RecordRef(RecordType.HUBSPOT_CONTACT, "101")


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()


def _record(ref: RecordRef, **kw: object) -> PlatformRecord:
    base: dict[str, object] = {"email": "Ann@Example.com ", "created_at": T0, "modified_at": T0}
    base.update(kw)
    return PlatformRecord(ref=ref, **base)  # type: ignore[arg-type]


def _activities(n: int) -> list[Activity]:
    return [
        Activity(
            platform=Platform.HUBSPOT,
            activity_id=f"email-event:{i}",
            record=CONTACT,
            kind=ActivityKind.EMAIL_OPEN if i % 2 else ActivityKind.EMAIL_SENT,
            occurred_at=T0 + timedelta(minutes=i),
            detail="November newsletter 資料",
        )
        for i in range(n)
    ]


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_records_upsert_and_update(engine: Engine) -> None:
    with engine.begin() as conn:
        save_records(
            conn, [_record(LEAD, do_not_call=True), _record(CONTACT, merged_ids=("7", "8"))]
        )
        save_records(conn, [_record(LEAD, do_not_call=False, deleted=True)])
    with engine.connect() as conn:
        rows = {r.record_id: r for r in conn.execute(select(platform_records)).all()}
    assert len(rows) == 2
    assert rows[LEAD.record_id].deleted and not rows[LEAD.record_id].do_not_call
    assert rows["101"].merged_ids == "7;8"
    assert rows["101"].created_at == T0


def test_activities_are_idempotent_across_chunks(engine: Engine) -> None:
    items = _activities(4500)  # more than one chunk
    with engine.begin() as conn:
        assert save_activities(conn, items) == 4500
        save_activities(conn, items[:100])  # an overlapping page read again
    assert _count(engine, activities) == 4500
    with engine.connect() as conn:
        first = conn.execute(
            select(activities.c.kind, activities.c.occurred_ms).where(
                activities.c.activity_id == "email-event:1"
            )
        ).one()
    assert first.kind == ActivityKind.EMAIL_OPEN.code
    assert first.occurred_ms == int((T0 + timedelta(minutes=1)).timestamp() * 1000)


def test_deals_replace_their_links(engine: Engine) -> None:
    deal = Deal(
        platform=Platform.SALESFORCE,
        deal_id="006A",
        status=DealStatus.WON,
        amount=12000.0,
        close_date=date(2026, 2, 28),
        created_at=T0 - timedelta(days=60),
        records=(LEAD, LEAD),
    )
    other = RecordRef(RecordType.SALESFORCE_CONTACT, "003B")
    with engine.begin() as conn:
        save_deals(conn, [deal])
        save_deals(conn, [Deal(**{**_fields(deal), "records": (other,), "loss_reason": "Price"})])
    with engine.connect() as conn:
        links = conn.execute(select(deal_records.c.record_id)).scalars().all()
        row = conn.execute(select(deals)).one()
    assert links == ["003B"]
    assert row.loss_reason == "Price"
    assert row.closed_ms == int(datetime(2026, 2, 28, tzinfo=UTC).timestamp() * 1000)


def _fields(deal: Deal) -> dict[str, object]:
    return {name: getattr(deal, name) for name in deal.__dataclass_fields__}


def test_owners_and_cursors(engine: Engine) -> None:
    with engine.begin() as conn:
        save_owners(conn, [Owner(Platform.HUBSPOT, "1", "Ann", "ann@x.com", active=True)])
        save_owners(conn, [Owner(Platform.HUBSPOT, "1", "Ann", "ann@x.com", active=False)])
        save_cursor(
            conn, "salesforce", Cursor("Lead", {"ts": "2026-11-24T18:10:32Z", "id": "00Q1"})
        )
        save_cursor(
            conn, "salesforce", Cursor("Lead", {"ts": "2026-11-25T00:00:00Z", "id": "00Q2"})
        )
    assert _count(engine, owners) == 1
    with engine.connect() as conn:
        assert conn.execute(select(owners.c.active)).scalar_one() is False
        cursor = load_cursor(conn, "salesforce", "Lead")
        assert load_cursor(conn, "salesforce", "Contact") is None
    assert cursor is not None and cursor.value == {"ts": "2026-11-25T00:00:00Z", "id": "00Q2"}
