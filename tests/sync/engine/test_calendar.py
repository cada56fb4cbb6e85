"""Due dates: business days (Mon-Fri minus holidays), T's date in the business time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from config.rules import Dormancy
from sync.engine import due_date

TOKYO = Dormancy(business_timezone="Asia/Tokyo", holidays=[date(2025, 6, 9)])
NEW_YORK = Dormancy(business_timezone="America/New_York")

CASES = [
    # (as_of UTC, dormancy, business days, due)
    (
        datetime(2025, 6, 6, 16, tzinfo=UTC),
        TOKYO,
        0,
        date(2025, 6, 7),
    ),  # Fri 16:00Z = Sat 01:00 JST
    (datetime(2025, 6, 6, 16, tzinfo=UTC), TOKYO, 1, date(2025, 6, 10)),  # Sat -> Mon is a holiday
    (datetime(2025, 6, 6, 14, tzinfo=UTC), TOKYO, 1, date(2025, 6, 10)),  # Fri 23:00 JST -> Tue
    (datetime(2025, 6, 6, 14, tzinfo=UTC), TOKYO, 3, date(2025, 6, 12)),
    (datetime(2025, 6, 7, 2, tzinfo=UTC), NEW_YORK, 3, date(2025, 6, 11)),  # Fri 22:00 EDT
    (datetime(2025, 6, 7, 12, tzinfo=UTC), NEW_YORK, 3, date(2025, 6, 11)),  # Saturday: Mon,Tue,Wed
    (datetime(2025, 6, 2, 12, tzinfo=UTC), NEW_YORK, 5, date(2025, 6, 9)),  # Monday + 5
]
IDS = ["sat_in_tokyo_today", "holiday_monday", "fri_night_tokyo", "tokyo_3",
       "fri_night_new_york", "saturday_3", "monday_5"]  # fmt: skip


@pytest.mark.parametrize(("as_of", "dormancy", "days", "due"), CASES, ids=IDS)
def test_due_date(as_of: datetime, dormancy: Dormancy, days: int, due: date) -> None:
    assert due_date(as_of, days, dormancy) == due


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_date(datetime(2025, 6, 2), 1, TOKYO)  # naive on purpose
