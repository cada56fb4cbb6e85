"""``--as-of``: UTC by default, a clear error for garbage, a warning for an unlikely instant."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import typer

from sync.cli.options import parse_as_of

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_a_date_is_midnight_utc_and_an_offset_is_kept() -> None:
    assert parse_as_of("2026-11-20", now=NOW) == datetime(2026, 11, 20, tzinfo=UTC)
    assert parse_as_of("2026-11-20T09:00:00+09:00", now=NOW).utcoffset() is not None
    assert parse_as_of(None, now=NOW) == NOW


def test_garbage_is_a_bad_parameter_naming_the_value() -> None:
    with pytest.raises(typer.BadParameter, match="'yesterday'"):
        parse_as_of("yesterday", now=NOW)


@pytest.mark.parametrize(
    ("value", "warned"),
    [("2000-01-01", True), ("2027-06-01", True), ("2026-06-01", False), ("2026-12-02", False)],
    ids=["26-years-back", "future", "half-a-year-back", "today"],
)
def test_an_unlikely_as_of_is_taken_with_a_warning(
    value: str, warned: bool, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("reengage"), "propagate", True)
    with caplog.at_level(logging.WARNING, logger="reengage.cli"):
        parse_as_of(value, now=NOW)
    assert any(value in r.getMessage() for r in caplog.records) is warned
