"""Salesforce date-only fields (``CloseDate``, ``ActivityDate``, ``FirstRespondedDate``).

Salesforce writes and answers them as ``yyyy-MM-dd`` ("Specifying an offset for date
is not supported"), and gives each the timestamp midnight UTC. Reengage writes them
as days and reads them as the calendar day they name: a day never moves to its
neighbour because some zone was applied to it. Where a date field comes back as a
datetime anyway (an emulator, a proxy), midnight in its own offset is that day as
written; any other time is an instant, and its UTC day is the day (the timestamp
Salesforce documents for date fields).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from config.rules_platform import SalesforceSources
from connectors.base import TaskRequest, WriteStatus
from connectors.salesforce import mapping
from connectors.salesforce.connector import SalesforceConnector
from connectors.timeparse import TimestampError
from sandbox.salesforce import SalesforceEmulator

from .test_writes import people, ready  # noqa: F401  (ready is a fixture)

DAYS = [
    ("2026-11-24", date(2026, 11, 24)),
    ("2026-11-24T00:00:00.000+0000", date(2026, 11, 24)),
    ("2026-11-24T00:00:00.000+0900", date(2026, 11, 24)),  # midnight as written
    ("2026-11-24T00:00:00-08:00", date(2026, 11, 24)),
    ("2026-11-23T16:00:00.000-0800", date(2026, 11, 24)),  # midnight UTC, seen from -8
    ("2026-11-24T09:00:00.000+0900", date(2026, 11, 24)),  # midnight UTC, seen from +9
    (date(2026, 11, 24), date(2026, 11, 24)),
    (None, None),
    ("", None),
]


def test_close_dates_are_the_day_they_name() -> None:
    for value, day in DAYS:
        row = {"Id": "006A", "IsWon": False, "IsClosed": False, "CloseDate": value}
        assert mapping.to_deal(row, []).close_date == day, value


def test_a_task_due_date_is_written_as_a_day(
    org: SalesforceEmulator,
    ready: SalesforceConnector,  # noqa: F811
) -> None:
    ref = people(org, 1)[0]
    due = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # a date, by type; a datetime here
    task = TaskRequest("due-1", ref, None, "Call", "why", due, "HIGH")
    [result] = ready.create_tasks([task])
    assert result.status is WriteStatus.APPLIED, result
    [made] = [t for t in org.state.records("Task") if t.get("Reengage_Task_Key__c") == "due-1"]
    assert made["ActivityDate"] == date(2026, 11, 26)


def test_a_day_stands_for_midnight_utc_and_a_non_date_is_an_error() -> None:
    midnight = datetime(2026, 11, 24, tzinfo=UTC)
    for value in ("2026-11-24", "2026-11-24T00:00:00.000+0900", date(2026, 11, 24)):
        assert mapping.day_instant(value) == midnight
    with pytest.raises(TimestampError):
        mapping.calendar_day("soon")
    with pytest.raises(TimestampError):
        mapping.calendar_day("2026-13-01T00:00:00Z")


def test_a_closed_task_without_completion_time_is_dated_by_its_due_day() -> None:
    row = {
        "Id": "00T1",
        "WhoId": "00Q000000000001AAA",
        "IsClosed": True,
        "TaskSubtype": "Call",
        "Subject": "Call back",
        "ActivityDate": "2026-11-20",
        "CreatedDate": "2026-11-01T10:00:00.000+0000",
    }
    rules = mapping.ActivityRules(SalesforceSources(), datetime(2026, 11, 24, tzinfo=UTC))
    activity = mapping.task_activity(row, rules)
    assert activity is not None
    assert activity.occurred_at == datetime(2026, 11, 20, tzinfo=UTC)
