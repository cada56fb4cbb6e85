"""A record deleted on the platform after it was read comes through as ``deleted=True`` in
the next increment, and nothing else does."""

from __future__ import annotations

from connectors.base import PlatformRecord

from .subject import Subject, drain, require


def test_a_record_deleted_on_the_platform_comes_through_deleted(subject: Subject) -> None:
    require(subject, "read_records")
    connector = subject.connector()
    try:
        backfill = drain(connector.read_records({}))  # type: ignore[attr-defined]
        victims = subject.live_records(2)  # of each record type, where there are two
        read_before = {r.ref for r in backfill.all() if not r.deleted}
        assert set(victims) <= read_before
        for ref in victims:
            subject.delete(ref)

        increment = drain(connector.read_records(dict(backfill.cursors)))  # type: ignore[attr-defined]
        read = increment.all()
        assert all(isinstance(r, PlatformRecord) for r in read)
        assert {r.ref for r in read} == set(victims)
        assert all(r.deleted for r in read)
    finally:
        connector.close()
