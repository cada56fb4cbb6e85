"""Options several commands share, kept apart so that ``reengage --help`` imports nothing heavy.

The command modules (``cli_run``, ``cli_explain``, ...) pull in the store, the
connectors and the compiled engine; :mod:`sync.cli` imports them inside each
command, and takes its shared option types and ``--as-of`` parsing from here.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

log = logging.getLogger("reengage.cli")

AS_OF_PLAUSIBLE_DAYS = 400
"""An ``--as-of`` further back than this, or in the future, is most likely a typo: warn."""

AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Decide as of this instant (ISO date or datetime).")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars (cron, CI).")]


def parse_as_of(value: str | None, *, now: datetime | None = None) -> datetime:
    """``--as-of``: an ISO date or datetime (UTC unless it says otherwise); now when None.

    An instant in the future, or more than :data:`AS_OF_PLAUSIBLE_DAYS` days back, is taken
    (a replay of last year is legitimate) with a warning on stderr.
    """
    current = now or datetime.now(UTC)
    if value is None:
        return current
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date or datetime (e.g. 2026-11-20 or 2026-11-20T09:00:00Z)"
        ) from None
    when = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if when > current + timedelta(minutes=5):
        log.warning("--as-of %s is in the future: decisions are made as of then", value)
    elif current - when > timedelta(days=AS_OF_PLAUSIBLE_DAYS):
        log.warning(
            "--as-of %s is more than %d days back: decisions are made as of then",
            value,
            AS_OF_PLAUSIBLE_DAYS,
        )
    return when


def known_labels(segment_names: list[str], status_names: tuple[str, ...]) -> list[str]:
    """What ``plan --segment`` takes: a segment of the rules, or a status (plans label by both)."""
    return [*segment_names, *(name for name in status_names if name)]
