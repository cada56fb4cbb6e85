"""getUpdated / getDeleted windows as strict as Salesforce: whole minutes, more than one
minute long, 30 / 15 days back, never past now; errors in Salesforce's list shape."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.salesforce import SalesforceEmulator
from tests.sandbox.salesforce.builders import NOW, seed_id

MINUTE = timedelta(minutes=1)
NOON = NOW.replace(hour=12, minute=0, second=0)  # the org's clock is NOW (18:10:32)


def deleted_at(org: SalesforceEmulator, when: datetime) -> str:
    record_id = seed_id("Lead")
    with org.state.lock:
        org.state.deleted_log[record_id] = when
    return record_id


def refusal(call: object) -> dict[str, object]:
    assert callable(call)
    with pytest.raises(SalesforceMalformedRequest) as caught:  # HTTP 400
        call()
    body = caught.value.content
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["errorCode"] == "INVALID_REPLICATION_DATE" and body[0]["message"]
    return dict(body[0])


def test_seconds_are_dropped_from_start_and_end(sf: Salesforce, org: SalesforceEmulator) -> None:
    before = deleted_at(org, NOON - timedelta(seconds=20))  # 11:59:40
    inside = deleted_at(org, NOON + timedelta(seconds=5))  # 12:00:05
    last_minute = deleted_at(org, NOON + timedelta(minutes=5, seconds=40))  # 12:05:40
    answer = sf.Lead.deleted(NOON + timedelta(seconds=30), NOON + timedelta(minutes=5, seconds=59))
    ids = {d["id"] for d in answer["deletedRecords"]}
    assert inside in ids  # start 12:00:30 counts as 12:00:00
    assert before not in ids and last_minute not in ids  # end 12:05:59 counts as 12:05:00
    assert answer["latestDateCovered"] == "2026-11-24T12:05:00.000+0000"


@pytest.mark.parametrize("route", ["deleted", "updated"])
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOON, NOON),
        (NOON + timedelta(seconds=10), NOON + timedelta(seconds=50)),  # before truncation: 40 s
        (NOON, NOON + MINUTE),  # exactly one minute
        (NOON + timedelta(seconds=1), NOON + timedelta(minutes=1, seconds=59)),  # 12:00 -> 12:01
        (NOON + MINUTE, NOON),
    ],
)
def test_a_window_of_one_minute_or_less_is_refused(
    sf: Salesforce, route: str, start: datetime, end: datetime
) -> None:
    error = refusal(lambda: getattr(sf.Lead, route)(start, end))
    assert "one minute" in str(error["message"])


@pytest.mark.parametrize("route", ["deleted", "updated"])
def test_a_window_of_two_minutes_is_answered(sf: Salesforce, route: str) -> None:
    answer = getattr(sf.Lead, route)(NOON + timedelta(seconds=59), NOON + 2 * MINUTE)
    assert answer["latestDateCovered"] == "2026-11-24T12:02:00.000+0000"


def test_an_end_in_the_future_covers_only_up_to_the_current_minute(
    sf: Salesforce, org: SalesforceEmulator
) -> None:
    this_minute = deleted_at(org, NOW - timedelta(seconds=10))  # 18:10:22, the current minute
    answer = sf.Lead.deleted(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert answer["latestDateCovered"] == "2026-11-24T18:10:00.000+0000"
    assert this_minute not in {d["id"] for d in answer["deletedRecords"]}
    assert sf.Lead.updated(NOW - timedelta(hours=1), NOW + timedelta(hours=1))[
        "latestDateCovered"
    ] == ("2026-11-24T18:10:00.000+0000")
    refusal(lambda: sf.Lead.deleted(NOW - MINUTE, NOW + timedelta(hours=1)))  # covers < 2 min


def test_days_back_30_for_updated_and_15_for_deleted(sf: Salesforce) -> None:
    midnight = NOW.replace(hour=0, minute=0, second=0)
    end = NOW - timedelta(hours=1)
    assert "ids" in sf.Lead.updated(midnight - timedelta(days=30), end)
    refusal(lambda: sf.Lead.updated(midnight - timedelta(days=30, minutes=1), end))
    answer = sf.Lead.deleted(midnight - timedelta(days=15), end)
    assert answer["earliestDateAvailable"] == "2026-11-09T00:00:00.000+0000"
    error = refusal(lambda: sf.Lead.deleted(midnight - timedelta(days=15, minutes=1), end))
    assert "15 days" in str(error["message"])


def test_malformed_dates_are_refused(sf: Salesforce) -> None:
    refusal(lambda: sf.restful("sobjects/Lead/deleted/", params={"start": "yesterday"}))
