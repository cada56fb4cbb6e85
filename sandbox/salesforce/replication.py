"""The replication window of getUpdated / getDeleted, as strict as Salesforce's.

What the documentation says (see /work/shared/reference/salesforce-api-notes.md §1.4):

* "The API ignores the seconds portion of the specified dateTime value (for example,
  12:30:15 is interpreted as 12:30:00 UTC)", for ``start`` and ``end`` alike (REST
  sObject Get Updated / Get Deleted, parameter table).
* "The specified startDate must chronologically precede the specified endDate value by
  more than one minute ... Otherwise, the API returns an INVALID_REPLICATION_DATE error"
  (SOAP getDeleted(), Rules and Guidelines, current version). So, after truncation, a
  window of one minute or less is refused. getUpdated's page states only that start
  must precede end; the sandbox applies the one-minute rule to both (stricter).
* Results "for no more than 30 days previous to the day the call is executed"
  (getUpdated) and 15 days (getDeleted, "or earlier if an administrator has purged the
  Recycle Bin"); an older start is ``INVALID_REPLICATION_DATE``.
* ``latestDateCovered`` "is less than or equal to endDate"; the next call should start
  there. ``earliestDateAvailable`` is the time of the last physical delete (purge).

The documentation is silent on an ``end`` in the future. The sandbox covers no later
than the current minute (truncated ``now``): ``latestDateCovered`` is
``min(end, now)`` truncated, and the one-minute rule is checked against that covered
end, so a client whose clock runs ahead gets a refusal rather than a promise about
the future. Error bodies are Salesforce's list shape (``errors.ApiError``); their
messages are ours, since the documentation gives no wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.salesforce.errors import bad_request
from sandbox.salesforce.values import (
    BadValue,
    days_before,
    parse_datetime,
    truncate_to_minute,
)

UPDATED_WINDOW_DAYS = 30
DELETED_WINDOW_DAYS = 15
MIN_SPAN = timedelta(minutes=1)
"""After truncation, end must follow start by MORE than this."""
CODE = "INVALID_REPLICATION_DATE"


@dataclass(frozen=True)
class Window:
    """A window as the org answers it: ``[start, end)``, both on whole minutes."""

    start: datetime
    end: datetime
    earliest: datetime


def replication_window(
    start_text: str | None, end_text: str | None, now: datetime, days: int
) -> Window:
    """The window a getUpdated (``days=30``) / getDeleted (``days=15``) call covers.

    Raises:
        ApiError: 400 ``INVALID_REPLICATION_DATE`` for a missing or malformed date, a
            start more than ``days`` days before today, or a window of one minute or
            less once seconds are dropped and the end is capped at now.
    """
    try:
        start = truncate_to_minute(parse_datetime(start_text or ""))
        end = truncate_to_minute(parse_datetime(end_text or ""))
    except BadValue as exc:
        raise bad_request(CODE, "start and end must be valid dateTimes") from exc
    earliest = days_before(now, days)
    if start < earliest:
        raise bad_request(CODE, f"startDate cannot be more than {days} days ago")
    covered = min(end, truncate_to_minute(now))
    if covered - start <= MIN_SPAN:
        raise bad_request(
            CODE, "startDate must chronologically precede endDate by more than one minute"
        )
    return Window(start, covered, earliest)
