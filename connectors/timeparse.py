"""Platform timestamps in every form they are sent, to timezone-aware UTC.

HubSpot sends ISO 8601 (``2026-11-24T18:10:32.123Z``), epoch milliseconds (as
numbers or strings: ``1764007832123``) and date-only values (``2026-11-24``,
or epoch ms at midnight UTC for ``date`` properties). Salesforce sends
``2026-11-24T18:10:32.000+0000`` and dates ``2026-11-24``. A naive or
unparseable value is an error that names the value, never a silent None.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

_EPOCH_MS_MIN = 10**11  # below this a number is not epoch milliseconds (1973-03-03)


class TimestampError(ValueError):
    """A value that should be a timestamp is not one."""


def parse_instant(value: str | int | float | datetime | date | None) -> datetime | None:
    """Any platform timestamp -> aware UTC datetime; None and "" stay None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TimestampError(f"naive datetime {value!r} has no time zone")
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float):
        return _from_ms(value)
    text = value.strip()
    if text.lstrip("-").isdigit():
        return _from_ms(int(text))
    return _from_iso(text)


def _from_ms(value: float) -> datetime:
    if abs(value) < _EPOCH_MS_MIN:
        raise TimestampError(f"{value!r} is too small to be epoch milliseconds")
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def _from_iso(text: str) -> datetime:
    candidate = text
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    elif len(candidate) > 5 and candidate[-5] in "+-" and candidate[-4:].isdigit():
        candidate = candidate[:-2] + ":" + candidate[-2:]  # Salesforce's +0000
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise TimestampError(f"{text!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        if "T" in text or " " in text:
            raise TimestampError(f"{text!r} has no time zone")
        return parsed.replace(tzinfo=UTC)  # a date-only value: midnight UTC
    return parsed.astimezone(UTC)


def parse_date(value: str | date | None) -> date | None:
    """A date-only value (``2026-11-24``); a full timestamp gives its UTC date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    instant = parse_instant(value)
    return None if instant is None else instant.date()


def to_epoch_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def salesforce_literal(value: datetime) -> str:
    """A SOQL datetime literal (unquoted, UTC): ``2026-11-24T18:10:32.000Z``."""
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )
