"""Pulls one platform into the store through its connector's read contract.

Each page is stored together with its stream's cursor in one transaction, so
a run stopped at any point (Ctrl-C, a spent daily budget, a crash) resumes
from the last stored page and never skips or double-counts one: upserts make
a page read twice harmless. A :class:`~connectors.base.StopRun` from the
connector (budget nearly spent) ends the pull cleanly with everything read so
far kept; it is re-raised for the caller to report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from connectors.base import Page, SourceConnector
from sync.store.mirror import (
    load_cursors,
    save_activities,
    save_cursor,
    save_deals,
    save_owners,
    save_records,
)

log = logging.getLogger("reengage.pull")

# (stream, items in this page, complete) -> None; the CLI draws progress bars from it
Progress = Callable[[str, int, bool], None]


@dataclass
class PullStats:
    platform: str
    records: int = 0
    activities: int = 0
    deals: int = 0
    owners: int = 0
    pages: int = 0
    by_stream: dict[str, int] = field(default_factory=dict)


_SAVERS: dict[str, Callable[[Connection, Any], int]] = {
    "records": save_records,
    "activities": save_activities,
    "deals": save_deals,
}


def _store_pages(
    engine: Engine,
    platform: str,
    pages: Iterator[Page[Any]],
    kind: str,
    stats: PullStats,
    progress: Progress | None,
) -> None:
    for page in pages:
        with engine.begin() as conn:
            n = _SAVERS[kind](conn, page.items)
            save_cursor(conn, platform, page.cursor)
        setattr(stats, kind, getattr(stats, kind) + n)
        stats.pages += 1
        stream = page.cursor.stream
        stats.by_stream[stream] = stats.by_stream.get(stream, 0) + n
        if progress is not None:
            progress(stream, n, page.complete)


def pull(engine: Engine, connector: SourceConnector, progress: Progress | None = None) -> PullStats:
    """Reads owners, records, activities and deals of one platform into the store."""
    platform = connector.platform.value
    stats = PullStats(platform)
    with engine.begin() as conn:
        stats.owners = save_owners(conn, connector.read_owners())
        cursors = load_cursors(conn, platform)
    log.info("pulling %s (%d saved cursors)", platform, len(cursors))
    _store_pages(engine, platform, connector.read_records(cursors), "records", stats, progress)
    _store_pages(
        engine, platform, connector.read_activities(cursors), "activities", stats, progress
    )
    _store_pages(engine, platform, connector.read_deals(cursors), "deals", stats, progress)
    log.info(
        "pulled %s: %d records, %d activities, %d deals in %d pages",
        platform,
        stats.records,
        stats.activities,
        stats.deals,
        stats.pages,
    )
    return stats
