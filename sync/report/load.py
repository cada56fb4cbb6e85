"""Reads what the report needs from the store as Arrow columns (``columns.read_arrow``).

Instants become epoch milliseconds (``-1`` for none) whatever the back-end hands
over (PostgreSQL: Arrow timestamps; SQLite: text). SQLite's columnar driver
infers a column's type from its first rows, so a nullable instant or text
column whose first rows are null would be typed wrongly: nullable text is read
through ``coalesce(col, '')`` and each nullable instant by its own query over
the non-null rows, matched back by primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Column, Engine, Table, Text, and_, cast, func, or_, select

from sync.store.columns import read_arrow
from sync.store.schema import (
    activities,
    created_tasks,
    deal_records,
    deals,
    episodes,
    holdout,
    identity_issues,
    operations,
    platform_records,
    segment_memberships,
)

I64 = npt.NDArray[np.int64]
NONE = -1


@dataclass(frozen=True)
class StoreColumns:
    """The store's decision history and outcomes, one numpy column per field.

    ``ep_*``: dormancy episodes; ``sm_*``: segment memberships; ``deal_*``: one
    row per (person, deal) link; ``hold_*``: the holdout; ``task_*``: tasks
    reengage created; ``issues`` and ``parked``: text tables, row dicts.
    """

    ep_person: I64
    ep_start: I64
    ep_end: I64
    ep_react: I64
    ep_handoff: I64
    sm_person: I64
    sm_segment: npt.NDArray[np.str_]
    sm_entered: I64
    sm_left: I64
    deal_person: I64
    deal_id: I64
    deal_won: npt.NDArray[np.bool_]
    deal_created: I64
    deal_closed: I64
    hold_person: I64
    hold_assigned: I64
    task_platform: npt.NDArray[np.str_]
    task_trigger: npt.NDArray[np.str_]
    task_created: I64
    task_done: npt.NDArray[np.bool_]
    issues: list[dict[str, Any]]
    parked: list[dict[str, Any]]


def ms(column: pa.ChunkedArray) -> I64:
    """Instants (Arrow timestamps or SQLite text) as epoch ms; null -> -1."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.timestamp("us"))
    if pa.types.is_null(column.type):
        return np.full(len(column), NONE, np.int64)
    as_int = pc.cast(pc.cast(column, pa.timestamp("us")), pa.int64())
    return np.asarray(pc.fill_null(pc.divide(as_int, 1000), NONE).to_numpy(), dtype=np.int64)


def _ints(column: pa.ChunkedArray) -> I64:
    if pa.types.is_null(column.type):
        return np.full(len(column), NONE, np.int64)
    return np.asarray(pc.fill_null(pc.cast(column, pa.int64()), NONE).to_numpy(), np.int64)


def _texts(column: pa.ChunkedArray) -> npt.NDArray[np.str_]:
    return np.array([v or "" for v in column.to_pylist()], dtype=str)


def _nullable_instant(engine: Engine, table: Table, col: Column[Any], ids: I64) -> I64:
    """``col`` aligned on the sorted primary keys ``ids``; -1 where null."""
    key = table.c.id
    got = read_arrow(engine, select(key, col).where(col.is_not(None)).order_by(key))
    out = np.full(len(ids), NONE, np.int64)
    if got.num_rows:
        at = np.searchsorted(ids, _ints(got.column(0)))
        out[at] = ms(got.column(1))
    return out


def _episodes(engine: Engine) -> dict[str, Any]:
    e = episodes
    main = read_arrow(engine, select(e.c.id, e.c.person_id, e.c.started_at).order_by(e.c.id))
    ids = _ints(main.column("id"))
    return {
        "ep_person": _ints(main.column("person_id")),
        "ep_start": ms(main.column("started_at")),
        "ep_end": _nullable_instant(engine, e, e.c.ended_at, ids),
        "ep_react": _nullable_instant(engine, e, e.c.reactivated_at, ids),
        "ep_handoff": _nullable_instant(engine, e, e.c.handed_off_at, ids),
    }


def _memberships(engine: Engine) -> dict[str, Any]:
    sm = segment_memberships
    main = read_arrow(
        engine, select(sm.c.id, sm.c.person_id, sm.c.segment, sm.c.entered_at).order_by(sm.c.id)
    )
    ids = _ints(main.column("id"))
    return {
        "sm_person": _ints(main.column("person_id")),
        "sm_segment": _texts(main.column("segment")),
        "sm_entered": ms(main.column("entered_at")),
        "sm_left": _nullable_instant(engine, sm, sm.c.left_at, ids),
    }


def _deals(engine: Engine) -> dict[str, Any]:
    d, link, r = deals, deal_records, platform_records
    query = (
        select(r.c.person_id, d.c.id, d.c.status, d.c.created_ms, d.c.closed_ms)
        .distinct()
        .join(link, link.c.deal_pk == d.c.id)
        .join(r, and_(r.c.record_type == link.c.record_type, r.c.record_id == link.c.record_id))
        .where(d.c.deleted.is_(False), r.c.person_id.is_not(None))
    )
    got = read_arrow(engine, select(query.subquery()))
    return {
        "deal_person": _ints(got.column("person_id")),
        "deal_id": _ints(got.column("id")),
        "deal_won": np.array([s == "won" for s in got.column("status").to_pylist()], bool),
        "deal_created": _ints(got.column("created_ms")),
        "deal_closed": _ints(got.column("closed_ms")),
    }


def _small(engine: Engine) -> dict[str, Any]:
    hold = read_arrow(engine, select(holdout.c.person_id, holdout.c.assigned_at))
    t = created_tasks
    # call tasks only: the created set also holds alert and hand-off keys (no platform task)
    is_task = t.c.trigger.in_(TASK_TRIGGERS) & (t.c.platform != "-")
    tasks = read_arrow(
        engine, select(t.c.platform, t.c.trigger, t.c.created_at, _text(t.c.task_id)).where(is_task)
    )
    return {
        "hold_person": _ints(hold.column("person_id")),
        "hold_assigned": ms(hold.column("assigned_at")),
        "task_platform": _texts(tasks.column("platform")),
        "task_trigger": _texts(tasks.column("trigger")),
        "task_created": ms(tasks.column("created_at")),
        "task_done": _completed(engine, _texts(tasks.column("task_id"))),
    }


TASK_TRIGGERS = ("segment", "reactivation")


def _completed(engine: Engine, task_ids: npt.NDArray[np.str_]) -> npt.NDArray[np.bool_]:
    """Which created tasks the platforms report closed: a closed task is read back as an
    activity (Salesforce ``task:<Id>``, HubSpot ``tasks:<id>:<contact>``)."""
    if not len(task_ids):
        return np.zeros(0, dtype=bool)
    a = activities
    closed = read_arrow(
        engine,
        select(a.c.activity_id).where(
            or_(a.c.activity_id.like("task:%"), a.c.activity_id.like("tasks:%"))
        ),
    )
    done = {str(aid).split(":")[1] for aid in closed.column("activity_id").to_pylist()}
    return np.array([tid in done for tid in task_ids.tolist()], dtype=bool)


def _text(col: Column[Any]) -> Any:
    return func.coalesce(cast(col, Text), "").label(col.name)


def _issues(engine: Engine) -> list[dict[str, Any]]:
    i = identity_issues
    query = select(
        i.c.id, i.c.kind, _text(i.c.email), _text(i.c.records), _text(i.c.chosen),
        _text(i.c.detail), i.c.detected_at,
    ).order_by(i.c.detected_at.desc(), i.c.id)  # fmt: skip
    return _rows(read_arrow(engine, query), "detected_at")


def _parked(engine: Engine) -> list[dict[str, Any]]:
    o = operations
    query = (
        select(
            o.c.id,
            o.c.platform,
            o.c.op,
            _text(o.c.record_type),
            _text(o.c.record_id),
            _text(o.c.target),
            func.coalesce(o.c.person_id, NONE).label("person_id"),
            o.c.attempts,
            _text(o.c.error_code),
            _text(o.c.error_message),
            o.c.updated_at,
        )
        .where(o.c.status == "parked")
        .order_by(o.c.updated_at, o.c.id)
    )
    return _rows(read_arrow(engine, query), "updated_at")


def _rows(table: pa.Table, instant: str) -> list[dict[str, Any]]:
    """Arrow rows as dicts, with ``instant`` as epoch ms (uniform across back-ends)."""
    stamps = ms(table.column(instant)).tolist()
    rows: list[dict[str, Any]] = table.drop_columns([instant]).to_pylist()
    for row, at in zip(rows, stamps, strict=True):
        row[instant] = at
    return rows


def load_columns(engine: Engine) -> StoreColumns:
    """Reads everything the report computes from, in a handful of columnar queries."""
    return StoreColumns(
        **_episodes(engine),
        **_memberships(engine),
        **_deals(engine),
        **_small(engine),
        issues=_issues(engine),
        parked=_parked(engine),
    )
