"""The engine's decisions in the store: the latest state of each person and the history.

* ``person_states``: one row per person, rewritten when a classification changes it
  (``as_of``: the classification that last changed it);
* ``episodes``: every dormancy episode up to T, derived from history each time
  (the engine derives them from the whole timeline, so they never drift) and diffed
  against the stored ones: only episodes that appeared, changed or vanished are written;
* ``transitions``: a row whenever a person's status differs from the last
  stored one, dated when it happened (episode start, reactivation, hand-off)
  rather than when reengage noticed;
* ``segment_memberships``: entered / left rows per segment, for the KPIs.

All writes happen in the caller's transaction, so a crash leaves the previous
classification whole. Only changed rows are written (``DecisionStats.written``): a cycle
in which nobody's classification changed writes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, select, update

from sync.engine import Decisions
from sync.engine.codes import Status
from sync.store.decision_diff import (
    EPISODE_VALUES,
    STATE_VALUES,
    Prior,
    changed_keys,
    episode_columns,
    state_columns,
)
from sync.store.mirror import _chunks, _upsert
from sync.store.schema import episodes, person_states, segment_memberships, transitions
from sync.store.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class DecisionStats:
    persons: int
    transitions: int
    episodes: int
    entered: int
    left: int
    written: int = 0  # rows of states, transitions, episodes and memberships written


def _at(ms: int) -> datetime | None:
    return None if ms < 0 else datetime.fromtimestamp(ms / 1000, UTC)


def _name(names: tuple[str, ...], code: int) -> str | None:
    return names[code] if code >= 0 and names[code] else None


def state_rows(snap: Snapshot, d: Decisions, holdout: np.ndarray[Any, Any]) -> list[dict[str, Any]]:
    """One ``person_states`` row per person (values as the platforms' fields will show them)."""
    return [state_row(snap, d, holdout, i) for i in range(len(snap.person_ids))]


def state_row(
    snap: Snapshot, d: Decisions, holdout: np.ndarray[Any, Any], i: int
) -> dict[str, Any]:
    """Person ``i``'s ``person_states`` row."""
    return {
        "person_id": int(snap.person_ids[i]),
        "as_of": d.as_of,
        "is_customer": bool(d.is_customer[i]),
        "status": _name(d.status_names, int(d.status[i])),
        "segment": _name(d.segment_names, int(d.segment[i])),
        "period_segment": _name(d.segment_names, int(d.period_segment[i])),
        "approach": _name(d.approach_names, int(d.approach[i])),
        "dormant_days": int(d.dormant_days[i]),
        "score": round(float(d.score[i]), 1),
        "quiet_since": _at(int(d.quiet_since_ms[i])),
        "last_engagement_at": _at(int(d.last_engagement_ms[i])),
        "last_touch": _detail(snap, int(d.last_touch[i])),
        "episode_start": _at(int(d.episode_start_ms[i])),
        "holdout": bool(holdout[i]),
    }


def _detail(snap: Snapshot, index: int) -> str | None:
    return snap.input.details[index] if index >= 0 else None


def _changed_at(d: Decisions, i: int) -> datetime:
    """When person ``i`` entered their current status."""
    status = int(d.status[i])
    ms = {
        Status.DORMANT: d.episode_start_ms[i],
        Status.SUNSET: d.episode_start_ms[i],
        Status.REACTIVATED: d.reactivated_ms[i],
        Status.HANDED_OFF: d.handed_off_ms[i],
    }.get(Status(status), -1)
    return _at(int(ms)) or d.as_of


def save_decisions(
    conn: Connection,
    snap: Snapshot,
    d: Decisions,
    holdout: np.ndarray[Any, Any],
    prior: Prior,
) -> DecisionStats:
    """Stores a classification (see the module docstring); ``prior``: the stored one, read
    as columns before the transaction (:func:`sync.store.decision_diff.read_prior`)."""
    new = state_columns(d, snap.person_ids, snap.input.details, holdout)
    changed, _ = changed_keys(new, prior.states, ["person_id"], STATE_VALUES)
    at = np.searchsorted(snap.person_ids, changed.column("person_id").to_numpy())
    rows = [state_row(snap, d, holdout, int(i)) for i in np.sort(at).tolist()]
    for chunk in _chunks(rows):
        _upsert(conn, person_states, chunk, ["person_id"])
    pids = prior.states.column("person_id").to_pylist()
    before = dict(zip(pids, prior.states.column("status").to_pylist(), strict=True))
    status = new.column("status").to_pylist()
    moves = [
        {"person_id": pid, "at": _changed_at(d, i), "from_status": before.get(pid),
         "to_status": status[i]}
        for i, pid in enumerate(snap.person_ids.tolist())
        if before.get(pid) != status[i] and not (pid not in before and status[i] is None)
    ]  # fmt: skip
    if moves:
        conn.execute(transitions.insert(), moves)
    n_episodes, episodes_written = _save_episodes(conn, snap, d, prior)
    segments = new.column("segment").to_pylist()
    starts = d.episode_start_ms.tolist()
    members = [
        {"person_id": pid, "segment": segments[i], "episode_start": _at(int(starts[i]))}
        for i, pid in enumerate(snap.person_ids.tolist())
    ]
    entered, left = _save_memberships(conn, members, d.as_of)
    written = len(rows) + len(moves) + episodes_written + entered + left
    return DecisionStats(len(status), len(moves), n_episodes, entered, left, written)


def _lists(table: Any, names: list[str]) -> list[list[Any]]:
    return [table.column(c).to_pylist() for c in names]


def _save_episodes(conn: Connection, snap: Snapshot, d: Decisions, prior: Prior) -> tuple[int, int]:
    """Writes the episodes that appeared or changed, deletes the ones that vanished;
    returns (episodes, rows written)."""
    new = episode_columns(d, snap.person_ids)
    keys = ["person_id", "started_at"]
    changed, gone = changed_keys(new, prior.episodes, keys, EPISODE_VALUES)
    ep = d.episodes
    pids = snap.person_ids[ep.person]
    index = {(int(p), int(s)): k for k, (p, s) in enumerate(zip(pids, ep.start_ms, strict=True))}
    rows = [
        {
            "person_id": int(pids[k]),
            "started_at": _at(int(ep.start_ms[k])),
            "ended_at": _at(int(ep.end_ms[k])),
            "outcome": ep.outcome_names[int(ep.outcome[k])],
            "segment": _name(d.segment_names, int(d.segment[ep.person[k]]))
            if ep.end_ms[k] < 0
            else None,
            "reactivated_at": _at(int(ep.reactivated_ms[k])),
            "handed_off_at": _at(int(ep.handed_off_ms[k])),
        }
        for k in sorted(
            index[key] for key in zip(*(changed.column(c).to_pylist() for c in keys), strict=True)
        )
    ]
    e = episodes
    for chunk in _chunks({"id": i} for i in gone.column("id").to_pylist()):
        conn.execute(delete(e).where(e.c.id.in_([c["id"] for c in chunk])))
    for chunk in _chunks(rows):
        _upsert(conn, e, chunk, keys)
    return len(ep.person), gone.num_rows + len(rows)


def _save_memberships(
    conn: Connection, rows: list[dict[str, Any]], as_of: datetime
) -> tuple[int, int]:
    """Closes memberships whose segment changed and opens the new ones."""
    sm = segment_memberships
    open_rows = conn.execute(
        select(sm.c.id, sm.c.person_id, sm.c.segment).where(sm.c.left_at.is_(None))
    ).all()
    current = {r.person_id: (r.id, r.segment) for r in open_rows}
    to_close, to_open = [], []
    for row in rows:
        pid, segment = row["person_id"], row["segment"]
        held = current.get(pid)
        if held is not None and held[1] != segment:
            to_close.append(held[0])
        if segment is not None and (held is None or held[1] != segment):
            entered = row["episode_start"] if held is None and row["episode_start"] else as_of
            to_open.append({"person_id": pid, "segment": segment, "entered_at": entered})
    for chunk in _chunks({"id": i} for i in to_close):
        ids = [c["id"] for c in chunk]
        conn.execute(update(sm).where(sm.c.id.in_(ids)).values(left_at=as_of))
    for chunk in _chunks(to_open):
        conn.execute(sm.insert(), chunk)
    return len(to_open), len(to_close)
