"""One classification of everyone as of T: store -> snapshot -> engine -> holdout -> store.

Pure decisions in between; the store is read once as columns (the persons handed on by
identity, not read again) and written once, in one transaction, only what changed.

The holdout is drawn among persons in an episode and then *kept*: a person
held out stays held out after their episode ends (their reactivation must not
count as treated), as long as the salt is the same. Setting the share to 0
ends the holdout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import Connection, Engine, select

from config.rules import Rules
from sync.engine import Decisions, classify
from sync.holdout import in_holdout
from sync.store.decision_diff import read_prior
from sync.store.decisions import DecisionStats, save_decisions
from sync.store.schema import holdout as holdout_table
from sync.store.snapshot import Snapshot, load_snapshot


@dataclass(frozen=True)
class Classification:
    snapshot: Snapshot
    decisions: Decisions
    holdout: npt.NDArray[np.bool_]
    stats: DecisionStats


def _holdout(conn: Connection, snap: Snapshot, d: Decisions, rules: Rules) -> npt.NDArray[np.bool_]:
    share, salt = rules.holdout.share, rules.holdout.salt
    if share <= 0:
        return np.zeros(len(snap.person_keys), dtype=bool)
    stored = np.fromiter(
        conn.execute(
            select(holdout_table.c.person_id).where(holdout_table.c.salt == salt)
        ).scalars(),
        dtype=np.int64,
    )
    kept = np.isin(snap.person_ids, stored)
    drawn = in_holdout(snap.person_keys, d.in_episode() & ~kept, share, salt)
    new = [
        {"person_id": int(pid), "assigned_at": d.as_of, "salt": salt}
        for pid in snap.person_ids[drawn]
    ]
    if new:
        conn.execute(
            holdout_table.delete().where(
                holdout_table.c.person_id.in_([r["person_id"] for r in new])
            )
        )
        conn.execute(holdout_table.insert(), new)
    held: npt.NDArray[np.bool_] = kept | drawn
    return held


def decide(
    engine: Engine, rules: Rules, as_of: datetime, people: pa.Table | None = None
) -> Classification:
    """Classifies every stored person as of ``as_of`` and stores the result; ``people``: the
    cycle's persons as identity left them (:mod:`sync.store.people`), else read here."""
    snap = load_snapshot(engine, rules, people)
    decisions = classify(snap.input, rules, as_of)
    prior = read_prior(engine)
    with engine.begin() as conn:
        held = _holdout(conn, snap, decisions, rules)
        stats = save_decisions(conn, snap, decisions, held, prior)
    return Classification(snap, decisions, held, stats)
