"""A synthetic store at N persons / M activities, written as columns (ADBC ingest).

The world, by person index ``i`` (deterministic, so the increment can name records):

* each person has one primary record: a HubSpot contact for even ``i``, a Salesforce
  lead for odd ``i``; every tenth person also has a Salesforce lead with the same
  email (identity merges the two);
* M activities over two years, spread over persons at random, on the platform of the
  record they are logged on, with a random kind and one of 500 details (or none);
* one deal for every seventh person (open, won or lost), and 20 active owners per
  platform owning the records.

Rows go in through ADBC bulk ingest (``COPY`` on PostgreSQL), a chunk of columns at
a time: the fill is setup, not what is measured. ``persons`` stays empty: the first
cycle's identity step creates it, as after a backfill.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import make_url

from connectors.base import ActivityKind
from sync.store.columns import _adbc_connect
from sync.store.migrate import open_store

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
DAY_MS = 86_400_000
CHUNK = 2_000_000
OWNERS = 20
KINDS = np.array([k.code for k in ActivityKind], dtype=np.int16)
CLICK = ActivityKind.EMAIL_CLICK.code


def _ids(prefix: str, numbers: npt.NDArray[np.int64], width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(numbers), pa.string())
    if width:
        text = pc.utf8_lpad(text, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def lead_ids(index: npt.NDArray[np.int64]) -> pa.Array:
    return _ids("00Q", index, 15)


def contact_ids(index: npt.NDArray[np.int64]) -> pa.Array:
    return _ids("", index + 1_000_000_001)


def primary_records(index: npt.NDArray[np.int64]) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(platform, record_type, record_id) of each person's primary record."""
    hubspot = index % 2 == 0
    rid = pc.if_else(pa.array(hubspot), contact_ids(index), lead_ids(index))
    rtype = pa.array(np.where(hubspot, "hubspot_contact", "salesforce_lead"))
    return pa.array(np.where(hubspot, "hubspot", "salesforce")), rtype, rid


class Writer:
    """Ingests Arrow tables into an existing store table (SQLite or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = make_url(url).get_backend_name() == "sqlite"
        self.conn = _adbc_connect(url)

    def instants(self, ms: npt.NDArray[np.int64]) -> pa.Array:
        """Epoch ms as the store keeps instants: SQLite text, PostgreSQL timestamptz."""
        stamps = pa.array(ms * 1000, pa.timestamp("us", tz="UTC"))
        if not self.sqlite:
            return stamps
        return pc.strftime(pc.cast(stamps, pa.timestamp("s", tz="UTC")), "%Y-%m-%d %H:%M:%S.000000")

    def ingest(self, table: str, data: dict[str, Any]) -> None:
        cur = self.conn.cursor()
        try:
            cur.adbc_ingest(table, pa.table(data), mode="append")
        finally:
            cur.close()
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def _records(w: Writer, n: int, rng: np.random.Generator) -> None:
    index = np.arange(n, dtype=np.int64)
    _, rtype, rid = primary_records(index)
    both = index[index % 10 == 0]
    rtype = pa.concat_arrays([rtype, pa.array(["salesforce_lead"] * len(both))])
    rid = pa.concat_arrays([rid, lead_ids(both)])
    person = np.concatenate([index, both])
    rows = len(person)
    owner = np.where(np.asarray(pc.starts_with(rtype, "hubspot")), "ho", "so")
    w.ingest("platform_records", {
        "record_type": rtype, "record_id": rid,
        "email": pc.binary_join_element_wise(_ids("p", person), "@example.com", ""),
        "first_name": pa.array(["Pat"] * rows), "last_name": _ids("L", person),
        "company": _ids("Co", person % 5000),
        "owner_id": pc.binary_join_element_wise(
            pa.array(owner), pc.cast(pa.array(rng.integers(0, OWNERS, rows)), pa.string()), ""),
        "created_at": w.instants(NOW_MS - rng.integers(30, 900, rows) * DAY_MS),
        "modified_at": w.instants(np.full(rows, NOW_MS - DAY_MS)),
        "email_opt_out": pa.array(rng.random(rows) < 0.02),
        "hard_bounce": pa.array(rng.random(rows) < 0.01),
        "do_not_call": pa.array(rng.random(rows) < 0.02),
        "score": pa.array(np.where(rng.random(rows) < 0.3, rng.uniform(0, 100, rows), np.nan),
                          from_pandas=True),
        "deleted": pa.array(np.zeros(rows, bool)),
    })  # fmt: skip


def _owners(w: Writer) -> None:
    ids = [f"{p}{k}" for p in ("ho", "so") for k in range(OWNERS)]
    w.ingest("owners", {
        "platform": pa.array(["hubspot" if i.startswith("ho") else "salesforce" for i in ids]),
        "owner_id": pa.array(ids), "name": pa.array([f"Owner {i}" for i in ids]),
        "email": pa.array([f"{i}@example.com" for i in ids]),
        "active": pa.array([True] * len(ids)),
    })  # fmt: skip


def activity_columns(
    w: Writer, person: npt.NDArray[np.int64], kind: npt.NDArray[np.int16],
    at_ms: npt.NDArray[np.int64], first_id: int, rng: np.random.Generator,
) -> dict[str, Any]:  # fmt: skip
    """Activity rows for ``person`` (world indexes), logged on each one's primary record
    (every other one on the second record of a person who has two)."""
    platform, rtype, rid = primary_records(person)
    second = (person % 10 == 0) & (np.arange(len(person)) % 2 == 1)
    if second.any():
        mask = pa.array(second)
        platform = pc.if_else(mask, "salesforce", platform)
        rtype = pc.if_else(mask, "salesforce_lead", rtype)
        rid = pc.if_else(mask, lead_ids(person), rid)
    detail = rng.integers(-1, 500, len(person))
    return {
        "platform": platform, "activity_id": _ids("a", np.arange(first_id, first_id + len(person))),
        "record_type": rtype, "record_id": rid, "kind": pa.array(kind, pa.int16()),
        "occurred_ms": pa.array(at_ms, pa.int64()),
        "detail": pc.if_else(pa.array(detail < 0), pa.scalar(None, pa.string()),
                             _ids("asset ", detail)),
        "is_mirror": pa.array(np.zeros(len(person), bool)),
        "deleted": pa.array(np.zeros(len(person), bool)),
    }  # fmt: skip


def _activities(w: Writer, n: int, m: int, rng: np.random.Generator) -> None:
    for start in range(0, m, CHUNK):
        size = min(CHUNK, m - start)
        person = rng.integers(0, n, size)
        kind = KINDS[rng.integers(0, len(KINDS), size)]
        at_ms = NOW_MS - rng.integers(DAY_MS // 24, 730 * DAY_MS, size)
        w.ingest("activities", activity_columns(w, person, kind, at_ms, start, rng))


def _deals(w: Writer, n: int, rng: np.random.Generator) -> None:
    count = n // 7
    if not count:
        return
    closed = NOW_MS - rng.integers(0, 600 * DAY_MS, count)
    status = np.array(["open", "won", "lost"])[np.arange(count) % 3]
    w.ingest("deals", {
        "platform": pa.array(["salesforce"] * count), "deal_id": _ids("006", np.arange(count), 15),
        "status": pa.array(status), "amount": pa.array(rng.uniform(1_000, 100_000, count)),
        "created_ms": pa.array(closed - 90 * DAY_MS),
        "closed_ms": pa.array(closed, mask=status == "open"),
        "deleted": pa.array(np.zeros(count, bool)),
    })  # fmt: skip
    _, rtype, rid = primary_records(rng.integers(0, n, count))
    w.ingest("deal_records", {
        "deal_pk": pa.array(np.arange(1, count + 1), pa.int32()), "record_type": rtype,
        "record_id": rid,
    })  # fmt: skip


def fill(url: str, persons: int, acts: int, seed: int = 1) -> float:
    """Creates the store at ``url`` and fills it; returns the seconds it took."""
    started = time.perf_counter()
    open_store(url).dispose()
    rng = np.random.default_rng(seed)
    w = Writer(url)
    try:
        _owners(w)
        _records(w, persons, rng)
        _activities(w, persons, acts, rng)
        _deals(w, persons, rng)
    finally:
        w.close()
    return time.perf_counter() - started
