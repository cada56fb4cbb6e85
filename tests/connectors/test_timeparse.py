"""Every timestamp form the platforms send becomes aware UTC; junk is named."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from connectors.timeparse import (
    TimestampError,
    parse_date,
    parse_instant,
    salesforce_literal,
    to_epoch_ms,
)

INSTANT = datetime(2026, 11, 24, 18, 10, 32, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-24T18:10:32.123Z",
        "2026-11-24T18:10:32.123+00:00",
        "2026-11-24T18:10:32.123+0000",
        "2026-11-25T03:10:32.123+0900",
        1795543832123,
        "1795543832123",
        datetime(2026, 11, 25, 3, 10, 32, 123000, tzinfo=timezone(timedelta(hours=9))),
    ],
    ids=["iso-z", "iso-offset", "salesforce", "salesforce-tokyo", "ms-int", "ms-str", "aware"],
)
def test_instant_forms(value: object) -> None:
    parsed = parse_instant(value)  # type: ignore[arg-type]
    assert parsed == INSTANT and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value", ["2026-11-24", date(2026, 11, 24), 1795478400000], ids=["iso", "date", "ms-midnight"]
)
def test_date_only_is_midnight_utc(value: object) -> None:
    assert parse_instant(value) == datetime(2026, 11, 24, tzinfo=UTC)  # type: ignore[arg-type]
    assert parse_date(value) == date(2026, 11, 24)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2026-11-24T25:10:32", "42", datetime(2026, 1, 1), "12345678901234567890"],
    ids=["word", "hour-25", "tiny-number", "naive", "twenty-digits"],
)
def test_junk_is_named(value: object) -> None:
    with pytest.raises(TimestampError, match=r"2026|yesterday|42|12345"):
        parse_instant(value)  # type: ignore[arg-type]


def test_iso_without_offset_is_utc() -> None:
    """Both platforms answer in UTC; a value written without an offset is read as UTC."""
    assert parse_instant("2026-11-24T18:10:32.123") == INSTANT


def test_epoch_seconds() -> None:
    assert parse_instant(1795543832) == INSTANT.replace(microsecond=0)
    assert parse_instant("1795543832") == INSTANT.replace(microsecond=0)


def test_empty_is_none() -> None:
    assert parse_instant(None) is None and parse_instant("") is None and parse_date("") is None


def test_round_trips() -> None:
    assert parse_instant(to_epoch_ms(INSTANT)) == INSTANT
    assert salesforce_literal(INSTANT) == "2026-11-24T18:10:32.123Z"
    assert parse_instant(salesforce_literal(INSTANT)) == INSTANT
