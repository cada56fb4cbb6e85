"""Vectorised conversions of the world's int64 epoch seconds into the seeds' value types.

The world keeps every instant as int64 seconds since the epoch (UTC) in numpy
arrays; the renders need ``datetime`` objects (Salesforce seed), ISO strings
with milliseconds and ``Z`` (HubSpot properties) and dates. Doing each
conversion column-wise keeps rendering fast at millions of rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

Secs = npt.NDArray[np.int64]
DAY = 86_400
HOUR = 3_600
MINUTE = 60


def to_secs(instant: datetime) -> int:
    return int(instant.astimezone(UTC).timestamp())


def to_datetimes(secs: Secs) -> list[datetime]:
    """Timezone-aware UTC datetimes."""
    naive = np.asarray(secs, dtype=np.int64).astype("datetime64[s]").tolist()
    return [d.replace(tzinfo=UTC) for d in naive]


def to_datetime(sec: int) -> datetime:
    return datetime.fromtimestamp(int(sec), UTC)


def to_iso(secs: Secs) -> list[str]:
    """HubSpot's datetime strings: ``2026-11-23T09:00:00.000Z``."""
    ms = np.asarray(secs, dtype=np.int64).astype("datetime64[s]").astype("datetime64[ms]")
    result: list[str] = np.datetime_as_string(ms, unit="ms", timezone="UTC").tolist()
    return result


def to_dates(secs: Secs) -> list[date]:
    result: list[date] = (np.asarray(secs, dtype=np.int64) // DAY).astype("datetime64[D]").tolist()
    return result


def to_date_strings(secs: Secs) -> list[str]:
    days = (np.asarray(secs, dtype=np.int64) // DAY).astype("datetime64[D]")
    result: list[str] = np.datetime_as_string(days, unit="D").tolist()
    return result
