"""One week's draws at the world's own rates: marketing mail, engagement, outreach.

Split from :mod:`.advance` (which decides who is quiet, who wakes and what the
week adds) so each stays one concept. Every draw here is a per-person Poisson
count or Bernoulli trial over the week, at the yearly rates of
:class:`~sandbox.dataset.knobs.Knobs`, exactly as the history was
drawn; engagement draws are restricted to engaged (not quiet) persons and
multiplied by ``Week.mult`` (``1 + uplift`` for treated persons, 1 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sandbox.dataset.acts import YEAR, Act, ActivityBuffer
from sandbox.dataset.timecols import DAY, HOUR, MINUTE
from sandbox.dataset.world import World

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
_STREAMS = ("wake", "mail", "regular", "events", "outreach")
_PAIR = 1_000_000  # key = person * _PAIR + catalogue index


@dataclass(frozen=True, slots=True)
class Week:
    """The week being drawn: its bounds, who is quiet or treated, and its emails."""

    world: World
    start: int
    end: int
    quiet: Bools
    treated: Bools
    mult: F64  # per person: 1 + uplift if treated, else 1
    emails: I64  # catalogue indices of the marketing emails sent in [start, end)

    @classmethod
    def open(
        cls, world: World, start: int, end: int, quiet: Bools, treated: Bools, uplift: float
    ) -> Week:
        at = world.catalog.email_at
        emails = np.flatnonzero((at >= start) & (at < end)).astype(np.int64)
        mult = np.where(treated, 1.0 + uplift, 1.0)
        return cls(world, start, end, quiet, treated, mult, emails)

    def rng(self, stream: str) -> np.random.Generator:
        """A generator of its own per stream, seeded by the world's seed and the week."""
        return np.random.default_rng([self.world.seed, self.start, _STREAMS.index(stream)])

    def poisson(self, rng: np.random.Generator, mask: Bools, per_year: F64) -> tuple[I64, I64]:
        """Persons and instants of a Poisson process of ``per_year`` over the week."""
        counts = rng.poisson(np.where(mask, per_year, 0.0) * (self.end - self.start) / YEAR)
        person = np.repeat(np.arange(mask.size, dtype=np.int64), counts)
        at = self.start + (rng.random(person.size) * (self.end - self.start)).astype(np.int64)
        return person, at


def _unique_pairs(person: I64, idx: I64) -> tuple[I64, I64]:
    key = np.unique(person * _PAIR + idx)
    return key // _PAIR, key % _PAIR


def draw_mail(
    week: Week, acc: ActivityBuffer, mailable: Bools, click_who: I64, click_email: I64
) -> None:
    """The week's sends, engaged persons' opens and clicks, bots, and wake-up click bursts."""
    rng, w, k = week.rng("mail"), week.world, week.world.knobs
    cat = w.catalog
    ok = mailable[:, None] & (w.persons.created[:, None] < cat.email_at[week.emails][None, :])
    ok &= rng.random(ok.shape) < w.propensity.list_share[:, None]
    pi, ei = np.nonzero(ok)
    person, email = _unique_pairs(
        np.concatenate([pi.astype(np.int64), click_who]),
        np.concatenate([week.emails[ei], click_email]),
    )
    sent = cat.email_at[email] + rng.integers(0, 20 * MINUTE, person.size)
    acc.add(person, Act.MKT_SENT, sent, email)
    prob = np.minimum(w.propensity.open_rate[person] * week.mult[person], 1.0)
    opened = ~week.quiet[person] & (rng.random(person.size) < prob)
    delay = np.minimum(rng.exponential(4 * HOUR, person.size), 20 * HOUR).astype(np.int64)
    acc.add(person[opened], Act.MKT_OPEN, sent[opened] + delay[opened], email[opened])
    clicked = opened & (rng.random(person.size) < w.propensity.click_rate[person])
    late = rng.integers(10, 1800, person.size)
    acc.add(person[clicked], Act.MKT_CLICK, (sent + delay + late)[clicked], email[clicked])
    for kind, rate in ((Act.BOT_OPEN, k.bot_open_rate), (Act.BOT_CLICK, k.bot_click_rate)):
        bot = rng.random(person.size) < rate
        acc.add(person[bot], kind, sent[bot] + rng.integers(5, 120, int(bot.sum())), email[bot])
    _click_bursts(week, acc, rng, click_who, click_email)


def _click_bursts(
    week: Week, acc: ActivityBuffer, rng: np.random.Generator, who: I64, email: I64
) -> None:
    """A waking person opens one of the week's emails within a day, then clicks it."""
    sent = week.world.catalog.email_at[email] + 20 * MINUTE
    open_at = sent + rng.integers(HOUR, DAY, who.size)
    open_at = np.maximum(np.minimum(open_at, week.end - 35 * MINUTE), sent + MINUTE)
    acc.add(who, Act.MKT_OPEN, open_at, email)
    acc.add(who, Act.MKT_CLICK, open_at + rng.integers(10, 1800, who.size), email)


def draw_regular(week: Week, acc: ActivityBuffer) -> None:
    """Engaged persons' web, forms, downloads, replies, meetings and calls, then events."""
    rng, w, k = week.rng("regular"), week.world, week.world.knobs
    pr, n = w.presence, w.persons.count
    engaged = ~week.quiet
    base = w.propensity.intensity * week.mult
    sales = base * np.where(w.persons.customer | w.persons.open_deal, 2.5, 1.0)
    table: tuple[tuple[Act, Bools, F64, int], ...] = (
        (Act.WEB_VISIT, pr.in_hs, base * k.web_visits_per_year, 0),
        (Act.FORM, pr.in_hs, base * k.forms_per_year, len(w.catalog.forms)),
        (
            Act.DOWNLOAD,
            np.ones(n, np.bool_),
            base * k.downloads_per_year,
            len(w.catalog.asset_forms),
        ),
        (Act.REPLY, pr.in_hs, sales * k.replies_per_year, 0),
        (Act.MEETING_HELD, np.ones(n, np.bool_), sales * k.meetings_per_year, 0),
        (Act.CALL_CONNECTED, ~pr.do_not_call, sales * k.connected_calls_per_year, 3),
    )
    for kind, mask, rate, nref in table:
        person, at = week.poisson(rng, mask & engaged, rate)
        acc.add(person, kind, at, rng.integers(0, nref, person.size) if nref else -1)
    _events(week, acc)


def _events(week: Week, acc: ActivityBuffer) -> None:
    """Registrations for the next event; attendance of events held this week."""
    rng, w = week.rng("events"), week.world
    cat, a = w.catalog, w.activities
    rate = w.propensity.intensity * week.mult * w.knobs.event_registrations_per_year
    person, t = week.poisson(rng, ~week.quiet, rate)
    ev_at = cat.campaign_at[cat.event_campaigns]
    idx = np.searchsorted(ev_at, t + 2 * DAY)
    ok = idx < ev_at.size
    person, t, camp = person[ok], t[ok], cat.event_campaigns[np.minimum(idx[ok], ev_at.size - 1)]
    person, camp = _unique_pairs(person, camp)
    reg_at = week.start + (rng.random(person.size) * (week.end - week.start)).astype(np.int64)
    reg_at = np.minimum(reg_at, cat.campaign_at[camp] - DAY)
    acc.add(person, Act.EVENT_REGISTER, reg_at, camp)
    old = a.kind == Act.EVENT_REGISTER
    reg_p = np.concatenate([a.person[old], person])
    reg_c = np.concatenate([a.ref[old], camp])
    held = (cat.campaign_at[reg_c] >= week.start) & (cat.campaign_at[reg_c] < week.end)
    who, ev = _unique_pairs(reg_p[held], reg_c[held])
    prob = np.minimum(w.knobs.attendance_given_registration * week.mult[who], 1.0)
    att = w.presence.in_sf[who] & (rng.random(who.size) < prob)
    acc.add(who[att], Act.EVENT_ATTEND, cat.campaign_at[ev[att]], ev[att])


def draw_outreach(week: Week, acc: ActivityBuffer) -> None:
    """What sales and marketing do to everyone: calls, emails, notes, tasks, invitations."""
    rng, w, k = week.rng("outreach"), week.world, week.world.knobs
    pr, n = w.presence, w.persons.count
    everyone = np.ones(n, dtype=np.bool_)
    table: tuple[tuple[Act, Bools, float, int], ...] = (
        (Act.CALL_ATTEMPT, ~pr.do_not_call, k.call_attempts_per_year, 4),
        (Act.SALES_EMAIL, everyone, k.sales_emails_per_year, 0),
        (Act.NOTE, everyone, k.notes_per_year, 0),
        (Act.TASK_DONE, everyone, k.tasks_per_year, 0),
        (Act.MEETING_NO_SHOW, pr.in_hs, k.meeting_misses_per_year, 0),
        (Act.MEETING_CANCELLED, pr.in_hs, k.meeting_misses_per_year, 0),
    )
    for kind, mask, rate, nref in table:
        person, at = week.poisson(rng, mask, np.full(n, rate))
        acc.add(person, kind, at, rng.integers(0, nref, person.size) if nref else -1)
    cat = w.catalog
    for camp in cat.event_campaigns.tolist():
        invite = int(cat.campaign_at[camp]) - 21 * DAY
        if week.start <= invite < week.end:
            who = np.flatnonzero(pr.in_sf & (rng.random(n) < k.event_invite_share))
            acc.add(who, Act.EVENT_INVITE, np.full(who.size, invite), camp)
