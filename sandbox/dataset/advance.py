"""Moving the world forward by one week: who engages, who wakes up, what we do to them.

The history generator (:mod:`.behaviour`) fixes everyone's past; this module
draws the weeks after ``now`` from the same per-person propensities, so that
a demo can run reengage, let a week pass, and see who reacts.

**Two kinds of person each week.** A person is *quiet* when their last
engagement is at least ``Pace.quiet_days`` (90) old, or when they never
engaged; everyone else is *engaged*. Engaged persons keep engaging at the
world's rates (``Knobs``: opens and clicks of the week's marketing emails,
web visits, forms, downloads, replies, meetings, connected calls, event
registrations and attendance), each scaled by their ``intensity``. Quiet
persons do nothing of their own except, with a small weekly chance, *wake
up*: one burst of engagement strong enough to end a dormancy episode (an
open then a click, three page views, a form, a reply, a meeting or a
connected call: every burst scores at least 10, reengage's
``reactivation_threshold``). After a wake-up the person is engaged again.
Outreach (marketing sends to each subscriber's share of the week's emails,
bot opens and clicks, call attempts, sales emails, notes, tasks, missed
meetings, event invitations) happens to everyone, quiet or not.

**Uplift.** Every engagement probability of a *treated* person (one reengage
put on a list or gave a call task) is multiplied by ``1 + uplift``: the open
probability of each send, every Poisson engagement rate, attendance, and the
weekly wake-up chance ``p_i`` (:func:`wake_chance`, fixed per person: a base
rate times the square root of their intensity times a factor of their quiet
profile; 2-3% of quiet persons a week on average).

**What the lift should be.** Because a quiet person's only engagement is a
wake-up and every wake-up reactivates, a person dormant at the start of a
``W``-week period is reactivated in it with probability
``1 - (1 - p_i)^W`` untreated and ``1 - (1 - p_i (1 + u))^W`` treated
(:func:`expected_wake_share`). For small ``p_i W`` the ratio of the two rates
is about ``1 + u`` (the relative lift is ``u``) and their difference, which
is what ``reengage report`` shows as the lift, is about ``mean(p_i) W u``:
about 2% x 4 x 0.3 = 2.4 points for a 4-week demo with ``uplift=0.3`` (the
untreated weekly rate measured at 20,000 persons is 1.9%).
Compute it from the cohort with :func:`expected_wake_share` rather than from
that approximation, and scale it by the share of the non-holdout cohort that
reengage actually treated (opted-out persons in segments without a call task
get neither a list nor a task).

**Determinism and row numbers.** Each week draws from its own generators,
seeded by the world's seed and the week's start, so the same seed and the
same sequence of weeks (and treated sets) give the same rows. New rows are
appended after the existing ones, sorted by (person, instant) within the
week, so that the row numbers the renderers turn into ids never change for
earlier rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from sandbox.dataset.acts import ENGAGEMENT_ACTS, Act, Activities, ActivityBuffer
from sandbox.dataset.catalog import _emails as email_calendar  # same calendar grid
from sandbox.dataset.population import Profile
from sandbox.dataset.timecols import DAY, HOUR, MINUTE
from sandbox.dataset.week_draws import Week, draw_mail, draw_outreach, draw_regular
from sandbox.dataset.world import World

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
WEEK = 7 * DAY
_ENGAGEMENT = np.array(ENGAGEMENT_ACTS, dtype=np.int8)


def _profile_factors() -> dict[int, float]:
    return {
        Profile.QUIET_90_180: 1.0,
        Profile.QUIET_180_365: 0.8,
        Profile.QUIET_365_PLUS: 0.6,
        Profile.NEVER: 0.5,
        Profile.UNRESPONSIVE: 0.3,
        Profile.DORMANT_CUSTOMER: 0.7,
    }


@dataclass(frozen=True, slots=True)
class Pace:
    """How quiet persons wake up, in one place so a test or a demo can change it.

    Attributes:
        quiet_days: days without engagement after which a person only wakes up.
        wake_per_week: weekly wake-up chance of a quiet person of intensity 1 and factor 1.
        wake_cap: the largest weekly wake-up chance, uplift included.
        profile_factor: multiplies the chance per quiet profile (others: 1).
        mailable_mix: click, visits, form, reply, meeting shares of a mailable HubSpot person.
        unmailable_mix: visits, form, meeting shares of a HubSpot person who cannot be mailed.
        sales_mix: meeting, connected call shares of a person known only to Salesforce.
    """

    quiet_days: int = 90
    wake_per_week: float = 0.03
    wake_cap: float = 0.9
    profile_factor: dict[int, float] = field(default_factory=_profile_factors)
    mailable_mix: tuple[float, float, float, float, float] = (0.45, 0.2, 0.15, 0.1, 0.1)
    unmailable_mix: tuple[float, float, float] = (0.45, 0.3, 0.25)
    sales_mix: tuple[float, float] = (0.5, 0.5)


@dataclass(frozen=True, slots=True)
class WeekDraw:
    """What one week added to the world.

    Attributes:
        start: the old ``now`` (epoch seconds); every new row is in ``[start, end)``.
        end: the new ``now``.
        rows: the new rows' positions in ``world.activities``.
        quiet: persons quiet at the week's start.
        woke: quiet persons who woke up this week.
        engaged: persons with any engagement this week.
        treated: the treated mask the week was drawn with.
    """

    start: int
    end: int
    rows: slice
    quiet: Bools
    woke: Bools
    engaged: Bools
    treated: Bools


def quiet_mask(world: World, pace: Pace | None = None) -> Bools:
    """Persons with no engagement in the last ``quiet_days`` (or none ever) as of ``now``."""
    pace = pace or Pace()
    last = world.last_engagement()
    out: Bools = (last < 0) | (last <= world.now - pace.quiet_days * DAY)
    return out


def wake_chance(world: World, pace: Pace | None = None) -> F64:
    """Each person's weekly wake-up chance when quiet and untreated (fixed per person)."""
    pace = pace or Pace()
    factor = np.ones(world.persons.count)
    for profile, value in pace.profile_factor.items():
        factor[world.persons.profile == profile] = value
    root = np.sqrt(np.clip(world.propensity.intensity, 0.1, 4.0))
    out: F64 = np.clip(pace.wake_per_week * root * factor, 0.0, pace.wake_cap)
    return out


def expected_wake_share(p: F64, weeks: int, uplift: float = 0.0, cap: float = 0.9) -> F64:
    """Chance that a quiet person of weekly chance ``p`` wakes within ``weeks`` weeks."""
    weekly = np.minimum(p * (1.0 + uplift), cap)
    out: F64 = 1.0 - (1.0 - weekly) ** weeks
    return out


def _mailable(world: World) -> Bools:
    pr = world.presence
    out: Bools = pr.in_hs & ~pr.optout_hs & (pr.bounce_at < 0)
    return out


def _wake_kinds(world: World, who: I64, u: F64, pace: Pace) -> npt.NDArray[np.int8]:
    """The burst each waking person makes, from the channels that reach them."""
    pr = world.presence
    cm = np.cumsum(pace.mailable_mix)
    mail = np.select(
        [u < cm[0], u < cm[1], u < cm[2], u < cm[3]],
        [Act.MKT_CLICK, Act.WEB_VISIT, Act.FORM, Act.REPLY],
        Act.MEETING_HELD,
    )
    cu = np.cumsum(pace.unmailable_mix)
    unmail = np.select([u < cu[0], u < cu[1]], [Act.WEB_VISIT, Act.FORM], Act.MEETING_HELD)
    sales = np.where(u < pace.sales_mix[0], Act.MEETING_HELD, Act.CALL_CONNECTED)
    sales = np.where((sales == Act.CALL_CONNECTED) & pr.do_not_call[who], Act.MEETING_HELD, sales)
    kind = np.where(_mailable(world)[who], mail, np.where(pr.in_hs[who], unmail, sales))
    return kind.astype(np.int8)


def _wake(week: Week, chance: F64, acc: ActivityBuffer, pace: Pace) -> tuple[Bools, I64, I64]:
    """Draws the wake-ups; returns who woke and the (person, email) pairs of click bursts."""
    rng, world = week.rng("wake"), week.world
    n = world.persons.count
    draw = rng.random(n)
    woke = week.quiet & (draw < np.minimum(chance * week.mult, pace.wake_cap))
    who = np.flatnonzero(woke)
    kind = _wake_kinds(world, who, rng.random(who.size), pace)
    at = week.start + HOUR + (rng.random(who.size) * (WEEK - 3 * HOUR)).astype(np.int64)
    forms, calls = len(world.catalog.forms), 3
    for k in (Act.FORM, Act.REPLY, Act.MEETING_HELD, Act.CALL_CONNECTED):
        sel = kind == k
        nref = {Act.FORM: forms, Act.CALL_CONNECTED: calls}.get(k, 0)
        ref = rng.integers(0, nref, int(sel.sum())) if nref else -1
        acc.add(who[sel], k, at[sel], ref)
    visits = kind == Act.WEB_VISIT
    for offset in (0, 10 * MINUTE, 25 * MINUTE):
        acc.add(who[visits], Act.WEB_VISIT, at[visits] + offset)
    clicks = who[kind == Act.MKT_CLICK]
    emails = week.emails
    if emails.size == 0:
        acc.add(clicks, Act.WEB_VISIT, at[kind == Act.MKT_CLICK])
        return woke, np.zeros(0, np.int64), np.zeros(0, np.int64)
    return woke, clicks, emails[rng.integers(0, emails.size, clicks.size)]


def _extend_catalog(world: World, end: int) -> None:
    """Adds the marketing emails of the calendar up to ``end`` (the same grid as history)."""
    cat = world.catalog
    start = int(cat.email_at[0]) - 2 * DAY - HOUR
    names, times = email_calendar(start, end, world.knobs.marketing_emails_per_week)
    if times.size > cat.email_at.size:
        world.catalog = replace(cat, email_names=names, email_at=times)


def _append(world: World, new: Activities) -> slice:
    old = world.activities
    world.activities = Activities(
        np.concatenate([old.person, new.person]),
        np.concatenate([old.kind, new.kind]),
        np.concatenate([old.at, new.at]),
        np.concatenate([old.ref, new.ref]),
    )
    return slice(old.count, world.activities.count)


def _empty_buffer(acc: ActivityBuffer) -> None:
    empty = np.zeros(0, dtype=np.int64)
    acc.add(empty, Act.NOTE, empty)  # build() needs one part


def advance_world(
    world: World, treated: Bools, uplift: float, pace: Pace | None = None
) -> WeekDraw:
    """Draws the week after ``world.now``, appends it to the activities and moves ``now``.

    Args:
        world: the world to move (changed in place: activities, catalogue, ``now``).
        treated: per person, whether reengage treated them (lists, campaigns, call tasks).
        uplift: every engagement probability of a treated person is multiplied by 1 + uplift.
        pace: the wake-up model (defaults: :class:`Pace`).
    """
    pace = pace or Pace()
    start, end = world.now, world.now + WEEK
    _extend_catalog(world, end)
    week = Week.open(world, start, end, quiet_mask(world, pace), treated, uplift)
    acc = ActivityBuffer()
    _empty_buffer(acc)
    woke, click_who, click_email = _wake(week, wake_chance(world, pace), acc, pace)
    draw_mail(week, acc, _mailable(world), click_who, click_email)
    draw_regular(week, acc)
    draw_outreach(week, acc)
    new = acc.build()
    keep = (new.at >= start) & (new.at < end)
    new = Activities(new.person[keep], new.kind[keep], new.at[keep], new.ref[keep])
    rows = _append(world, new)
    world.now = end
    engaged = np.zeros(world.persons.count, dtype=np.bool_)
    engaged[new.person[np.isin(new.kind, _ENGAGEMENT)]] = True
    return WeekDraw(start, end, rows, week.quiet, woke, engaged, treated)
