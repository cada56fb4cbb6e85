"""Platform timestamps in every form they are sent, to timezone-aware UTC.

HubSpot sends ISO 8601 (``2026-11-24T18:10:32.123Z``), epoch milliseconds (as
numbers or strings: ``1764007832123``) and date-only values (``2026-11-24``,
or epoch ms at midnight UTC for ``date`` properties), and some older
endpoints epoch seconds. Salesforce sends ``2026-11-24T18:10:32.000+0000`` and
dates ``2026-11-24``. An ISO value without an offset is UTC (both platforms
answer in UTC). An unparseable value, or one outside the years 1-9999, is a
:class:`TimestampError` that names the value, never a silent None and never
another exception (an overflow, an OSError from the C library).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta

_EPOCH_MS_MIN = 10**11  # from here on a number is epoch milliseconds (1973-03-03 on)
_EPOCH_S_MIN = 10**8  # from here up to _EPOCH_MS_MIN it is epoch seconds (1973-03-03 on)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OFFSET = re.compile(r"[+-]\d{4}$")  # Salesforce's +0000


class TimestampError(ValueError):
    """A value that should be a timestamp is not one."""


def parse_instant(value: str | int | float | datetime | date | None) -> datetime | None:
    """Any platform timestamp -> aware UTC datetime; None and "" stay None.

    Raises:
        TimestampError: the value is no timestamp, or names no instant between the
            years 1 and 9999 (the only error it raises, whatever the value).
    """
    if value is None or value == "":
        return None
    try:
        return _instant(value)
    except TimestampError:
        raise
    except (ValueError, OverflowError, OSError, TypeError):
        raise TimestampError(f"{_shown(value)} is not a timestamp") from None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _instant(value: str | int | float | datetime | date) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TimestampError(f"naive datetime {value!r} has no time zone")
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TimestampError(f"{_shown(value)} is not a timestamp")
    if isinstance(value, int | float):
        return _from_epoch(value)
    text = value.strip()
    if text.lstrip("-").isdigit():
        return _from_epoch(int(text))
    return _from_iso(text)


def _from_epoch(value: float) -> datetime:
    """Epoch milliseconds, or epoch seconds when the number is too small to be ms."""
    if not math.isfinite(value) or abs(value) < _EPOCH_S_MIN:
        raise TimestampError(f"{_shown(value)} is too small to be an epoch timestamp")
    if abs(value) >= _EPOCH_MS_MIN:
        return _EPOCH + timedelta(milliseconds=value)  # exact, where value / 1000 rounds
    return _EPOCH + timedelta(seconds=value)


def _from_iso(text: str) -> datetime:
    """ISO 8601 with an offset, ``Z`` or none (UTC, as both platforms answer), or a date."""
    candidate = text
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    elif len(candidate) > 10 and _OFFSET.search(candidate):
        candidate = candidate[:-2] + ":" + candidate[-2:]
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise TimestampError(f"{_shown(text)} is not a timestamp") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)  # no offset: UTC; a date-only value: midnight UTC
    return parsed.astimezone(UTC)


def parse_date(value: str | date | None) -> date | None:
    """A date-only value (``2026-11-24``); a full timestamp gives its UTC date."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    instant = parse_instant(value)
    return None if instant is None else instant.date()


def to_epoch_ms(value: datetime) -> int:
    """Epoch milliseconds, exactly (a float timestamp loses the last millisecond far out)."""
    return (value - _EPOCH) // timedelta(milliseconds=1)


def salesforce_literal(value: datetime) -> str:
    """A SOQL datetime literal (unquoted, UTC): ``2026-11-24T18:10:32.000Z``."""
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )
