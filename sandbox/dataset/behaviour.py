"""How people engage over time, and what we do to them: every activity of the world.

Activities are columns (person, kind, instant, ref), drawn per kind with numpy:
a Poisson count per person over a window, then uniform instants inside it.
Engagement happens only inside a person's engaged window (from creation, or
the start of the history, to ``engaged_until``), plus one pinned engagement at
``engaged_until`` so the quiet time is exactly what the profile drew, plus the
comeback engagement. Outreach (marketing sends, call attempts, notes, tasks,
invitations) and bot opens happen at any time, which is what makes a naive
reader mistake a dormant person for an active one.
"""

from __future__ import annotations

import numpy as np

from sandbox.dataset.acts import (
    ENGAGEMENT_ACTS,
    I64,
    Act,
    Activities,
    ActivityBuffer,
    Context,
    Propensity,
    poisson,
)
from sandbox.dataset.catalog import Catalog
from sandbox.dataset.knobs import Knobs
from sandbox.dataset.outreach import add_outreach
from sandbox.dataset.population import Persons
from sandbox.dataset.presence import Presence
from sandbox.dataset.timecols import DAY, HOUR, MINUTE


def _mail_cutoff(c: Context) -> I64:
    cut = np.full(c.p.count, c.now, dtype=np.int64)
    cut = np.where(c.pr.optout_hs, np.minimum(cut, c.pr.optout_at), cut)
    return np.where(c.pr.bounce_at >= 0, np.minimum(cut, c.pr.bounce_at), cut)


def _sends(c: Context, acc: ActivityBuffer) -> tuple[I64, I64]:
    """Marketing sends, drawn in chunks of persons against the email calendar."""
    cut = _mail_cutoff(c)
    persons, emails = [], []
    for lo in range(0, c.p.count, 20_000):
        hi = min(lo + 20_000, c.p.count)
        t = c.cat.email_at[None, :]
        ok = (t >= c.life_lo[lo:hi, None]) & (t < cut[lo:hi, None]) & c.pr.in_hs[lo:hi, None]
        ok &= c.rng.random(ok.shape) < c.prop.list_share[lo:hi, None]
        pi, ei = np.nonzero(ok)
        persons.append(pi + lo)
        emails.append(ei)
    return np.concatenate(persons).astype(np.int64), np.concatenate(emails).astype(np.int64)


def _bounces(c: Context, acc: ActivityBuffer) -> None:
    who = np.flatnonzero((c.pr.bounce_at >= 0) & c.pr.in_hs)
    email = np.searchsorted(c.cat.email_at, c.pr.bounce_at[who])
    ok = email < c.cat.email_at.size
    who, email = who[ok], email[ok]
    acc.add(who, Act.MKT_SENT, c.cat.email_at[email], email)
    acc.add(who, Act.BOUNCE, c.cat.email_at[email] + MINUTE, email)


def _comeback_click(c: Context) -> tuple[I64, I64]:
    """Comeback persons who can be mailed click the latest email before their comeback."""
    ok = (c.p.comeback_at >= 0) & c.pr.in_hs & ~c.pr.optout_hs & (c.pr.bounce_at < 0)
    who = np.flatnonzero(ok)
    email = np.searchsorted(c.cat.email_at, c.p.comeback_at[who] - 2 * HOUR) - 1
    return who, email


def _mail(c: Context, acc: ActivityBuffer) -> None:
    person, email = _sends(c, acc)
    cb_who, cb_email = _comeback_click(c)
    key = np.unique(np.concatenate([person, cb_who]) * 100_000 + np.concatenate([email, cb_email]))
    person, email = key // 100_000, key % 100_000
    sent = c.cat.email_at[email] + c.rng.integers(0, 20 * MINUTE, person.size)
    acc.add(person, Act.MKT_SENT, sent, email)
    in_window = c.engaged[person] & (sent >= c.life_lo[person]) & (sent <= c.w1[person] - DAY)
    opened = in_window & (c.rng.random(person.size) < c.prop.open_rate[person])
    open_at = sent + np.minimum(c.rng.exponential(4 * HOUR, person.size), 20 * HOUR).astype(
        np.int64
    )
    acc.add(person[opened], Act.MKT_OPEN, open_at[opened], email[opened])
    clicked = opened & (c.rng.random(person.size) < c.prop.click_rate[person])
    acc.add(
        person[clicked],
        Act.MKT_CLICK,
        open_at[clicked] + c.rng.integers(10, 1800, int(clicked.sum())),
        email[clicked],
    )
    for kind, rate in (
        (Act.BOT_OPEN, c.knobs.bot_open_rate),
        (Act.BOT_CLICK, c.knobs.bot_click_rate),
    ):
        bot = c.rng.random(person.size) < rate
        acc.add(person[bot], kind, sent[bot] + c.rng.integers(5, 120, int(bot.sum())), email[bot])
    acc.add(cb_who, Act.MKT_OPEN, c.p.comeback_at[cb_who] - 30 * MINUTE, cb_email)
    acc.add(cb_who, Act.MKT_CLICK, c.p.comeback_at[cb_who], cb_email)
    _bounces(c, acc)


def _windowed(c: Context, acc: ActivityBuffer) -> None:
    """Engagement inside the engaged window (ending a day before the pinned last one)."""
    k, hs, n = c.knobs, c.pr.in_hs, c.p.count
    w_hi = c.w1 - DAY
    rate = c.prop.intensity * np.where(c.p.customer | c.p.open_deal, 2.5, 1.0)
    table = (
        (Act.WEB_VISIT, hs, c.prop.intensity * k.web_visits_per_year, -1),
        (Act.FORM, hs, c.prop.intensity * k.forms_per_year, len(c.cat.forms)),
        (
            Act.DOWNLOAD,
            np.ones(n, np.bool_),
            c.prop.intensity * k.downloads_per_year,
            c.cat.asset_forms,
        ),
        (Act.REPLY, hs, rate * k.replies_per_year, -1),
        (Act.MEETING_HELD, np.ones(n, np.bool_), rate * k.meetings_per_year, -1),
        (Act.CALL_CONNECTED, ~c.pr.do_not_call, rate * k.connected_calls_per_year, 3),
    )
    for kind, mask, r, refs in table:
        person, at = poisson(c.rng, mask & c.engaged, c.life_lo, w_hi, r)
        nref = len(refs) if isinstance(refs, list) else refs
        acc.add(person, kind, at, c.rng.integers(0, nref, person.size) if nref > 0 else -1)
    _events(c, acc, w_hi)


def _events(c: Context, acc: ActivityBuffer, w_hi: I64) -> None:
    person, t = poisson(
        c.rng, c.engaged, c.life_lo, w_hi, c.prop.intensity * c.knobs.event_registrations_per_year
    )
    ev = c.cat.event_campaigns
    ev_at = c.cat.campaign_at[ev]
    idx = np.searchsorted(ev_at, t)
    idx = np.where(
        (idx >= ev.size) | (ev_at[np.minimum(idx, ev.size - 1)] > w_hi[person]), idx - 1, idx
    )
    ok = (idx >= 0) & (ev_at[np.maximum(idx, 0)] >= c.life_lo[person] + 2 * DAY)
    person, idx = person[ok], idx[ok]
    key = np.unique(person * 1000 + idx)
    person, idx = key // 1000, key % 1000
    reg_at = np.maximum(c.life_lo[person], ev_at[idx] - c.rng.integers(DAY, 20 * DAY, person.size))
    acc.add(person, Act.EVENT_REGISTER, reg_at, ev[idx])
    att = c.pr.in_sf[person] & (c.rng.random(person.size) < c.knobs.attendance_given_registration)
    acc.add(person[att], Act.EVENT_ATTEND, ev_at[idx[att]], ev[idx[att]])
    _invites(c, acc)


def _invites(c: Context, acc: ActivityBuffer) -> None:
    for camp in c.cat.event_campaigns.tolist():
        at = int(c.cat.campaign_at[camp]) - 21 * DAY
        if at >= c.now:
            continue
        ok = c.pr.in_sf & (c.life_lo <= at) & (c.rng.random(c.p.count) < c.knobs.event_invite_share)
        who = np.flatnonzero(ok)
        acc.add(who, Act.EVENT_INVITE, np.full(who.size, at), camp)


def _pinned(c: Context, acc: ActivityBuffer) -> None:
    """The last engagement of each engaged person, exactly at ``engaged_until``."""
    who = np.flatnonzero(c.engaged)
    hs = c.pr.in_hs[who]
    u = c.rng.random(who.size)
    hs_kind = np.select(
        [u < 0.5, u < 0.7, u < 0.85],
        [Act.WEB_VISIT, Act.FORM, Act.MEETING_HELD],
        Act.CALL_CONNECTED,
    )
    sf_kind = np.select([u < 0.5, u < 0.8], [Act.CALL_CONNECTED, Act.MEETING_HELD], Act.DOWNLOAD)
    kind = np.where(hs, hs_kind, sf_kind)
    kind = np.where((kind == Act.CALL_CONNECTED) & c.pr.do_not_call[who], Act.MEETING_HELD, kind)
    for k, nref in (
        (Act.WEB_VISIT, 0),
        (Act.FORM, len(c.cat.forms)),
        (Act.MEETING_HELD, 0),
        (Act.CALL_CONNECTED, 3),
        (Act.DOWNLOAD, len(c.cat.asset_forms)),
    ):
        sel = who[kind == k]
        acc.add(sel, k, c.w1[sel], c.rng.integers(0, nref, sel.size) if nref else -1)
    meet = np.flatnonzero(
        (c.p.comeback_at >= 0) & ~(c.pr.in_hs & ~c.pr.optout_hs & (c.pr.bounce_at < 0))
    )
    acc.add(meet, Act.MEETING_HELD, c.p.comeback_at[meet])


def make_activities(
    rng: np.random.Generator,
    p: Persons,
    pr: Presence,
    prop: Propensity,
    cat: Catalog,
    knobs: Knobs,
    now: int,
) -> Activities:
    """Every activity of the world, sorted by (person, at)."""
    c = Context(
        rng,
        p,
        pr,
        prop,
        cat,
        knobs,
        now,
        np.maximum(p.created, now - knobs.history_days * DAY) + HOUR,
        p.engaged_until,
    )
    acc = ActivityBuffer()
    _mail(c, acc)
    _windowed(c, acc)
    _pinned(c, acc)
    add_outreach(c, acc)
    return acc.build()


def last_engagement(acts: Activities, persons: int) -> I64:
    """Each person's latest engagement instant (-1 if none): the world's ground truth."""
    eng = np.isin(acts.kind, np.array(ENGAGEMENT_ACTS, dtype=np.int8))
    last = np.full(persons, -1, dtype=np.int64)
    np.maximum.at(last, acts.person[eng], acts.at[eng])
    return last
