"""The backfill's pull, run in a process of its own beside the emulators' process.

``python -m benchmarks.backfill_child --folder DIR --as-of ISO`` reads the sandbox's
``REENGAGE_*`` variables from its environment, opens the store ``benchmarks.world``
made in ``DIR``, pulls both platforms (``run_cycle`` with neither plan nor apply, as
``reengage backfill`` does) and prints one JSON document: seconds, the run's status,
records per second per stream, and this process's peak RSS.

The platforms are never in reengage's process: with the emulators in the same
interpreter their request handling and reengage's own work would share one GIL,
and the pull would be measured against a platform that slows down whenever
reengage works.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import datetime
from pathlib import Path

from benchmarks.measure import peak_rss_mb
from benchmarks.streams import StreamClock
from config.rules import load_rules
from sync.cli.demo import demo_settings
from sync.run import CycleOptions, build_connectors, close_all, run_cycle
from sync.store.migrate import open_store


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.backfill_child")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--as-of", required=True)
    opts = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k.startswith("REENGAGE_")}
    settings = demo_settings(env, opts.folder)
    rules = load_rules()
    engine = open_store(settings.store_url)
    connectors = build_connectors(settings, rules)
    clock = StreamClock()
    started = time.perf_counter()
    try:
        options = CycleOptions(kind="backfill", as_of=datetime.fromisoformat(opts.as_of),
                               plan=False, apply=False, progress=clock)  # fmt: skip
        result = run_cycle(engine, connectors, rules, options)
    finally:
        close_all(connectors)
        engine.dispose()
    doc = {
        "seconds": round(time.perf_counter() - started, 3),
        "status": result.status,
        "message": result.message,
        "streams": clock.per_second(),
        "peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
