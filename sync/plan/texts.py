"""What a caller reads: task subjects and bodies, and the one-line summary of an alert.

A task says why it exists first (the segment and its approach, or what the person
just did and when), then the context for the call: segment, approach, dormant
days, last touch, score and — for lost deals when the rule asks — the loss reason.
Lines with nothing to say are left out rather than printed empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from .desired import PersonState
from .model import Trigger
from .triggers import day_of


@dataclass(frozen=True, slots=True)
class TaskContext:
    """Everything a task's text is made from, beyond the person's state."""

    trigger: Trigger
    what: str | None  # "clicked Spring webinar invite on 2026-11-20" (reactivation only)
    loss_reason: str | None
    email: str | None
    zone: str


def subject(state: PersonState, ctx: TaskContext) -> str:
    if ctx.trigger is Trigger.REACTIVATION:
        verb = "handed off" if state.status_name == "handed_off" else "reactivated"
        return f"Reengage: {verb}, call now: {ctx.what}"
    return (
        f"Reengage: {state.approach or 'follow up'} ({state.segment}, "
        f"dormant {state.dormant_days} days)"
    )


def _day(ms: int, zone: str) -> str | None:
    return day_of(ms, zone) if ms >= 0 else None


def body(state: PersonState, ctx: TaskContext) -> str:
    if ctx.trigger is Trigger.REACTIVATION:
        why = f"Re-engaged after {state.dormant_days} quiet days: {ctx.what}."
    else:
        play = f"{state.segment}: {state.approach}"
        why = f"Dormant for {state.dormant_days} days; playbook for {play}."
    lines: list[tuple[str, object]] = [
        ("Status", state.status_name),
        ("Segment", state.segment),
        ("Period segment", state.period_segment),
        ("Approach", state.approach),
        ("Dormant days", state.dormant_days),
        ("Quiet since", _day(state.quiet_since_ms, ctx.zone)),
        ("Last touch", state.last_touch),
        ("Last engagement", _day(state.last_engagement_ms, ctx.zone)),
        ("Reengage score", f"{state.score:.1f}"),
        ("Loss reason", ctx.loss_reason),
        ("Email", ctx.email),
    ]
    shown = [f"{label}: {value}" for label, value in lines if value not in (None, "")]
    return "\n".join([why, "", *shown])


def alert_text(state: PersonState, event: str, what: str, email: str | None) -> str:
    """One line: ``jane@example.com reactivated: clicked Spring webinar invite on 2026-11-20
    (score 12.0)``."""
    who = email or state.key
    verb = "was handed off" if event == "handoff" else "reactivated"
    return f"{who} {verb}: {what} (score {state.score:.1f})"
