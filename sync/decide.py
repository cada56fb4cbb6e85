"""One classification of everyone as of T: store -> snapshot -> engine -> holdout -> store.

Pure decisions in between; the store is read once as columns and written once,
in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from config.rules import Rules
from sync.engine import Decisions, classify
from sync.holdout import in_holdout
from sync.store.decisions import DecisionStats, save_decisions
from sync.store.snapshot import Snapshot, load_snapshot


@dataclass(frozen=True)
class Classification:
    snapshot: Snapshot
    decisions: Decisions
    stats: DecisionStats


def decide(engine: Engine, rules: Rules, as_of: datetime) -> Classification:
    """Classifies every stored person as of ``as_of`` and stores the result."""
    snap = load_snapshot(engine, rules)
    decisions = classify(snap.input, rules, as_of)
    holdout = in_holdout(
        snap.person_keys, decisions.in_episode(), rules.holdout.share, rules.holdout.salt
    )
    with engine.begin() as conn:
        stats = save_decisions(conn, snap, decisions, holdout)
    return Classification(snap, decisions, stats)
