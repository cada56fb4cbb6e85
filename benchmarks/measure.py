"""What every benchmark shares: stage timing, peak memory, progress and the output.

Peak RSS is read with ``resource.getrusage(RUSAGE_SELF)``: the largest resident
set of *this* process so far. The ``cycle`` and ``increment`` benchmarks fill
the store in the parent process and run the cycle in a fresh child process
(:mod:`benchmarks.cycle_child`), so that their ``peak_rss_mb`` is the cycle's
alone, never the fill's.

Stdout carries the result only (a Rich table, or with ``--json`` one JSON
document); progress goes to stderr.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table


def progress(message: str) -> None:
    """One progress line on stderr."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass
class Stages:
    """Named stage timings, in the order they ran; ``prefix`` names a repeated run."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        progress(f"{name} ...")
        started = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - started
            self.seconds[name] = round(took, 3)
            progress(f"{name}: {took:.2f} s")

    def total(self) -> float:
        return round(sum(self.seconds.values()), 3)


def _flat(doc: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flat(value, f"{name}.")
        elif isinstance(value, float):
            yield name, f"{value:,.3f}"
        elif isinstance(value, int) and not isinstance(value, bool):
            yield name, f"{value:,}"
        else:
            yield name, str(value)


def emit(doc: Mapping[str, Any], as_json: bool) -> None:
    """The result on stdout: one JSON document, or a table of every figure."""
    if as_json:
        print(json.dumps(doc, indent=2, sort_keys=False))
        return
    table = Table(title=f"benchmark {doc.get('benchmark')}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in _flat(doc):
        table.add_row(name, value)
    Console(soft_wrap=True).print(table)


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None
