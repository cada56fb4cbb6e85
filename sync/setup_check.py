"""Whether the platforms hold what an applying run writes to, asked before it writes.

Applying before ``reengage setup`` half-works: list and campaign memberships go
through while every field update fails record by record, so a plan lands in
part and the log fills with one failure per record. An applying run therefore
asks the connectors' setup check first (the reads ``setup --check-only`` makes;
no write) and refuses, naming what is missing, when that check would fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby

from config.rules import Rules
from connectors.base import Connector, Platform, SetupItem
from sync.run import setup_all

NOT_READY = ("missing", "wrong", "manual")
"""Statuses that make ``reengage setup --check-only`` fail (sync/cli/common.py ``print_setup``)."""
NAMES_SHOWN = 3
_STATUS = {
    "missing": "missing",
    "wrong": "not as reengage needs them",
    "manual": "for an admin to create",
}
_PLURAL = {"property": "properties", "property_group": "property groups"}


def setup_gaps(
    connectors: Mapping[Platform, Connector], rules: Rules
) -> list[tuple[str, SetupItem]]:
    """What ``setup --check-only`` would report as not ready, per platform (reads only)."""
    items = setup_all(connectors, rules, create=False)
    return [(platform, item) for platform, item in items if item.status in NOT_READY]


def describe_gaps(gaps: list[tuple[str, SetupItem]]) -> str:
    """A few lines: one per platform, kind and status, with a count and the first names."""

    def key(gap: tuple[str, SetupItem]) -> tuple[str, str, str]:
        return gap[0], gap[1].kind, gap[1].status

    lines = [
        "this run would write to platforms that lack what reengage writes to "
        "(`reengage setup --check-only` fails); nothing was written:"
    ]
    for (platform, kind, status), group in groupby(sorted(gaps, key=key), key=key):
        names = [item.name for _, item in group]
        shown = ", ".join(names[:NAMES_SHOWN])
        if len(names) > NAMES_SHOWN:
            shown += f" and {len(names) - NAMES_SHOWN} more"
        what = _PLURAL.get(kind, f"{kind.replace('_', ' ')}s")
        lines.append(f"  {platform}: {len(names)} {what} {_STATUS.get(status, status)}: {shown}")
    lines.append(
        "run `reengage setup` to create them (it prints what an admin must do for the rest), "
        "then run this again"
    )
    return "\n".join(lines)
