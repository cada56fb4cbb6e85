"""When serve runs next: the interval grid and cron expressions, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from config.settings import ServeSettings
from sync.serve.schedule import Schedule, ScheduleError

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
HOURLY = Schedule(interval=timedelta(hours=1))


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(0), at(1)),  # on a grid point: the next one, strictly after
        (at(0.25), at(1)),
        (at(1.0), at(2)),
        (at(3.5), at(4)),  # a run that overran three slots: no catch-up burst
        (at(-2), at(0)),  # before the anchor: the anchor
    ],
    ids=["on-grid", "mid-slot", "next-grid", "overran", "before-anchor"],
)
def test_interval_grid(now: datetime, expected: datetime) -> None:
    assert HOURLY.next_after(now, anchor=START) == expected


def test_interval_runs_at_once_then_on_the_grid() -> None:
    assert HOURLY.first_run(START) == START
    sub_minute = Schedule(interval=timedelta(seconds=1))  # tests use sub-minute intervals
    assert sub_minute.next_after(START + timedelta(seconds=2.4), anchor=START) == START + timedelta(
        seconds=3
    )


@pytest.mark.parametrize(
    ("cron", "now", "expected"),
    [
        ("*/15 * * * *", at(0) + timedelta(minutes=7), at(0) + timedelta(minutes=15)),
        ("*/15 * * * *", at(0) + timedelta(minutes=15), at(0) + timedelta(minutes=30)),
        ("0 6 * * 1", at(0), at(24 * 7 - 3)),  # Monday 06:00 next week
        ("30 2 * * *", at(14), at(17.5)),  # 23:00 -> 02:30 next day
    ],
    ids=["quarter-hour", "on-match", "weekly", "nightly"],
)
def test_cron_next(cron: str, now: datetime, expected: datetime) -> None:
    schedule = Schedule(cron=cron)
    assert schedule.next_after(now, anchor=START) == expected
    assert schedule.first_run(now) == expected  # a cron schedule waits for its first match


def test_cron_is_evaluated_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    now = datetime(2026, 3, 2, 10, 0, tzinfo=paris)  # 09:00 UTC
    found = Schedule(cron="0 10 * * *").next_after(now, anchor=now)
    assert found == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert found.tzinfo == UTC


def test_from_settings_prefers_cron() -> None:
    assert Schedule.from_settings(ServeSettings(interval_minutes=5)).interval == timedelta(
        minutes=5
    )
    both = Schedule.from_settings(ServeSettings(interval_minutes=5, cron="0 * * * *"))
    assert both.next_after(at(0.5), anchor=START) == at(1)
    assert "cron" in both.describe()


def test_from_settings_in_seconds_runs_on_a_seconds_grid() -> None:
    every15 = Schedule.from_settings(ServeSettings(interval_seconds=15))
    assert every15.interval == timedelta(seconds=15)
    assert every15.first_run(START) == START
    ahead = [START + timedelta(seconds=s) for s in (0, 14.9, 15, 31, 60 + 44)]
    assert [every15.next_after(t, anchor=START) for t in ahead] == [
        START + timedelta(seconds=s) for s in (15, 15, 30, 45, 105)
    ]  # strictly after, no catch-up burst after an overrun
    with_cron = Schedule.from_settings(ServeSettings(interval_seconds=15, cron="0 * * * *"))
    assert with_cron.next_after(at(0.5), anchor=START) == at(1)


@pytest.mark.parametrize(
    "kwargs",
    [{"cron": "every day"}, {"cron": "61 * * * *"}, {}, {"interval": timedelta(0)}],
    ids=["words", "bad-minute", "nothing", "zero-interval"],
)
def test_unusable_schedules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ScheduleError):
        Schedule(**kwargs)  # type: ignore[arg-type]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        HOURLY.next_after(datetime(2026, 3, 2, 9), anchor=START)
