"""The persons of one cycle as columns: read once, shared by identity, classify and plan.

Identity reads the ``persons`` table once (:func:`read_people`), writes only what changed
and hands on the persons as they now stand (:func:`people_table`); the snapshot and the
planner's input take their persons' columns from that table instead of reading the store
again. A caller that did not run identity (``reengage report``, ``explain``) reads them
with :func:`read_people`.

Columns, one row per person, sorted by ``id``: ``id``, ``person_key``, ``created_ms``
(epoch milliseconds, -1 when unknown), ``hubspot_score`` (null when none), ``email``,
``email_opt_out``, ``hard_bounce``, ``do_not_call``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, select

from sync.store.columns import read_arrow
from sync.store.schema import persons

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("person_key", pa.string()),
        ("created_ms", pa.int64()),
        ("hubspot_score", pa.float64()),
        ("email", pa.string()),
        ("email_opt_out", pa.bool_()),
        ("hard_bounce", pa.bool_()),
        ("do_not_call", pa.bool_()),
    ]
)


def ms_of(column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    """Instants (Arrow timestamps, or SQLite's text) as epoch ms; null -> -1."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.timestamp("us"))
    as_int = pc.cast(pc.cast(column, pa.timestamp("us")), pa.int64())
    return np.asarray(pc.fill_null(pc.divide(as_int, 1000), -1).to_numpy(), dtype=np.int64)


def instant_ms(value: datetime | None) -> int:
    """An aware instant as epoch ms (exact, as :func:`ms_of` reads it back); None -> -1."""
    return -1 if value is None else (value - _EPOCH) // timedelta(milliseconds=1)


def read_people(engine: Engine) -> pa.Table:
    """The stored persons as the cycle's columns (one read of ``persons``)."""
    p = persons
    query = select(
        p.c.id, p.c.person_key, p.c.created_at, p.c.hubspot_score, p.c.email,
        p.c.email_opt_out, p.c.hard_bounce, p.c.do_not_call,
    ).order_by(p.c.id)  # fmt: skip
    table = read_arrow(engine, query)
    return table.set_column(2, "created_ms", pa.array(ms_of(table.column("created_at"))))


def people_table(ids: Sequence[int], rows: Sequence[dict[str, Any]]) -> pa.Table:
    """The persons as they now stand: ``rows`` (``persons`` rows as identity writes them)
    with their store ids, sorted by id."""
    order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
    ordered = [rows[i] for i in order.tolist()]
    columns = {
        "id": np.asarray(ids, dtype=np.int64)[order],
        "person_key": [r["person_key"] for r in ordered],
        "created_ms": np.array([instant_ms(r["created_at"]) for r in ordered], np.int64),
        "hubspot_score": [r["hubspot_score"] for r in ordered],
        "email": [r["email"] for r in ordered],
        "email_opt_out": [bool(r["email_opt_out"]) for r in ordered],
        "hard_bounce": [bool(r["hard_bounce"]) for r in ordered],
        "do_not_call": [bool(r["do_not_call"]) for r in ordered],
    }
    return pa.table(columns, schema=SCHEMA)
