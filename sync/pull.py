"""Pulls one platform into the store through its connector's read contract.

Each page is stored together with its stream's cursor in one transaction, so
a run stopped at any point (Ctrl-C, a spent daily budget, a crash) resumes
from the last stored page and never skips or double-counts one: upserts make
a page read twice harmless. A :class:`~connectors.base.StopRun` from the
connector (budget nearly spent) ends the pull cleanly with everything read so
far kept; it is re-raised for the caller to report.

A record the connector could not read (a bad date, a bad boolean, a number
that is no number) comes as a :class:`~connectors.base.Skip` beside its page:
stored with the page (``reengage errors`` lists it), logged at DEBUG, and
summed up at the end as one WARNING per kind with three examples.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from connectors.base import Page, Skip, SourceConnector
from sync.store.mirror import (
    load_cursors,
    save_activities,
    save_cursor,
    save_deals,
    save_owners,
    save_records,
    save_skips,
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
    skipped: int = 0
    skips: dict[str, list[Skip]] = field(default_factory=dict)
    """Kind (``bad_date``...) -> the records skipped for it, the first few of them kept."""
    skipped_by_kind: dict[str, int] = field(default_factory=dict)

    def note(self, skips: Sequence[Skip]) -> None:
        """Counts a page's skips by kind (keeping examples) and logs each at DEBUG."""
        for skip in skips:
            self.skipped += 1
            self.skipped_by_kind[skip.kind] = self.skipped_by_kind.get(skip.kind, 0) + 1
            examples = self.skips.setdefault(skip.kind, [])
            if len(examples) < EXAMPLES:
                examples.append(skip)
            log.debug("skipped %s", describe(skip))


EXAMPLES = 3


def describe(skip: Skip) -> str:
    """``hubspot contacts 501: createdate: 'x' is not a timestamp``."""
    where = f"{skip.field}: " if skip.field else ""
    return f"{skip.platform.value} {skip.object} {skip.record_id}: {where}{skip.reason}"


def warn_skips(stats: PullStats) -> None:
    """One WARNING per kind of skip: how many, and three of them named."""
    for kind, count in sorted(stats.skipped_by_kind.items()):
        shown = "; ".join(describe(s) for s in stats.skips.get(kind, []))
        more = " ..." if count > EXAMPLES else ""
        log.warning(
            "%s: %d record(s) skipped for %s (see `reengage errors`), e.g. %s%s",
            stats.platform,
            count,
            kind,
            shown,
            more,
        )


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
            if page.skipped:
                save_skips(conn, page.skipped, datetime.now(UTC))
            save_cursor(conn, platform, page.cursor)
        stats.note(page.skipped)
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
    warn_skips(stats)
    log.info(
        "pulled %s: %d records, %d activities, %d deals in %d pages (%d skipped)",
        platform,
        stats.records,
        stats.activities,
        stats.deals,
        stats.pages,
        stats.skipped,
    )
    return stats
