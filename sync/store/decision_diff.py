"""Which decision rows changed: this classification against the stored one, as columns.

The stored ``person_states`` and ``episodes`` are read once as Arrow columns (instants as
epoch milliseconds, -1 for none) and joined to this classification's columns on their
keys; only the rows that differ become Python rows to write (:mod:`sync.store.decisions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, select

from sync.engine import Decisions
from sync.store.columns import read_arrow
from sync.store.people import ms_of
from sync.store.schema import episodes, person_states

STATE_TIMES = ("quiet_since", "last_engagement_at", "episode_start")
STATE_VALUES = ("is_customer", "status", "segment", "period_segment", "approach",
                "dormant_days", "score", "last_touch", "holdout", *STATE_TIMES)  # fmt: skip
EPISODE_TIMES = ("ended_at", "reactivated_at", "handed_off_at")
EPISODE_VALUES = ("outcome", "segment", *EPISODE_TIMES)


@dataclass(frozen=True)
class Prior:
    """The stored classification: ``person_states`` and ``episodes`` as columns."""

    states: pa.Table
    episodes: pa.Table


def _queries() -> tuple[Any, Any]:
    s, e = person_states, episodes
    return (
        select(s.c.person_id, *(s.c[c] for c in STATE_VALUES)),
        select(e.c.id, e.c.person_id, e.c.started_at, *(e.c[c] for c in EPISODE_VALUES)),
    )


def _times_as_ms(table: pa.Table, names: tuple[str, ...]) -> pa.Table:
    for name in names:
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pa.array(ms_of(table.column(name))))
    return table


def _prior(states: pa.Table, eps: pa.Table) -> Prior:
    return Prior(
        _times_as_ms(states, STATE_TIMES),
        _times_as_ms(eps, ("started_at", *EPISODE_TIMES)),
    )


def read_prior(engine: Engine) -> Prior:
    """The stored classification, read as columns outside any write transaction."""
    states, eps = _queries()
    return _prior(read_arrow(engine, states), read_arrow(engine, eps))


def _same(new: pa.ChunkedArray, old: pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    """Element-wise equality with null equal to null."""
    if old.type != new.type and old.null_count < len(old):
        old = old.cast(new.type)
    elif old.type != new.type:
        old = pa.nulls(len(old), new.type)
    eq = pc.fill_null(pc.equal(new, old), False)
    both_null = pc.and_(pc.is_null(new), pc.is_null(old))
    return np.asarray(pc.or_(eq, both_null).to_numpy(zero_copy_only=False), dtype=bool)


def changed_keys(new: pa.Table, old: pa.Table, keys: list[str], values: tuple[str, ...]) -> Any:
    """The rows of ``new`` (by ``keys``) absent from ``old`` or differing in ``values``, and
    the rows of ``old`` absent from ``new``: (new keys table, old-only table)."""
    for key in keys:  # an empty table read row by row has untyped (null) columns
        i = old.schema.get_field_index(key)
        old = old.set_column(i, key, old.column(key).cast(new.schema.field(key).type))
    old = old.rename_columns([c if c in keys else f"{c}__old" for c in old.column_names])
    marker = pa.array(np.ones(len(old), bool))
    joined = new.join(old.append_column("__stored", marker), keys, join_type="left outer")
    same = np.asarray(
        pc.fill_null(joined.column("__stored"), False).to_numpy(zero_copy_only=False), bool
    )
    for name in values:
        same &= _same(joined.column(name), joined.column(f"{name}__old"))
    changed = joined.select(keys).filter(pa.array(~same))
    new_keys = new.select(keys).append_column("__new", pa.array(np.ones(len(new), bool)))
    gone = old.join(new_keys, keys, join_type="left outer")
    gone = gone.filter(pc.is_null(gone.column("__new"))).drop_columns(["__new"])
    return changed, gone.rename_columns([c.removesuffix("__old") for c in gone.column_names])


def state_columns(
    d: Decisions, person_ids: npt.NDArray[np.int64], details: Sequence[str], holdout: Any
) -> pa.Table:
    """This classification's ``person_states`` values as columns (instants in ms)."""

    def names(table: tuple[str, ...], codes: npt.NDArray[Any]) -> pa.Array:
        return pa.array([table[c] if c >= 0 and table[c] else None for c in codes.tolist()],
                        pa.string())  # fmt: skip

    return pa.table(
        {
            "person_id": pa.array(person_ids, pa.int64()),
            "is_customer": pa.array(np.asarray(d.is_customer, bool)),
            "status": names(d.status_names, d.status),
            "segment": names(d.segment_names, d.segment),
            "period_segment": names(d.segment_names, d.period_segment),
            "approach": names(d.approach_names, d.approach),
            "dormant_days": pa.array(np.asarray(d.dormant_days, np.int64)),
            "score": pa.array([round(float(x), 1) for x in d.score.tolist()], pa.float64()),
            "last_touch": names(tuple(details), d.last_touch),
            "holdout": pa.array(np.asarray(holdout, bool)),
            "quiet_since": pa.array(np.asarray(d.quiet_since_ms, np.int64)),
            "last_engagement_at": pa.array(np.asarray(d.last_engagement_ms, np.int64)),
            "episode_start": pa.array(np.asarray(d.episode_start_ms, np.int64)),
        }
    )


def episode_columns(d: Decisions, person_ids: npt.NDArray[np.int64]) -> pa.Table:
    """This classification's episodes as columns (instants in ms)."""
    ep = d.episodes
    segment = [
        d.segment_names[s] if end < 0 and s >= 0 and d.segment_names[s] else None
        for s, end in zip(d.segment[ep.person].tolist(), ep.end_ms.tolist(), strict=True)
    ]
    return pa.table(
        {
            "person_id": pa.array(person_ids[ep.person], pa.int64()),
            "started_at": pa.array(np.asarray(ep.start_ms, np.int64)),
            "outcome": pa.array([ep.outcome_names[o] for o in ep.outcome.tolist()], pa.string()),
            "segment": pa.array(segment, pa.string()),
            "ended_at": pa.array(np.asarray(ep.end_ms, np.int64)),
            "reactivated_at": pa.array(np.asarray(ep.reactivated_ms, np.int64)),
            "handed_off_at": pa.array(np.asarray(ep.handed_off_ms, np.int64)),
        }
    )
