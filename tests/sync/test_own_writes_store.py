"""The store sees no change in a record whose only changes are reengage's own writes.

That is what reengage's writes look like when the next increment reads the record
again: its own fields are not stored, a hand-off value it wrote (a lead status)
is, and the modification stamp (``SystemModstamp``, ``lastmodifieddate``) moved.
The stored ``modified_at`` must not move for that (identity resolution ranks
ambiguous candidates by it); a change someone else made moves it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from connectors.base import PlatformRecord, RecordRef, RecordType
from sync.store.migrate import open_store
from sync.store.mirror import save_records
from sync.store.schema import applied_fields, platform_records

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)
ANN = RecordRef(RecordType.SALESFORCE_LEAD, "00Q000000000001AAA")
BO = RecordRef(RecordType.SALESFORCE_LEAD, "00Q000000000002AAA")
CY = RecordRef(RecordType.SALESFORCE_LEAD, "00Q000000000003AAA")


def _stored(url: str) -> dict[str, tuple[str | None, str | None, datetime | None]]:
    engine = open_store(url)
    t = platform_records.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.record_id, t.email, t.lead_status, t.modified_at)).all()
    engine.dispose()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_own_writes_leave_the_modification_time_as_stored(store_url: str) -> None:
    ann = PlatformRecord(ANN, "ann@example.com", lead_status="Open", score=1.5, modified_at=T0)
    bo = PlatformRecord(BO, "bo@example.com", modified_at=T0)
    cy = PlatformRecord(CY, "cy@example.com", lead_status="Open", modified_at=T0)
    engine = open_store(store_url)
    with engine.begin() as conn:
        save_records(conn, [ann, bo, cy])
        conn.execute(  # reengage handed Cy off: it wrote Status = Working
            applied_fields.insert(),
            [{"record_type": CY.record_type.value, "record_id": CY.record_id,
              "field": "Status", "value": "Working", "applied_at": T0}],
        )  # fmt: skip
    with engine.begin() as conn:  # read again: reengage's fields written on all; Bo renamed
        n = save_records(
            conn,
            [
                replace(ann, modified_at=LATER),
                replace(bo, email="bo@new.example", modified_at=LATER),
                replace(cy, lead_status="Working", modified_at=LATER),
            ],
        )
    engine.dispose()
    assert n == 3
    stored = _stored(store_url)
    assert stored[ANN.record_id] == ("ann@example.com", "Open", T0)
    assert stored[BO.record_id] == ("bo@new.example", None, LATER)
    assert stored[CY.record_id] == ("cy@example.com", "Working", T0)
