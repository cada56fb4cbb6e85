"""``--json``: one JSON document on stdout per command, its result or its error.

A script reads stdout with one ``json.loads`` whatever happened, at any log level
(logs are on stderr). A result is the command's own document; an error is
``{"error": {"message", "code", "platform"}, "exit_code": n}``, where ``code`` is a
short machine word (:data:`ERROR_CODES`) and ``platform`` the platform's name when
the error is one platform's. A command is in JSON mode when its ``as_json``
parameter is set, so that every command (those added later too) gets the error
document from :func:`sync.cli.fail` by naming its ``--json`` option ``as_json``.

Typer's own usage errors (an unknown option, a missing argument: exit 2 before the
command runs) stay text on stderr: the command, and so its ``--json``, never started.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import click

from connectors.base import (
    ConfigurationError,
    ConnectorError,
    SetupItem,
    StopRun,
    settings_models,
)

if TYPE_CHECKING:
    from config.rules import Rules
    from config.settings import Settings
    from sync.apply import ApplyStats
    from sync.run import RunResult

JSON_PARAM = "as_json"
ERROR_CODES = ("configuration", "not_found", "platform", "stopped", "store", "usage")
# The code an error gets from its exit code when the caller names none (sync/cli/common.py).
CODE_BY_EXIT = {1: "platform", 2: "configuration", 3: "stopped", 130: "stopped"}


def json_requested() -> bool:
    """True while the running command was given ``--json`` (its ``as_json`` parameter)."""
    ctx = _current_context()
    return bool(ctx is not None and ctx.params.get(JSON_PARAM))


def _current_context() -> Any:
    """The running command's context: Typer 0.2x runs on its own copy of click (whose
    context stack ``click.get_current_context`` does not see); older Typers on click."""
    try:
        from typer._click.globals import get_current_context
    except ImportError:
        return click.get_current_context(silent=True)
    return get_current_context(silent=True)


def _plain(value: Any) -> Any:
    """What ``json`` cannot encode by itself: instants as ISO text, numpy scalars as numbers."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    return str(value)


def _finite(value: Any) -> Any:
    """NaN and infinities are not JSON (json.dumps writes them anyway): they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def emit(doc: dict[str, Any]) -> None:
    """Writes ``doc`` as the command's one JSON document on stdout."""
    text = json.dumps(_finite(doc), indent=2, default=_plain, allow_nan=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def error_document(
    message: str, exit_code: int, *, code: str | None = None, platform: str | None = None
) -> dict[str, Any]:
    """The error document; ``code`` defaults from the exit code (1 platform, 2 configuration,
    3 stopped)."""
    word = code or CODE_BY_EXIT.get(exit_code, "platform")
    return {
        "error": {"message": message, "code": word, "platform": platform or None},
        "exit_code": exit_code,
    }


def cause_of(exc: BaseException, exit_code: int) -> tuple[str, str | None]:
    """The error code and platform of a CommandError, from the exception it replaced.

    ``sync.cli.common.connected`` raises CommandError ``from None``: the platform's own
    exception is still its ``__context__``. A CommandError that names its ``kind``
    (``store``: sync/cli/common.py ``store_faults``) has it.
    """
    cause = exc.__context__
    platform = getattr(cause, "platform", None) or None
    if kind := getattr(exc, "kind", None):
        return kind, platform
    if isinstance(cause, StopRun | KeyboardInterrupt):
        return "stopped", platform
    if isinstance(cause, ConfigurationError):
        return "configuration", platform
    if isinstance(cause, ConnectorError):
        return "platform", platform
    return CODE_BY_EXIT.get(exit_code, "platform"), platform


def cycle_document(stats: dict[str, Any], result: RunResult, exit_code: int) -> dict[str, Any]:
    """A backfill's or sync's result: the run's stats (as ``reengage runs`` keeps them)."""
    return {
        "run_id": result.run_id,
        "status": result.status,
        "plan_id": result.plan_id,
        **stats,
        "exit_code": exit_code,
    }


def apply_document(plan_id: str, stats: ApplyStats, exit_code: int) -> dict[str, Any]:
    """What ``reengage apply`` wrote: operations per platform / operation, and calls."""
    return {
        "plan_id": plan_id,
        "applied": {f"{p}/{op}": n for (p, op), n in stats.applied.items()},
        "failed": {f"{p}/{op}": n for (p, op), n in stats.failed.items()},
        "calls": stats.calls,
        "stopped": stats.stopped,
        "exit_code": exit_code,
    }


def setup_document(items: list[tuple[str, SetupItem]]) -> dict[str, Any]:
    """What each platform has and lacks; ``ready`` when nothing is left for an admin."""
    left = [i for _, i in items if i.status in ("missing", "wrong", "manual")]
    return {
        "items": [
            {
                "platform": platform,
                "kind": i.kind,
                "name": i.name,
                "status": i.status,
                "detail": i.detail,
                "instructions": i.instructions,
            }
            for platform, i in items
        ],
        "ready": not left,
        "exit_code": 1 if left else 0,
    }


class _Errors(logging.Handler):
    """Keeps the messages of the ERROR records logged while it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def logged_errors(secrets: Iterable[str]) -> Iterator[list[str]]:
    """The ERROR messages the ``reengage`` loggers write meanwhile, secrets masked: the
    reason a command that only logs its failure (``serve``) gives in its error document."""
    from sync.logs import RedactSecrets

    handler = _Errors()
    handler.addFilter(RedactSecrets(secrets))
    logger = logging.getLogger("reengage")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


@dataclass(frozen=True)
class ServeTurn:
    """``reengage serve --once``'s outcome: its exit code, its document, and the reason
    (the last error it logged) when it did not finish."""

    exit_code: int
    document: dict[str, Any]
    reason: str


def serve_once(settings: Settings, rules: Rules) -> ServeTurn:
    """One serve turn, then the run it recorded (``reengage runs``' entry) as its document:
    ``status`` is the run's, or ``skipped`` when another process held the store's lock."""
    from config.shown import secret_values
    from sync.cli.serve import serve_command

    since = datetime.now(UTC).replace(microsecond=0)
    with logged_errors(secret_values(settings, settings_models())) as errors:
        code = serve_command(settings, rules, once=True, result_lines=False)
    run = _scheduled_run(settings, since) if code != 2 else None  # 2: nothing ran
    status = str(run["status"]) if run else "skipped" if code == 0 else "failed"
    reason = errors[-1] if errors else str((run or {}).get("message") or "")
    doc = {"status": status, "run": run, "exit_code": code}
    return ServeTurn(code, doc, reason or f"the turn ended with exit code {code}")


def _scheduled_run(settings: Settings, since: datetime) -> dict[str, Any] | None:
    """The newest run ``serve`` started since ``since``, as ``reengage runs --json`` shows it."""
    from sync.store.migrate import StoreError, open_store
    from sync.store.runlog import recent_runs

    try:
        engine = open_store(settings.store_url)
    except StoreError:  # serve logged it: the reason of the error document
        return None
    try:
        with engine.connect() as conn:
            runs = [r for r in recent_runs(conn, since) if r.trigger == "schedule"]
    finally:
        engine.dispose()
    return runs[0].to_dict() if runs else None
