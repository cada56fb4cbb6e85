"""Who is in the world: owners, companies and persons, with when each person last engaged.

A person's *profile* fixes the shape of their history up front (active, quiet
for 90-180 / 180-365 / 365+ days, never engaged, came back after a long
silence, mailed a lot with no response; for customers active, dormant or came
back), as two instants the behaviour model then fills in: ``engaged_until``
(the last engagement, -1 if none) and ``comeback_at`` (a late engagement after
the silence, -1 if none). Drawing the quiet time first is what makes the
dormancy spread as of ``now`` controllable instead of an accident of rates.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sandbox.dataset.catalog import INDUSTRIES, SECTOR_WORDS, Catalog, slug
from sandbox.dataset.knobs import Knobs
from sandbox.dataset.timecols import DAY, HOUR

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


class Profile(enum.IntEnum):
    ACTIVE = 0
    QUIET_90_180 = 1
    QUIET_180_365 = 2
    QUIET_365_PLUS = 3
    NEVER = 4
    COMEBACK = 5
    UNRESPONSIVE = 6
    DORMANT_CUSTOMER = 7


_LEAD_PROFILES = {
    "active": Profile.ACTIVE,
    "quiet_90_180": Profile.QUIET_90_180,
    "quiet_180_365": Profile.QUIET_180_365,
    "quiet_365_plus": Profile.QUIET_365_PLUS,
    "never": Profile.NEVER,
    "comeback": Profile.COMEBACK,
    "unresponsive": Profile.UNRESPONSIVE,
}
_CUSTOMER_PROFILES = {
    "active": Profile.ACTIVE,
    "dormant_customer": Profile.DORMANT_CUSTOMER,
    "comeback": Profile.COMEBACK,
}
# quiet time (days before now) of the last engagement, per lead / customer profile
_LEAD_QUIET = {
    Profile.ACTIVE: (0, 89),
    Profile.QUIET_90_180: (90, 179),
    Profile.QUIET_180_365: (180, 364),
    Profile.QUIET_365_PLUS: (365, 720),
    Profile.COMEBACK: (200, 600),
    Profile.UNRESPONSIVE: (200, 700),
}
_CUSTOMER_QUIET = {
    Profile.ACTIVE: (0, 300),
    Profile.DORMANT_CUSTOMER: (366, 700),
    Profile.COMEBACK: (400, 700),
}


@dataclass(slots=True)
class Owners:
    first: list[str]
    last: list[str]
    email: list[str]
    active: Bools


@dataclass(slots=True)
class Companies:
    name: list[str]
    domain: list[str]
    industry: list[str]
    owner: I64


@dataclass(slots=True)
class Persons:
    """One row per person; every ``*_at`` is epoch seconds, -1 for "never"."""

    company: I64
    first: list[str]
    last: list[str]
    email: list[str]  # canonical: trimmed, lower-case
    owner: I64
    created: I64
    customer: Bools
    open_deal: Bools
    lost_deal: Bools
    profile: npt.NDArray[np.int8]
    engaged_until: I64
    comeback_at: I64

    @property
    def count(self) -> int:
        return int(self.created.size)


def make_owners(rng: np.random.Generator, persons: int, catalog: Catalog) -> Owners:
    """8 to 20 sales users, about a fifth of them inactive (left the company)."""
    n = int(np.clip(round(8 + 3 * np.log10(max(persons, 1000) / 1000)), 8, 20))
    first = [catalog.first_names[i] for i in rng.choice(len(catalog.first_names), n, False)]
    last = [catalog.last_names[i] for i in rng.choice(len(catalog.last_names), n, False)]
    email = [f"{slug(f)}.{slug(s)}@reengage-demo.example" for f, s in zip(first, last, strict=True)]
    active = np.ones(n, dtype=np.bool_)
    active[rng.choice(n, max(2, n // 5), replace=False)] = False
    return Owners(first, last, email, active)


def make_companies(
    rng: np.random.Generator, persons: int, catalog: Catalog, owners: Owners
) -> Companies:
    n = max(50, persons // 4)
    stems = rng.integers(0, len(catalog.company_stems), n)
    words = rng.integers(0, len(SECTOR_WORDS), n)
    name = [
        f"{catalog.company_stems[s]} {SECTOR_WORDS[w]}"
        for s, w in zip(stems.tolist(), words.tolist(), strict=True)
    ]
    domain = [f"{slug(nm)}-{i}.example.com" for i, nm in enumerate(name)]
    industry = [INDUSTRIES[i] for i in rng.integers(0, len(INDUSTRIES), n).tolist()]
    return Companies(name, domain, industry, rng.integers(0, owners.active.size, n))


def _emails(first: list[str], last: list[str], company: I64, companies: Companies) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for f, s, c in zip(first, last, company.tolist(), strict=True):
        local = f"{slug(f)}.{slug(s)}"
        key = f"{local}@{companies.domain[c]}"
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append(key if n == 0 else f"{local}{n + 1}@{companies.domain[c]}")
    return out


def _pick(
    rng: np.random.Generator, n: int, shares: dict[str, float], table: dict[str, Profile]
) -> npt.NDArray[np.int8]:
    names = list(shares)
    p = np.array([shares[k] for k in names], dtype=np.float64)
    codes = np.array([table[k] for k in names], dtype=np.int8)
    return codes[rng.choice(len(names), n, p=p / p.sum())]


def _quiet_days(
    rng: np.random.Generator,
    profile: npt.NDArray[np.int8],
    table: dict[Profile, tuple[int, int]],
    mask: Bools,
) -> I64:
    days = np.zeros(profile.size, dtype=np.int64)
    for prof, (lo, hi) in table.items():
        sel = mask & (profile == prof)
        days[sel] = rng.integers(lo * DAY, (hi + 1) * DAY, int(sel.sum()))
    return days


def _timeline(rng: np.random.Generator, p: Persons, now: int, knobs: Knobs) -> None:
    """Fills created / engaged_until / comeback_at from the profiles."""
    start = now - knobs.history_days * DAY
    n = p.count
    quiet = _quiet_days(rng, p.profile, _LEAD_QUIET, ~p.customer)
    quiet += _quiet_days(rng, p.profile, _CUSTOMER_QUIET, p.customer)
    engaged_until = now - quiet - rng.integers(0, 8 * HOUR, n)
    earliest = np.where(p.customer, now - 5 * 365 * DAY, start)
    latest = np.where(p.customer, engaged_until - 90 * DAY, engaged_until - HOUR)
    latest = np.maximum(latest, earliest + DAY)
    created = earliest + (rng.random(n) * (latest - earliest)).astype(np.int64)
    never = p.profile == Profile.NEVER
    unresponsive_never = (p.profile == Profile.UNRESPONSIVE) & (rng.random(n) < 0.5)
    created[never] = start + (rng.random(int(never.sum())) * (now - DAY - start)).astype(np.int64)
    engaged_until[never | unresponsive_never] = -1
    comeback = p.profile == Profile.COMEBACK
    p.comeback_at = np.where(comeback, now - rng.integers(DAY, 21 * DAY, n), -1)
    p.created = created
    p.engaged_until = engaged_until


def make_persons(
    rng: np.random.Generator,
    n: int,
    now: int,
    catalog: Catalog,
    companies: Companies,
    owners: Owners,
    knobs: Knobs,
) -> Persons:
    """The population: identity, customer / deal flags, profile and timeline."""
    company = (len(companies.name) * rng.random(n) ** 1.5).astype(np.int64)
    first = [catalog.first_names[i] for i in rng.integers(0, len(catalog.first_names), n).tolist()]
    last = [catalog.last_names[i] for i in rng.integers(0, len(catalog.last_names), n).tolist()]
    owner = np.where(
        rng.random(n) < 0.8, companies.owner[company], rng.integers(0, owners.active.size, n)
    )
    u = rng.random(n)
    customer = u < knobs.customer_share
    open_deal = (u >= knobs.customer_share) & (u < knobs.customer_share + knobs.open_deal_share)
    lost_deal = (~customer & ~open_deal & (rng.random(n) < knobs.lost_deal_share)) | (
        customer & (rng.random(n) < 0.2)
    )
    open_deal |= customer & (rng.random(n) < 0.1)
    profile = np.where(
        customer,
        _pick(rng, n, knobs.customer_profiles, _CUSTOMER_PROFILES),
        _pick(rng, n, knobs.lead_profiles, _LEAD_PROFILES),
    )
    profile[open_deal] = Profile.ACTIVE
    empty = np.full(n, -1, dtype=np.int64)
    persons = Persons(
        company,
        first,
        last,
        _emails(first, last, company, companies),
        owner,
        empty,
        customer,
        open_deal,
        lost_deal,
        profile.astype(np.int8),
        empty.copy(),
        empty.copy(),
    )
    _timeline(rng, persons, now, knobs)
    return persons
