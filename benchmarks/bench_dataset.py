"""Times dataset generation at 100,000 persons (a script, not a test).

Usage: python benchmarks/bench_dataset.py [N]
"""

from __future__ import annotations

import sys
import time

from sandbox.dataset import DEFAULT_NOW, build_world, render


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    t0 = time.perf_counter()
    world = build_world(persons, 7, DEFAULT_NOW)
    t1 = time.perf_counter()
    render(world)
    t2 = time.perf_counter()
    print(f"{persons} persons, {world.activities.count} activities")
    print(f"world {t1 - t0:.1f} s, render {t2 - t1:.1f} s, total {t2 - t0:.1f} s")


if __name__ == "__main__":
    main()
