"""The emulators of the ``tenants`` benchmark, in a process of their own.

``python -m benchmarks.tenants_emulators COUNT PERSONS OUT``: starts COUNT sandboxes (seeds
1000, 1001, ...; each its own generated world of PERSONS persons, the sandbox's rate
limits on), writes their ``REENGAGE_*`` environments to OUT as JSON, and serves them
until its standard input closes.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from connectors.base import load_sandbox

SEED0 = 1000


def main(argv: list[str]) -> int:
    count, persons, out = int(argv[0]), int(argv[1]), Path(argv[2])
    now = datetime.now(UTC).replace(microsecond=0)
    boxes = []
    try:
        for i in range(count):
            box = load_sandbox()(persons=persons, seed=SEED0 + i, now=now)
            box.start()
            boxes.append(box)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps([b.environment() for b in boxes]), encoding="utf-8")
        tmp.rename(out)
        sys.stdin.read()  # until the benchmark closes the pipe
    finally:
        for box in boxes:
            box.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
