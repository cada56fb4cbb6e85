"""The world's activities as columns: their kinds, the buffer they are drawn into, and the
Poisson draw every kind uses (shared by :mod:`~sandbox.dataset.behaviour` and
:mod:`~sandbox.dataset.outreach`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sandbox.dataset.catalog import Catalog
from sandbox.dataset.knobs import Knobs
from sandbox.dataset.population import Persons, Profile
from sandbox.dataset.presence import Presence
from sandbox.dataset.timecols import DAY

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
YEAR = 365 * DAY


class Act(enum.IntEnum):
    """World activity kinds: finer than ActivityKind, since renders need the nuance."""

    MKT_SENT = 0
    MKT_OPEN = 1
    MKT_CLICK = 2
    BOT_OPEN = 3
    BOT_CLICK = 4
    BOUNCE = 5
    SALES_EMAIL = 6
    REPLY = 7
    WEB_VISIT = 8
    FORM = 9
    DOWNLOAD = 10
    EVENT_INVITE = 11
    EVENT_REGISTER = 12
    EVENT_ATTEND = 13
    MEETING_HELD = 14
    MEETING_NO_SHOW = 15
    MEETING_CANCELLED = 16
    MEETING_FUTURE = 17
    CALL_CONNECTED = 18
    CALL_ATTEMPT = 19
    NOTE = 20
    TASK_DONE = 21
    TASK_OPEN = 22


ENGAGEMENT_ACTS = (
    Act.MKT_OPEN,
    Act.MKT_CLICK,
    Act.REPLY,
    Act.WEB_VISIT,
    Act.FORM,
    Act.DOWNLOAD,
    Act.EVENT_REGISTER,
    Act.EVENT_ATTEND,
    Act.MEETING_HELD,
    Act.CALL_CONNECTED,
)


@dataclass(slots=True)
class Propensity:
    """Per-person behavioural dispositions, kept so the world can later move forward."""

    intensity: npt.NDArray[np.float64]  # multiplies every engagement rate
    list_share: npt.NDArray[np.float64]  # share of marketing emails received
    open_rate: npt.NDArray[np.float64]
    click_rate: npt.NDArray[np.float64]


@dataclass(slots=True)
class Activities:
    """Columns sorted by (person, at). ``ref`` indexes the catalogue per kind (-1 if none)."""

    person: I64
    kind: npt.NDArray[np.int8]
    at: I64
    ref: I64

    @property
    def count(self) -> int:
        return int(self.person.size)


class ActivityBuffer:
    """Collects column chunks of activities."""

    def __init__(self) -> None:
        self.parts: list[tuple[I64, Act, I64, I64]] = []

    def add(self, person: I64, kind: Act, at: I64, ref: I64 | int = -1) -> None:
        refs = np.broadcast_to(np.asarray(ref, dtype=np.int64), person.shape)
        self.parts.append((person.astype(np.int64), kind, at.astype(np.int64), refs))

    def build(self) -> Activities:
        person = np.concatenate([p[0] for p in self.parts])
        kind = np.concatenate([np.full(p[0].size, p[1], dtype=np.int8) for p in self.parts])
        at = np.concatenate([p[2] for p in self.parts])
        ref = np.concatenate([p[3] for p in self.parts])
        order = np.lexsort((kind, at, person))
        return Activities(person[order], kind[order], at[order], ref[order])


def make_propensity(rng: np.random.Generator, p: Persons, knobs: Knobs) -> Propensity:
    n = p.count
    m = knobs.list_share_mean
    share = rng.beta(1.5, 1.5 * (1 - m) / m, n)
    unresponsive = p.profile == Profile.UNRESPONSIVE
    share[unresponsive] = rng.uniform(0.3, 0.5, int(unresponsive.sum()))
    o, c = knobs.open_rate_mean, knobs.click_given_open_mean
    return Propensity(
        rng.gamma(2.0, 0.5, n),
        share,
        rng.beta(2, 2 * (1 - o) / o, n),
        rng.beta(1.5, 1.5 * (1 - c) / c, n),
    )


def poisson(
    rng: np.random.Generator, mask: Bools, lo: I64, hi: I64, rate: npt.NDArray[np.float64] | float
) -> tuple[I64, I64]:
    """Persons and instants of a Poisson process of ``rate`` per year on [lo, hi] where ``mask``."""
    span = np.where(mask, np.maximum(hi - lo, 0), 0)
    counts = rng.poisson(span / YEAR * rate)
    person = np.repeat(np.arange(mask.size, dtype=np.int64), counts)
    at = lo[person] + (rng.random(person.size) * span[person]).astype(np.int64)
    return person, at


@dataclass(slots=True)
class Context:
    rng: np.random.Generator
    p: Persons
    pr: Presence
    prop: Propensity
    cat: Catalog
    knobs: Knobs
    now: int
    life_lo: I64  # earliest instant of any activity of each person
    w1: I64  # end of the engaged window (-1: never engaged)

    @property
    def engaged(self) -> Bools:
        return self.w1 >= 0
