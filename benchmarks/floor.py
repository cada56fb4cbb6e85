"""The floor the cycle is held against: reading M rows of three integer columns
(person, kind, time) from a narrow SQLite table as Arrow through ADBC.

The table is written once into its own file (not timed); the read is timed
``repeats`` times in this process and the fastest read is the floor.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import adbc_driver_sqlite.dbapi as sqlite_dbapi
import numpy as np
import pyarrow as pa

from benchmarks.measure import progress

CHUNK = 2_000_000


def _write(path: Path, rows: int) -> None:
    rng = np.random.default_rng(3)
    conn = sqlite_dbapi.connect(str(path))
    try:
        cur = conn.cursor()
        cur.execute("CREATE TABLE narrow (person INTEGER, kind INTEGER, time INTEGER)")
        for start in range(0, rows, CHUNK):
            size = min(CHUNK, rows - start)
            cur.adbc_ingest("narrow", pa.table({
                "person": rng.integers(0, max(1, rows // 20), size),
                "kind": rng.integers(0, 14, size),
                "time": rng.integers(1_700_000_000_000, 1_800_000_000_000, size),
            }), mode="append")  # fmt: skip
        conn.commit()
        cur.close()
    finally:
        conn.close()


def _read(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    conn = sqlite_dbapi.connect(str(path))
    try:
        cur = conn.cursor()
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(2**30)})
        cur.execute("SELECT person, kind, time FROM narrow")
        table = cur.fetch_arrow_table()
        cur.close()
    finally:
        conn.close()
    return time.perf_counter() - started, table.num_rows


@dataclass(frozen=True)
class Floor:
    seconds: float  # the fastest read
    reads: list[float]
    rows: int


def measure_floor(rows: int, repeats: int = 3) -> Floor:
    """Writes the narrow table and times reading it ``repeats`` times."""
    with tempfile.TemporaryDirectory(prefix="reengage-floor-") as folder:
        path = Path(folder) / "floor.db"
        progress(f"floor: writing {rows:,} narrow rows")
        _write(path, rows)
        reads = []
        for _ in range(repeats):
            took, got = _read(path)
            if got != rows:
                raise RuntimeError(f"floor read {got} rows, wrote {rows}")
            reads.append(round(took, 3))
            progress(f"floor read: {took:.2f} s")
    return Floor(min(reads), reads, rows)
