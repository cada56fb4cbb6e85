"""Times one classification of everyone from the store (a script, not a test).

Fills a fresh store (SQLite by default, or the URL given) with N persons, one
platform record each, M activities and some deals, resolves identities once,
then times `decide`'s parts: reading the store as columns (snapshot), the
engine (classify), and writing the decisions back.

Usage: python benchmarks/bench_decide.py [persons] [activities] [store-url]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import insert, update

from config.rules import load_rules
from connectors.base import ActivityKind
from sync.engine import classify
from sync.holdout import in_holdout
from sync.store.decision_diff import read_prior
from sync.store.decisions import save_decisions
from sync.store.migrate import open_store
from sync.store.schema import activities, deal_records, deals, persons, platform_records
from sync.store.snapshot import load_snapshot

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
DAY = 86_400_000
KINDS = [k.code for k in ActivityKind]


def _ago(days: int) -> datetime:
    return datetime.fromtimestamp((NOW_MS - days * DAY) / 1000, UTC)


def _fill(url: str, n: int, m: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(
            insert(persons),
            [
                {"person_key": f"salesforce_lead:{i}", "email": f"p{i}@x.com", "updated_at": NOW,
                 "created_at": _ago(int(rng.integers(30, 900)))}
                for i in range(n)
            ],
        )  # fmt: skip
        conn.execute(
            insert(platform_records),
            [{"record_type": "salesforce_lead", "record_id": str(i), "person_id": i + 1}
             for i in range(n)],
        )  # fmt: skip
        who = rng.integers(0, n, m)
        when = NOW_MS - rng.integers(0, 730 * DAY, m)
        kind = rng.choice(KINDS, m)
        rows = (
            {"platform": "salesforce", "activity_id": f"a{j}", "record_type": "salesforce_lead",
             "record_id": str(int(who[j])), "kind": int(kind[j]), "occurred_ms": int(when[j]),
             "detail": f"asset {int(kind[j])}", "is_mirror": False, "deleted": False}
            for j in range(m)
        )  # fmt: skip
        batch: list[dict[str, object]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                conn.execute(insert(activities), batch)
                batch = []
        if batch:
            conn.execute(insert(activities), batch)
        n_deals = n // 7
        owners = rng.integers(0, n, n_deals)
        conn.execute(
            insert(deals),
            [{"platform": "salesforce", "deal_id": f"d{d}",
              "status": ("won", "lost", "open")[d % 3],
              "created_ms": NOW_MS - 400 * DAY, "closed_ms": NOW_MS - 300 * DAY, "amount": 1000.0}
             for d in range(n_deals)],
        )  # fmt: skip
        conn.execute(
            insert(deal_records),
            [{"deal_pk": d + 1, "record_type": "salesforce_lead", "record_id": str(int(owners[d]))}
             for d in range(n_deals)],
        )  # fmt: skip
        conn.execute(update(platform_records).values(deleted=False))
    engine.dispose()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    url = sys.argv[3] if len(sys.argv) > 3 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    rules = load_rules()
    t0 = time.perf_counter()
    _fill(url, n, m)
    took = time.perf_counter() - t0
    print(f"filled {n:,} persons and {m:,} activities in {took:.1f} s ({url.split(':')[0]})")
    engine = open_store(url)
    t1 = time.perf_counter()
    snap = load_snapshot(engine, rules)
    t2 = time.perf_counter()
    decided = classify(snap.input, rules, NOW)
    t3 = time.perf_counter()
    held = in_holdout(
        snap.person_keys, decided.in_episode(), rules.holdout.share, rules.holdout.salt
    )
    prior = read_prior(engine)
    with engine.begin() as conn:
        save_decisions(conn, snap, decided, held, prior)
    t4 = time.perf_counter()
    print(f"read store as columns: {t2 - t1:.2f} s ({snap.activities_read:,} activities)")
    print(f"classify (engine):     {t3 - t2:.2f} s")
    print(f"save decisions:        {t4 - t3:.2f} s")
    print(f"total decide:          {t4 - t1:.2f} s")


if __name__ == "__main__":
    main()
