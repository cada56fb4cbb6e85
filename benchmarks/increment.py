"""``increment``: 1 % of persons get new activities, then a cycle from the store.

The store is filled and cycled once (the first plan journaled as applied) unless
``--store`` names one a ``cycle --store`` run left behind; then the increment's
activities are written as a pull would and the next cycle is timed. As for
``cycle``, the cycles run in a fresh child process.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import func, select

from benchmarks.cycle import Store, prefixed, run_child, sizes
from benchmarks.measure import progress
from benchmarks.store_fill import fill
from sync.store.migrate import open_store
from sync.store.schema import plans

DEFAULT_PERSONS = 10_000


def _cycled(url: str) -> bool:
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(plans)).scalar())
    finally:
        engine.dispose()


def run(opts: argparse.Namespace) -> dict[str, Any]:
    persons, acts = sizes(opts)
    store = Store(opts.store)
    filled = None
    try:
        if opts.store and _cycled(store.url):
            progress("reusing the cycled store at --store (its sizes must match --persons)")
        else:
            progress(f"filling {persons:,} persons / {acts:,} activities ({store.backend})")
            filled = round(fill(store.url, persons, acts), 3)
        child = run_child(store.url, persons, "first,increment")
    finally:
        store.close()
    inc = child["cycles"]["increment"]
    first = child["cycles"].get("first", {})
    return {
        "benchmark": "increment",
        "persons": persons,
        "activities": acts,
        "store": store.describe(),
        "changed_persons": child["changed_persons"],
        "seconds": {**prefixed("first_", first), **inc},
        "peak_rss_mb": child["peak_rss_mb"],
        "peak_rss_of": "the cycle process (a child; fill excluded)",
        "operations": child["operations"],
        "engine_warmup_seconds": child["engine_warmup_seconds"],
        "fill_seconds": filled,
    }
