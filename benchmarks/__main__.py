"""``python -m benchmarks NAME [--persons N] [--activities M] [--store URL] [--json]``.

Prints a table of every figure (or with ``--json`` one JSON document) on stdout;
progress goes to stderr. See BENCHMARKS.md for the figures and how they were made.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from benchmarks.measure import emit

NAMES = ("cycle", "increment", "backfill", "writes", "reaction", "naive", "tenants")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("--persons", type=int, help="persons in the world (default: per benchmark)")
    parser.add_argument("--activities", type=int, help="activities (cycle, increment: 20 a person)")
    parser.add_argument("--store", help="store URL (cycle: kept after the run)")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--tenants", type=int, help="tenants: how many (default 12)")
    parser.add_argument("--clicks", type=int, default=20, help="reaction: clicks injected")
    parser.add_argument("--interval", type=float, default=30.0, help="reaction: serve interval, s")
    parser.add_argument(
        "--ten-second-limit", type=int, default=None, help="backfill: HubSpot's 10-second window"
    )
    args = parser.parse_args(argv)
    for flag in ("persons", "activities", "clicks", "tenants"):
        value = getattr(args, flag)
        if value is not None and value <= 0:
            parser.error(f"--{flag} must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    module = importlib.import_module(f"benchmarks.{args.name}")
    emit(module.run(args), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
