"""The desired state of one person as of T: their status values, lists, and field values.

Values here are what the platforms should hold, before any comparison with what
was applied (that is :mod:`sync.plan.diff`).

Choices where SPEC is silent:

* After an episode ended (reactivated / handed off), the engine's own anchor has
  moved to the engagement that ended it; the fields keep describing the episode:
  ``quiet_since`` is the episode's anchor and ``dormant_days`` the quiet time it
  ended (``floor((r - anchor) / 24h)``), not the days since yesterday's click.
* Segment, period segment and approach exist only while the episode is open; once
  it ended they are not written (they keep their last values, like every field
  but ``status`` once the status is gone).
* ``fields.dormant_days_mode = "formula"`` (issue 16): nothing here moves with time
  alone; see :func:`wanted_values`.
* Instants are sent as ISO-8601 UTC with milliseconds, ``2026-11-24T18:10:32.000Z``,
  on both platforms: Salesforce's DateTime format, and one HubSpot's date-time
  properties accept and return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from config.rules import Rules
from config.rules_platform import FIELD_KEYS
from connectors.base import Platform, RecordRef, RecordType
from sync.engine.codes import DAY_MS, STATUS_NAMES, Status
from sync.engine.inputs import I64

from .inputs import PlanInput
from .model import FieldValue

ENDED = (Status.REACTIVATED, Status.HANDED_OFF)
_SF_OBJECT = {RecordType.SALESFORCE_LEAD: "Lead", RecordType.SALESFORCE_CONTACT: "Contact"}


def iso_ms(ms: int) -> str | None:
    """Epoch ms as ``2026-11-24T18:10:32.000Z`` (None for -1: no instant)."""
    if ms < 0:
        return None
    at = datetime.fromtimestamp(ms // 1000, UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def episode_anchors(inp: PlanInput) -> I64:
    """The anchor of each person's latest episode (-1: never in one)."""
    ep = inp.decisions.episodes
    out = np.full(inp.n_persons, -1, dtype=np.int64)
    if len(ep.person) == 0:
        return out
    # Rows are ordered by (person, start): each person's last row is their latest episode.
    last = np.r_[ep.person[1:] != ep.person[:-1], True]
    out[ep.person[last]] = ep.anchor_ms[last]
    return out


def _name(names: tuple[str, ...], code: int) -> str | None:
    return names[code] if code >= 0 and names[code] else None


@dataclass(frozen=True, slots=True)
class PersonState:
    """One person's reengage values as of T (``status`` "" for none)."""

    index: int
    key: str
    status: Status
    segment: str | None
    period_segment: str | None
    approach: str | None
    dormant_days: int
    score: float
    score_at_last: float
    quiet_since_ms: int
    last_engagement_ms: int
    last_touch: str | None
    episode_start_ms: int
    holdout: bool

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def label(self) -> str | None:
        """What the plan counts the person under: their segment, else their status."""
        return self.segment or self.status_name or None


def person_state(inp: PlanInput, i: int, anchors: I64) -> PersonState:
    d = inp.decisions
    status = Status(int(d.status[i]))
    quiet_ms, days = int(d.quiet_since_ms[i]), int(d.dormant_days[i])
    if status in ENDED and anchors[i] >= 0:
        quiet_ms = int(anchors[i])
        days = (int(d.reactivated_ms[i]) - quiet_ms) // DAY_MS
    touch = int(d.last_touch[i])
    return PersonState(
        index=i,
        key=inp.person_keys[i],
        status=status,
        segment=_name(d.segment_names, int(d.segment[i])),
        period_segment=_name(d.segment_names, int(d.period_segment[i])),
        approach=_name(d.approach_names, int(d.approach[i])),
        dormant_days=days,
        score=round(float(d.score[i]), 1),
        score_at_last=round(float(d.score_at_last[i]), 1),
        quiet_since_ms=quiet_ms,
        last_engagement_ms=int(d.last_engagement_ms[i]),
        last_touch=inp.details[touch] if touch >= 0 else None,
        episode_start_ms=int(d.episode_start_ms[i]),
        holdout=bool(inp.holdout[i]),
    )


def wanted_lists(state: PersonState, no_email: bool, rules: Rules) -> tuple[str, ...]:
    """The reengage lists the person belongs on (``no_email``: opted out or bounced)."""
    if state.holdout or state.status is Status.NONE:
        return ()
    prefix = rules.lists.prefix
    if state.status is Status.SUNSET:
        return (prefix + rules.lists.sunset,)
    if state.status in ENDED:
        return (prefix + rules.lists.reactivated,)
    if no_email or state.segment is None:
        return ()
    return (prefix + state.segment,)


def field_names(rules: Rules, platform: Platform) -> dict[str, str]:
    """Reengage's own field names on a platform, by key of :data:`FIELD_KEYS`: the rules'
    on HubSpot and Salesforce, the keys themselves on a plug-in's platform."""
    if platform is Platform.HUBSPOT:
        return {key: getattr(rules.fields.hubspot, key) for key in FIELD_KEYS}
    if platform is Platform.SALESFORCE:
        return {key: getattr(rules.fields.salesforce, key) for key in FIELD_KEYS}
    return {key: key for key in FIELD_KEYS}


def wanted_values(
    state: PersonState, platform: Platform, formula: bool = False
) -> dict[str, FieldValue]:
    """Field values by key; a key left out is not written (it keeps its last value).

    With ``formula`` (``fields.dormant_days_mode = "formula"``) no value moves with
    time alone: ``score`` is the score as of the last engagement that added to it,
    and ``dormant_days`` is not written on Salesforce (a formula field computes it)
    and emptied on HubSpot, which only writes where written mode left a value.
    """
    if state.status is Status.NONE:
        return {"status": None}
    values: dict[str, FieldValue] = {
        "status": state.status_name,
        "segment": state.segment,
        "period_segment": state.period_segment,
        "approach": state.approach,
        "dormant_days": state.dormant_days,
        "score": state.score_at_last if formula else state.score,
        "quiet_since": iso_ms(state.quiet_since_ms),
        "last_engagement_at": iso_ms(state.last_engagement_ms),
        "last_touch": state.last_touch,
        "holdout": state.holdout,
    }
    if state.status in ENDED:  # the ended episode's segment keeps its last written value
        for key in ("segment", "period_segment", "approach"):
            if values[key] is None:
                del values[key]
    if formula and platform is Platform.SALESFORCE:
        del values["dormant_days"]
    elif formula:
        values["dormant_days"] = None
    return values


def handoff_values(rules: Rules, ref: RecordRef) -> dict[str, FieldValue]:
    """The configured hand-off values for a record of this type (may be empty)."""
    if ref.record_type is RecordType.HUBSPOT_CONTACT:
        return dict(rules.handoff.hubspot)
    sf_object = _SF_OBJECT.get(ref.record_type)
    return dict(rules.handoff.salesforce.get(sf_object, {})) if sf_object else {}
