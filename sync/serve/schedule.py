"""When ``reengage serve`` runs next: every N minutes or seconds, or on a cron expression.

Pure: the caller passes ``now`` (an aware datetime), so tests need no clock.

* **Interval**: runs are pinned to a grid ``anchor + k * interval`` (the anchor
  is the moment serve started, so the first run is immediate). A run that
  overruns its slot does not cause a burst of catch-up runs: the next run is
  the next grid point still ahead; the missed ones are skipped.
* **Cron**: five-field expressions evaluated in UTC with croniter; the first
  run waits for the first match (a cron schedule is a promise about *when*).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

from config.settings import ServeSettings


class ScheduleError(ValueError):
    """The schedule cannot be used (an invalid cron expression, a non-positive interval)."""


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: schedules work on aware instants")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    """An interval grid or a cron expression (the cron wins when both are given)."""

    interval: timedelta | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if self.cron is not None:
            if not croniter.is_valid(self.cron):
                raise ScheduleError(f"not a valid cron expression: {self.cron!r}")
        elif self.interval is None or self.interval <= timedelta(0):
            raise ScheduleError("a schedule needs a positive interval or a cron expression")

    @classmethod
    def from_settings(cls, serve: ServeSettings) -> Schedule:
        """The schedule ``REENGAGE_SERVE__CRON`` / ``__INTERVAL_MINUTES`` /
        ``__INTERVAL_SECONDS`` describe."""
        return cls(interval=serve.interval, cron=serve.cron)

    def describe(self) -> str:
        if self.cron is not None:
            return f"cron {self.cron!r} (UTC)"
        assert self.interval is not None
        return f"every {self.interval}"

    def first_run(self, now: datetime) -> datetime:
        """When the first run happens for a loop started at ``now``."""
        now = _aware(now)
        return now if self.cron is None else self.next_after(now, anchor=now)

    def next_after(self, now: datetime, *, anchor: datetime) -> datetime:
        """The first scheduled instant strictly after ``now``.

        Args:
            now: the current instant (aware).
            anchor: the interval grid's origin (ignored for cron).
        """
        now = _aware(now)
        if self.cron is not None:
            found: datetime = croniter(self.cron, now).get_next(datetime)
            return found.astimezone(UTC)
        assert self.interval is not None
        anchor = _aware(anchor)
        if now < anchor:
            return anchor
        steps = (now - anchor) // self.interval + 1
        return anchor + steps * self.interval
