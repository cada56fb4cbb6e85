"""The one place a sync runs end to end: pull -> identity -> classify -> plan -> apply.

Everything else is a step it calls: connectors through ``connectors.base``
only, the store, the pure engine and planner. Each run is recorded in the
``runs`` table with what it read, decided and wrote. A connector's
:class:`~connectors.base.StopRun` (a daily budget nearly spent, ``Ctrl-C``)
ends the run cleanly: everything read so far is stored with its cursors, and
nothing is planned from a half-read world.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from config.rules import Rules
from config.settings import Settings, SettingsError, plugin_settings
from connectors.base import (
    ConfigurationError,
    Connector,
    ConnectorError,
    ConnectorFactory,
    FieldSink,
    InstalledConnector,
    Platform,
    SetupItem,
    SetupMissing,
    SourceConnector,
    StopRun,
    installed_connectors,
)
from sync.apply import AlertSender, ApplyStats, apply_plan
from sync.decide import Classification, decide
from sync.plan import make_plan
from sync.plan.model import Plan
from sync.planning import plan_input
from sync.pull import Progress, PullStats, pull
from sync.store.faults import STORE_FAULTS, store_fault_message
from sync.store.journal import drop_parked, save_plan, store_version
from sync.store.persons import IdentityStats, resolve_people
from sync.store.schema import operations, runs

log = logging.getLogger("reengage.run")


def _unserved(name: str, installed: list[InstalledConnector]) -> str:
    broken = [f"{e.name} ({e.error})" for e in installed if e.info is None]
    return f"{name}: no installed connector serves it (see `reengage connectors`)" + (
        f"; failed to load: {', '.join(broken)}" if broken else ""
    )


def platform_problems(settings: Settings) -> list[tuple[str, str]]:
    """(variable, reason) for each platform in use that no installed connector serves, and
    for each plug-in setting its connector's model refuses: asked before any request."""
    installed = installed_connectors()
    served = {e.info.platform: e.info for e in reversed(installed) if e.info is not None}
    problems: list[tuple[str, str]] = []
    for name in settings.platforms:
        info = served.get(name)
        if info is None:
            problems.append(("REENGAGE_PLATFORMS", _unserved(name, installed)))
        elif info.settings_model is not None:
            try:
                plugin_settings(settings, name, info.settings_model)
            except SettingsError as exc:
                problems += exc.problems
    return problems


def _factories(wanted: list[Platform]) -> dict[Platform, tuple[str, ConnectorFactory]]:
    """The installed connectors' factories for the platforms in use; a platform no installed
    connector serves is refused, naming the plug-ins that failed to load."""
    found: dict[Platform, tuple[str, ConnectorFactory]] = {}
    installed = installed_connectors()
    for entry in installed:
        info = entry.info
        if info is not None and info.factory is not None and info.platform in wanted:
            found.setdefault(Platform(info.platform), (entry.name, info.factory))
    for platform in wanted:
        if platform not in found:
            raise ConfigurationError("REENGAGE_PLATFORMS: " + _unserved(platform.value, installed))
    return found


def build_connectors(
    settings: Settings, rules: Rules, *, clock: Callable[[], datetime] | None = None
) -> dict[Platform, Connector]:
    """The connectors of the platforms in use (``REENGAGE_PLATFORMS``), built by their
    registered factories (``clock``: "now" for the connectors, when not the real clock — the
    sandbox's). A built-in platform without credentials is left out (the CLI refuses it
    first, ``require_platforms``); a plug-in's settings are refused naming the key."""
    configured = {
        Platform.HUBSPOT: settings.hubspot.configured,
        Platform.SALESFORCE: settings.salesforce.configured,
    }
    wanted = [Platform(name) for name in settings.platforms]
    wanted = [p for p in wanted if configured.get(p, True)]
    built: dict[Platform, Connector] = {}
    for platform, (name, factory) in _factories(wanted).items():
        try:
            built[platform] = factory(settings, rules, clock=clock)
        except SettingsError as exc:
            close_all(built)
            raise ConfigurationError(str(exc), platform=name) from None
    if not built:
        raise ConfigurationError(
            "no platform is configured: set REENGAGE_HUBSPOT__ACCESS_TOKEN and/or the "
            "REENGAGE_SALESFORCE__* credentials (see `reengage config check`)"
        )
    return built


def explain_error(exc: ConnectorError) -> str:
    """A platform error for a person, on one line: its cause (the HTTP status and the
    platform's error code when the message does not already say them), and the fix
    when it is a known one."""
    text = " ".join(exc.user_message.split())
    said = [
        f"HTTP {exc.status}" if exc.status and str(exc.status) not in text else "",
        exc.code if exc.code and exc.code not in text else "",
    ]
    if any(said):
        text += " (" + " ".join(part for part in said if part) + ")"
    if isinstance(exc, SetupMissing):
        text += " (reengage's fields or lists may be missing: run `reengage setup`)"
    return text


def close_all(connectors: Mapping[Platform, Connector]) -> None:
    for connector in connectors.values():
        connector.close()


@dataclass
class RunResult:
    run_id: int
    pulled: list[PullStats] = field(default_factory=list)
    identity: IdentityStats | None = None
    classification: Classification | None = None
    plan_id: str | None = None
    plan: Plan | None = None
    parked_dropped: int = 0
    applied: ApplyStats | None = None
    status: str = "running"
    message: str = ""
    trigger: str = "manual"  # manual (a command) / schedule (serve)
    exit_code: int | None = None  # what `reengage sync` exits with for this outcome


def start_run(engine: Engine, kind: str, as_of: datetime, trigger: str = "manual") -> int:
    """Records a run as ``running`` (with its trigger, shown by ``reengage runs`` even if the
    process dies before :func:`finish_run`)."""
    with engine.begin() as conn:
        result = conn.execute(
            runs.insert().values(
                kind=kind,
                started_at=datetime.now(UTC),
                status="running",
                as_of=as_of,
                stats={"trigger": trigger},
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_run(engine: Engine, result: RunResult, stats: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(runs)
            .where(runs.c.id == result.run_id)
            .values(
                finished_at=datetime.now(UTC),
                status=result.status,
                stats=stats,
                message=result.message,
            )
        )


def sources_of(connectors: Mapping[Platform, Connector]) -> dict[Platform, SourceConnector]:
    return {p: c for p, c in connectors.items() if isinstance(c, SourceConnector)}


def pull_all(
    engine: Engine, connectors: Mapping[Platform, Connector], progress: Progress | None = None
) -> list[PullStats]:
    """Pulls each platform that is a source in turn; ``progress`` hears each stream as
    ``"<platform> <stream>"`` (both built-in platforms have ``contacts`` and ``tasks``:
    unlabelled, their counts would merge)."""
    sources = sources_of(connectors)
    return [pull(engine, source, _labelled(progress, p.value)) for p, source in sources.items()]


def _labelled(progress: Progress | None, platform: str) -> Progress | None:
    if progress is None:
        return None

    def labelled(stream: str, n: int, complete: bool) -> None:
        progress(f"{platform} {stream}", n, complete)

    return labelled


def classify_all(
    engine: Engine, rules: Rules, as_of: datetime
) -> tuple[IdentityStats, Classification]:
    identity, people = resolve_people(engine, as_of)
    return identity, decide(engine, rules, as_of, people)


def plan_all(
    engine: Engine, rules: Rules, classification: Classification, run_id: int | None
) -> tuple[str, Plan, int]:
    """Makes the plan, drops parked operations, stores it; returns (plan id, plan, dropped)."""
    with engine.begin() as conn:
        plan = make_plan(plan_input(conn, classification, rules), rules)
        plan, dropped = drop_parked(conn, plan)
        plan_id = save_plan(
            conn,
            plan,
            as_of=classification.decisions.as_of,
            version=store_version(conn),
            run_id=run_id,
        )
    return plan_id, plan, dropped


def ever_applied(engine: Engine) -> bool:
    """Whether reengage has ever written to the configured platforms from this store."""
    with engine.connect() as conn:
        query = select(func.count()).where(operations.c.status == "applied")
        return bool(conn.execute(query).scalar_one())


def setup_all(
    connectors: Mapping[Platform, Connector], rules: Rules, *, create: bool
) -> list[tuple[str, SetupItem]]:
    """Checks (and with ``create``, creates) what reengage needs on each platform it writes."""
    out: list[tuple[str, SetupItem]] = []
    for platform, connector in sinks_of(connectors).items():
        items = connector.check_setup(rules)
        missing = [i for i in items if i.status == "missing"]
        if create and missing:
            done = {(i.kind, i.name): i for i in connector.apply_setup(missing)}
            items = [done.get((i.kind, i.name), i) for i in items]
        out += [(platform.value, item) for item in items]
    return out


def sinks_of(connectors: Mapping[Platform, Connector]) -> dict[Platform, FieldSink]:
    """The connectors that write: full sinks, and plug-ins' field sinks."""
    return {p: c for p, c in connectors.items() if isinstance(c, FieldSink)}


def apply_all(
    engine: Engine,
    plan_id: str,
    connectors: Mapping[Platform, Connector],
    rules: Rules,
    *,
    alerts: AlertSender | None = None,
    stop: threading.Event | None = None,
    on_call: Callable[[str, str, int], None] | None = None,
    check: Callable[[], None] | None = None,
) -> ApplyStats:
    return apply_plan(
        engine, plan_id, sinks_of(connectors), rules, alerts=alerts, stop=stop, on_call=on_call,
        check=check,
    )  # fmt: skip


def exit_code(result: RunResult, exc: BaseException | None = None) -> int:
    """The run's outcome as the CLI's exit codes (sync/cli/common.py): 0 done, 1 failed (or an
    operation failed), 2 configuration, 3 stopped cleanly (the next run resumes)."""
    if isinstance(exc, StopRun | KeyboardInterrupt) or result.status == "stopped":
        return 3
    if isinstance(exc, ConfigurationError):
        return 2
    failed = result.applied is not None and result.applied.total("failed") > 0
    return 1 if exc is not None or failed else 0


def run_stats(result: RunResult) -> dict[str, Any]:
    """The ``runs.stats`` JSON: what ``reengage runs`` shows (trigger, reads per stream,
    operations applied and failed, the exit code) besides the counts below."""
    out: dict[str, Any] = {
        "trigger": result.trigger,
        "exit_code": exit_code(result) if result.exit_code is None else result.exit_code,
        "read": {
            s.platform: {"records": s.records, "activities": s.activities, "deals": s.deals}
            for s in result.pulled
        },
        "streams": {s.platform: dict(s.by_stream) for s in result.pulled},
    }
    if result.classification is not None:
        c = result.classification
        names = c.decisions.status_names
        counts = {
            names[code] or "none": int((c.decisions.status == code).sum())
            for code in range(len(names))
        }
        out["decided"] = {"persons": len(c.snapshot.person_keys), "status": counts}
    if result.plan is not None:
        out["planned"] = {
            f"{op}/{platform}": n for (op, platform), n in result.plan.counts().by_op.items()
        }
    if result.applied is not None:
        out["applied"] = {f"{p}/{op}": n for (p, op), n in result.applied.applied.items()}
        out["failed"] = {f"{p}/{op}": n for (p, op), n in result.applied.failed.items()}
    return out


def _failure_message(engine: Engine, exc: BaseException) -> str:
    """What ``reengage runs`` shows for a failed run: a store fault in the words the command
    prints (not SQLAlchemy's, which quote the statement and its rows)."""
    if isinstance(exc, STORE_FAULTS):
        return store_fault_message(engine.url.render_as_string(hide_password=False), exc)
    return getattr(exc, "user_message", None) or f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True, slots=True)
class CycleOptions:
    """What one cycle does and what it reports to.

    ``kind`` names the run in the ``runs`` table (backfill, sync, plan, demo), ``trigger``
    what started it (``manual``: a command; ``schedule``: ``reengage serve``); ``plan`` and
    ``apply`` how far it goes. Hooks: ``progress`` hears each stream's reads, ``alerts``
    sends alert operations, ``stop`` ends an apply cleanly between batches, ``on_call``
    hears each write call (platform, operation kind, batch size), and ``check`` (the run's
    store lock, :meth:`sync.serve.lock.StoreLock.check`) is called before each call to a
    platform and raises when the run may no longer write.
    """

    kind: str
    as_of: datetime
    plan: bool = True
    apply: bool = False
    trigger: str = "manual"
    progress: Progress | None = None
    alerts: AlertSender | None = None
    stop: threading.Event | None = None
    on_call: Callable[[str, str, int], None] | None = None
    check: Callable[[], None] | None = None


def run_cycle(
    engine: Engine, connectors: Mapping[Platform, Connector], rules: Rules, options: CycleOptions
) -> RunResult:
    """One cycle: pull every platform, resolve, classify, then (optionally) plan and apply.

    A StopRun from a connector ends the cycle after the pull with status ``stopped``.
    """
    o = options
    result = RunResult(run_id=start_run(engine, o.kind, o.as_of, o.trigger), trigger=o.trigger)
    try:
        result.pulled = pull_all(engine, connectors, o.progress)
        result.identity, result.classification = classify_all(engine, rules, o.as_of)
        if o.plan:
            result.plan_id, result.plan, result.parked_dropped = plan_all(
                engine, rules, result.classification, result.run_id
            )
        if o.apply and result.plan_id is not None:
            result.applied = apply_all(
                engine, result.plan_id, connectors, rules, alerts=o.alerts, stop=o.stop,
                on_call=o.on_call, check=o.check,
            )  # fmt: skip
        result.status = "stopped" if result.applied is not None and result.applied.stopped else "ok"
    except BaseException as exc:
        result.status = "stopped" if isinstance(exc, StopRun | KeyboardInterrupt) else "failed"
        result.message = _failure_message(engine, exc)
        result.exit_code = exit_code(result, exc)
        finish_run(engine, result, run_stats(result))
        raise
    finish_run(engine, result, run_stats(result))
    return result
