"""Times ``classify`` on synthetic columns: 100,000 persons x 2,000,000 activities
(and 20,000,000 with ``--big`` when memory allows). Run:

    .venv/bin/python benchmarks/bench_engine.py [--big]

The first call compiles (or loads the cached) numba kernel; it is timed apart.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import numpy as np

from config.rules import load_rules
from connectors.base import ActivityKind
from sync.engine import DAY_MS, DealCode, EngineInput, classify
from sync.engine.inputs import to_ms

AS_OF = datetime(2026, 1, 15, 9, tzinfo=UTC)


def synthetic(n_persons: int, n_acts: int, seed: int = 7) -> EngineInput:
    """Two years of history: engagement-heavy mix with outreach, ~15% of persons with deals."""
    rng = np.random.default_rng(seed)
    t = to_ms(AS_OF)
    span = 730 * DAY_MS
    n_deals = n_persons // 6
    closed = t - rng.integers(0, span, n_deals)
    return EngineInput(
        person_created_ms=t - span - rng.integers(0, 365 * DAY_MS, n_persons),
        hubspot_score=np.where(rng.random(n_persons) < 0.3, rng.uniform(0, 100, n_persons), np.nan),
        # a skewed activity count per person: some very active, many nearly silent
        act_person=np.minimum(rng.pareto(1.5, n_acts) * n_persons / 20, n_persons - 1).astype(
            np.int32
        )[rng.permutation(n_acts)],
        act_kind=rng.integers(0, len(ActivityKind), n_acts).astype(np.int8),
        act_ms=t - rng.integers(-30 * DAY_MS, span, n_acts),
        act_detail=rng.integers(-1, 500, n_acts).astype(np.int32),
        details=[f"asset {i}" for i in range(500)],
        deal_person=rng.integers(0, n_persons, n_deals).astype(np.int32),
        deal_status=rng.choice([DealCode.OPEN, DealCode.WON, DealCode.LOST], n_deals).astype(
            np.int8
        ),
        deal_created_ms=closed - rng.integers(0, 120 * DAY_MS, n_deals),
        deal_closed_ms=closed,
        deal_amount=rng.uniform(1_000, 100_000, n_deals),
        deal_loss_reason=rng.integers(-1, 500, n_deals).astype(np.int32),
    )


def run(n_persons: int, n_acts: int) -> None:
    rules = load_rules()
    inp = synthetic(n_persons, n_acts)
    started = time.perf_counter()
    decisions = classify(inp, rules, AS_OF)
    elapsed = time.perf_counter() - started
    counts = np.bincount(decisions.status, minlength=len(decisions.status_names))
    print(
        f"classify: {n_persons:,} persons, {n_acts:,} activities: {elapsed:.2f} s "
        f"({len(decisions.episodes.person):,} episodes; status counts "
        + ", ".join(
            f"{n or 'none'}={c:,}" for n, c in zip(decisions.status_names, counts, strict=True)
        )
        + ")"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", action="store_true", help="also run 20,000,000 activities")
    args = parser.parse_args()
    started = time.perf_counter()
    run(1_000, 10_000)
    print(f"warm-up incl. kernel compile / cache load: {time.perf_counter() - started:.2f} s")
    run(100_000, 2_000_000)
    if args.big:
        run(100_000, 20_000_000)


if __name__ == "__main__":
    main()
