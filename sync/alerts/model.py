"""An alert as the message builders read it: the ``send_alert`` operation's payload, typed.

The planner (``sync/plan/alerts.py``) stores a JSON payload per alert; this
module turns it into an :class:`Alert` once, so that the Slack, Teams and
generic builders share one reading of it and one wording (:meth:`Alert.headline`).
The payload has no name today; a ``name`` key, when the planner adds one, is
shown before the email.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import RecordRef, RecordType
from sync.plan.model import OpKind
from sync.store.journal import JournalEntry

from .links import RecordLinks

HOLDOUT_NOTE = "HOLDOUT (control group: no task, no list)"
_STATUS_LABEL = {"handed_off": "handed off"}


@dataclass(frozen=True, slots=True)
class Link:
    """One record of the person: what it is called and, when known, its URL."""

    label: str
    url: str | None
    ref: RecordRef


@dataclass(frozen=True, slots=True)
class Alert:
    """One reactivation or hand-off, with the links to the person's records."""

    key: str
    event: str  # "reactivation" | "handoff"
    person_key: str
    email: str | None
    name: str | None
    status: str  # "reactivated" | "handed_off"
    score: float
    what: str  # "clicked Spring webinar invite on 2026-11-20"
    kind: str | None
    detail: str | None
    at: str | None
    dormant_days: int | None
    holdout: bool
    links: tuple[Link, ...]

    @classmethod
    def from_entry(cls, entry: JournalEntry, links: RecordLinks) -> Alert:
        """Reads a journal entry's ``send_alert`` operation.

        Raises:
            ValueError: the entry is not an alert (a caller's bug, not an HTTP problem).
        """
        op = entry.operation
        if op.op is not OpKind.SEND_ALERT:
            raise ValueError(f"operation {entry.id} is {op.op}, not {OpKind.SEND_ALERT}")
        p: Mapping[str, Any] = op.payload
        refs = [
            RecordRef(RecordType(r["record_type"]), str(r["record_id"]))
            for r in p.get("records", ())
        ]
        return cls(
            key=op.idempotency_key,
            event=str(p.get("event") or op.target or "reactivation"),
            person_key=str(p.get("person_key", "")),
            email=p.get("email"),
            name=p.get("name"),
            status=str(p.get("status", "")),
            score=float(p.get("score") or 0.0),
            what=str(p.get("what", "")),
            kind=p.get("kind"),
            detail=p.get("detail"),
            at=p.get("at"),
            dormant_days=p.get("dormant_days"),
            holdout=bool(p.get("holdout", False)),
            links=tuple(
                Link(links.label(r), links.url(r), r)
                for r in refs
                if r.record_type is not RecordType.EMAIL_ADDRESS
            ),
        )

    @property
    def who(self) -> str:
        """``Jane Doe <jane@example.com>``, the email alone, or the person key."""
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email or self.person_key

    @property
    def verb(self) -> str:
        return "was handed off" if self.event == "handoff" else "reactivated"

    @property
    def status_label(self) -> str:
        return _STATUS_LABEL.get(self.status, self.status)

    def headline(self) -> str:
        """``jane@example.com reactivated: clicked Spring webinar invite on 2026-11-20``."""
        return f"{self.who} {self.verb}: {self.what}"

    def facts(self) -> list[tuple[str, str]]:
        """The context a reader weighs: status, score, quiet time and, for a holdout, why no
        task follows."""
        facts = [("Status", self.status_label), ("Score", f"{self.score:.1f}")]
        if self.dormant_days is not None:
            facts.append(("Dormant days", str(self.dormant_days)))
        if self.holdout:
            facts.append(("Holdout", "yes: control group, no task and no list"))
        return facts

    def plain(self) -> str:
        """The alert on one line of plain text: Slack's notification text, the generic ``text``."""
        marker = f"[{HOLDOUT_NOTE}] " if self.holdout else ""
        facts = ", ".join(f"{k.lower()} {v}" for k, v in self.facts()[:3])
        return f"{marker}{self.headline()} ({facts})"


def summary(alerts: Sequence[Alert], part: int = 1, parts: int = 1) -> str:
    """``Reengage: 3 reactivated, 1 handed off (part 2 of 3)``: a message's title."""
    handoffs = sum(a.event == "handoff" for a in alerts)
    counts = [
        f"{n} {label}"
        for n, label in ((len(alerts) - handoffs, "reactivated"), (handoffs, "handed off"))
        if n
    ]
    holdout = sum(a.holdout for a in alerts)
    text = "Reengage: " + ", ".join(counts or ["no alerts"])
    if holdout:
        text += f" ({holdout} in the holdout)"
    if parts > 1:
        text += f" (part {part} of {parts})"
    return text
