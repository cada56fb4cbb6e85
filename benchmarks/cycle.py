"""``cycle``: the whole cycle from the store, first and steady state, against the floor.

The parent fills the store (:mod:`benchmarks.store_fill`) and measures the floor
(:mod:`benchmarks.floor`); the cycle runs in a fresh child process
(:mod:`benchmarks.cycle_child`), so ``peak_rss_mb`` is the cycle process's alone.
``seconds.total`` is the steady-state cycle (after the first plan was journaled as
applied); the first cycle's stages are reported beside it as ``first_*``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks.floor import measure_floor
from benchmarks.measure import progress, ratio
from benchmarks.store_fill import fill
from sync.store.migrate import safe_url

DEFAULT_PERSONS = 10_000
ACTIVITIES_PER_PERSON = 20


def sizes(opts: argparse.Namespace) -> tuple[int, int]:
    persons = opts.persons or DEFAULT_PERSONS
    return persons, opts.activities or persons * ACTIVITIES_PER_PERSON


class Store:
    """The store a run fills: at ``--store`` (kept) or in a temporary folder (removed)."""

    def __init__(self, url: str | None) -> None:
        self.folder = None if url else Path(tempfile.mkdtemp(prefix="reengage-bench-"))
        self.url = url or f"sqlite:///{self.folder}/bench.db"
        self.backend = make_url(self.url).get_backend_name()

    def describe(self) -> dict[str, Any]:
        kept = self.folder is None
        return {
            "backend": self.backend,
            "kept": kept,
            **({"url": safe_url(self.url)} if kept else {}),
        }

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def run_child(url: str, persons: int, phases: str) -> dict[str, Any]:
    """Runs :mod:`benchmarks.cycle_child` in a fresh interpreter and returns its document."""
    command = [sys.executable, "-m", "benchmarks.cycle_child", "--store", url,
               "--persons", str(persons), "--phases", phases]  # fmt: skip
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the cycle process failed (exit {done.returncode})")
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def prefixed(prefix: str, seconds: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}{k}": v for k, v in seconds.items()}


def run(opts: argparse.Namespace) -> dict[str, Any]:
    persons, acts = sizes(opts)
    store = Store(opts.store)
    try:
        progress(f"filling {persons:,} persons / {acts:,} activities ({store.backend})")
        filled = fill(store.url, persons, acts)
        progress(f"filled in {filled:.1f} s")
        floor = measure_floor(acts)
        child = run_child(store.url, persons, "first,steady")
    finally:
        store.close()
    first, steady = child["cycles"]["first"], child["cycles"]["steady"]
    return {
        "benchmark": "cycle",
        "persons": persons,
        "activities": acts,
        "store": store.describe(),
        "seconds": {**prefixed("first_", first), **steady},
        "floor_seconds": floor.seconds,
        "floor_reads": floor.reads,
        "ratios": {
            "steady_over_floor": ratio(steady["total"], floor.seconds),
            "first_over_floor": ratio(first["total"], floor.seconds),
        },
        "peak_rss_mb": child["peak_rss_mb"],
        "peak_rss_of": "the cycle process (a child; fill and floor excluded)",
        "operations": child["operations"],
        "journaled_as_applied": child["journaled"],
        "engine_warmup_seconds": child["engine_warmup_seconds"],
        "fill_seconds": round(filled, 3),
    }
