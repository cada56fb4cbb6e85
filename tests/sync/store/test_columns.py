"""The columnar reader gives each column its declared type on both back-ends."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import insert, select

from sync.store.columns import read_arrow
from sync.store.migrate import open_store
from sync.store.schema import platform_records


def test_declared_types_even_when_the_first_rows_are_null(store_url: str) -> None:
    engine = open_store(store_url)
    rows = [
        {"record_type": "salesforce_lead", "record_id": f"00Q{i}", "deleted": i % 2 == 0,
         "master_record_id": None if i < 2999 else "00Qmaster", "score": None}
        for i in range(3000)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(platform_records), rows)
    query = select(
        platform_records.c.record_id,
        platform_records.c.master_record_id,
        platform_records.c.deleted,
        platform_records.c.score,
    ).order_by(platform_records.c.id)
    table = read_arrow(engine, query)
    engine.dispose()
    assert table.schema.types == [pa.string(), pa.string(), pa.bool_(), pa.float64()]
    assert table.column("master_record_id")[-1].as_py() == "00Qmaster"
    assert table.column("deleted").to_pylist()[:2] == [True, False]
