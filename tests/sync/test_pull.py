"""Pulling through the read contract: pages stored with their cursors, resumable after a stop."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from connectors.base import (
    Activity,
    ActivityKind,
    BudgetExhausted,
    Cursor,
    Deal,
    Owner,
    Page,
    Platform,
    PlatformRecord,
    RecordRef,
    RecordType,
)
from sync.pull import pull
from sync.store.migrate import open_store
from sync.store.schema import activities, platform_records

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class FakeHubSpot:
    """A connector over lists, paging by offset; can stop once after N activity pages."""

    platform = Platform.HUBSPOT

    def __init__(self, n_records: int, n_acts: int, page: int, stop_after: int | None = None):
        self.records = [
            PlatformRecord(RecordRef(RecordType.HUBSPOT_CONTACT, str(i)), f"p{i}@x.com")
            for i in range(n_records)
        ]
        self.acts = [
            Activity(
                Platform.HUBSPOT,
                f"a{i}",
                RecordRef(RecordType.HUBSPOT_CONTACT, str(i % n_records)),
                ActivityKind.EMAIL_OPEN,
                T0 + timedelta(minutes=i),
            )
            for i in range(n_acts)
        ]
        self.page = page
        self.stop_after = stop_after
        self.served_offsets: list[int] = []

    def _pages(
        self, stream: str, items: list[object], cursors: Mapping[str, Cursor]
    ) -> Iterator[Page[object]]:
        start = int(cursors[stream].value["offset"]) if stream in cursors else 0
        for n, offset in enumerate(range(start, len(items), self.page)):
            if stream == "email_events" and self.stop_after is not None and n == self.stop_after:
                self.stop_after = None
                raise BudgetExhausted("daily budget nearly spent", platform="hubspot")
            self.served_offsets.append(offset)
            end = offset + self.page
            done = end >= len(items)
            yield Page(items[offset:end], Cursor(stream, {"offset": min(end, len(items))}), done)

    def read_records(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[PlatformRecord]]:
        return self._pages("contacts", self.records, cursors)  # type: ignore[arg-type]

    def read_activities(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Activity]]:
        return self._pages("email_events", self.acts, cursors)  # type: ignore[arg-type]

    def read_deals(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Deal]]:
        return iter(())

    def read_owners(self) -> Iterator[Owner]:
        return iter([Owner(Platform.HUBSPOT, "1", "Ann")])


def _count(engine: object, table: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_stop_then_resume_reads_everything_once(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    fake = FakeHubSpot(n_records=30, n_acts=1000, page=100, stop_after=4)
    progress: list[tuple[str, int, bool]] = []
    with pytest.raises(BudgetExhausted):
        pull(engine, fake, progress=lambda *a: progress.append(a))
    assert _count(engine, activities) == 400  # four pages stored before the stop
    stats = pull(engine, fake)
    assert stats.activities == 600  # resumed at the stored cursor: no page read twice
    assert _count(engine, activities) == 1000
    assert _count(engine, platform_records) == 30
    assert progress[-1] == ("email_events", 100, False)
    engine.dispose()


def test_a_rerun_of_a_complete_stream_adds_nothing(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    fake = FakeHubSpot(n_records=5, n_acts=250, page=100)
    first = pull(engine, fake)
    second = pull(engine, fake)
    assert (first.activities, second.activities, second.records) == (250, 0, 0)
    assert first.owners == 1
    engine.dispose()
