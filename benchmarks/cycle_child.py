"""The cycle from the store, run in a fresh process so that its peak RSS is its own.

``python -m benchmarks.cycle_child --store URL --phases first,steady`` prints one
JSON document: each cycle's stage seconds, its plan's size, and this process's
peak RSS. Phases:

* ``first``: the first cycle over a freshly filled store, then its plan journaled as
  applied the way ``apply`` journals it (every operation ``applied``, the applied
  state written), so that the next cycle diffs against it;
* ``steady``: the next cycle an hour later, nothing changed;
* ``increment``: 1 % of persons get new activities (written as a pull would, not
  timed as part of the cycle), then a cycle an hour later.

A cycle is identity -> snapshot (persons and the de-duplicated timeline as columns)
-> classify -> save decisions -> plan input -> plan -> save plan: what
``run_cycle`` does between the pull and the apply.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from benchmarks.bench_engine import synthetic
from benchmarks.measure import Stages, peak_rss_mb, progress
from benchmarks.store_fill import CLICK, NOW, NOW_MS, Writer, activity_columns
from config.rules import Rules, load_rules
from connectors.base import WriteResult, WriteStatus
from sync.decide import Classification, _holdout
from sync.engine import classify
from sync.plan import make_plan
from sync.planning import plan_input
from sync.store.decision_diff import read_prior
from sync.store.decisions import save_decisions
from sync.store.journal import (
    drop_parked,
    pending,
    record_outcomes,
    save_plan,
    set_plan_status,
    store_version,
)
from sync.store.migrate import open_store
from sync.store.persons import resolve_people
from sync.store.schema import activities, plans
from sync.store.snapshot import load_snapshot

JOURNAL_CHUNK = 20_000


def cycle(engine: Engine, rules: Rules, as_of: Any, stages: Stages) -> tuple[str, int]:
    """One cycle from the store, stage by stage; returns (plan id, operations)."""
    with stages.stage("identity"):
        _, people = resolve_people(engine, as_of)
    with stages.stage("snapshot"):
        snap = load_snapshot(engine, rules, people)
    with stages.stage("classify"):
        decisions = classify(snap.input, rules, as_of)
    with stages.stage("save_decisions"):
        prior = read_prior(engine)
        with engine.begin() as conn:
            held = _holdout(conn, snap, decisions, rules)
            stats = save_decisions(conn, snap, decisions, held, prior)
    c = Classification(snap, decisions, held, stats)
    with engine.begin() as conn:
        with stages.stage("plan_input"):
            inp = plan_input(conn, c, rules)
        with stages.stage("plan"):
            plan, _ = drop_parked(conn, make_plan(inp, rules))
        with stages.stage("save_plan"):
            plan_id = save_plan(conn, plan, as_of=as_of, version=store_version(conn), run_id=None)
    return plan_id, len(plan.operations)


def journal_applied(engine: Engine, plan_id: str, rules: Rules) -> int:
    """Records every operation of ``plan_id`` as applied, as ``apply`` would on success."""
    with engine.begin() as conn:
        todo = pending(conn, plan_id)
    for start in range(0, len(todo), JOURNAL_CHUNK):
        batch = todo[start : start + JOURNAL_CHUNK]
        results = [
            WriteResult(e.operation.idempotency_key, WriteStatus.APPLIED, platform_id=f"b{e.id}")
            for e in batch
        ]
        with engine.begin() as conn:
            record_outcomes(
                conn, list(zip(batch, results, strict=True)), max_attempts=rules.apply.max_attempts
            )
    with engine.begin() as conn:
        set_plan_status(conn, plan_id, "applied")
    return len(todo)


def add_increment(url: str, engine: Engine, persons: int, share: float, seed: int) -> int:
    """New activities for ``share`` of persons: a click an hour ago and a web visit each."""
    rng = np.random.default_rng(seed + 1)
    changed = rng.choice(persons, max(1, int(persons * share)), replace=False).astype(np.int64)
    who = np.repeat(changed, 2)
    kind = np.tile(np.array([CLICK, 4], np.int16), len(changed))
    at_ms = np.full(len(who), NOW_MS + 30 * 60_000)
    with engine.connect() as conn:
        first_id = int(conn.execute(select(func.max(activities.c.id))).scalar() or 0) + 10**9
    w = Writer(url)
    try:
        w.ingest("activities", activity_columns(w, who, kind, at_ms, first_id, rng))
    finally:
        w.close()
    return len(changed)


def warm_up(rules: Rules) -> float:
    """Loads (or compiles) the engine's numba kernels on a tiny input: a ``serve`` process
    pays this once, so it is reported apart from the cycles."""
    started = time.perf_counter()
    classify(synthetic(1_000, 10_000), rules, NOW)
    return round(time.perf_counter() - started, 3)


def _cycled(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(plans)).scalar())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--persons", type=int, required=True)
    parser.add_argument("--phases", default="first,steady")
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rules = load_rules()
    engine = open_store(args.store)
    out: dict[str, Any] = {"cycles": {}, "operations": {}}
    out["engine_warmup_seconds"] = warm_up(rules)
    later = NOW + timedelta(hours=1)
    for phase in args.phases.split(","):
        stages = Stages()
        if phase == "first" and _cycled(engine):
            progress("the store has been cycled already: the first cycle is skipped")
            continue
        if phase == "increment":
            out["changed_persons"] = add_increment(
                args.store, engine, args.persons, args.share, args.seed
            )
        progress(f"cycle {phase}")
        plan_id, ops = cycle(engine, rules, NOW if phase == "first" else later, stages)
        out["cycles"][phase] = {**stages.seconds, "total": stages.total()}
        out["operations"][phase] = ops
        if phase == "first":
            out["journaled"] = journal_applied(engine, plan_id, rules)
    out["peak_rss_mb"] = peak_rss_mb()
    engine.dispose()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
