"""Business days and task due dates (SPEC §4).

Business days are Monday to Friday minus the configured holidays; ``T``'s date is
taken in the business time zone, so a run at 23:30 UTC on a Sunday is Monday's
work in Tokyo. "Due in n business days" is the n-th business day strictly after
``T``'s date (from a Saturday, 3 business days is Wednesday); 0 means ``T``'s date
itself, even on a weekend, as SPEC's "due on T's date" says.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np

from config.rules import Dormancy


def business_date(as_of: datetime, dormancy: Dormancy) -> date:
    """``as_of``'s calendar date in the business time zone."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    return as_of.astimezone(ZoneInfo(dormancy.business_timezone)).date()


def add_business_days(start: date, business_days: int, dormancy: Dormancy) -> date:
    """The ``business_days``-th business day after ``start`` (``start`` itself for 0)."""
    if business_days < 0:
        raise ValueError("business_days must be >= 0")
    if business_days == 0:
        return start
    holidays = np.array(dormancy.holidays, dtype="datetime64[D]")
    # roll="backward" first steps back to a business day, so the offset counts the
    # business days strictly after ``start`` whatever weekday ``start`` is.
    due = np.busday_offset(
        np.datetime64(start, "D"), business_days, roll="backward", holidays=holidays
    )
    result: date = due.astype(object)
    return result


def due_date(as_of: datetime, business_days: int, dormancy: Dormancy) -> date:
    """The due date of a task ruled "due in ``business_days`` business days" as of ``as_of``."""
    return add_business_days(business_date(as_of, dormancy), business_days, dormancy)
