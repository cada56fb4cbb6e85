"""Where each person lives and how the two platforms know them; consent and HubSpot score.

Persons live in HubSpot only, Salesforce only, or both. In both, the
integration usually links them by id (``salesforceleadid`` /
``salesforcecontactid``); the rest match by email only, sometimes with case or
whitespace differences. In Salesforce a person is a Lead, a Contact created
directly, or a converted Lead and its Contact (everyone with a Salesforce
deal is a Contact: opportunities need contact roles).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sandbox.dataset.deals import Deals
from sandbox.dataset.knobs import Knobs
from sandbox.dataset.population import Persons
from sandbox.dataset.timecols import DAY

Bools = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]


class SfKind(enum.IntEnum):
    NONE = 0
    LEAD = 1
    CONTACT = 2  # created directly as a contact
    CONVERTED = 3  # a lead converted into a contact


class Variant(enum.IntEnum):
    SAME = 0
    CASE = 1  # e.g. John.Smith@Acme-1.example.com
    SPACE = 2  # a trailing / leading space


@dataclass(slots=True)
class Presence:
    in_hs: Bools
    in_sf: Bools
    sf_kind: npt.NDArray[np.int8]
    converted_at: I64  # -1 unless converted
    id_linked: Bools
    hs_variant: npt.NDArray[np.int8]
    sf_variant: npt.NDArray[np.int8]
    mirror: Bools  # HubSpot email events mirrored as Salesforce tasks
    sales_in_sf: Bools  # calls, meetings, notes and tasks logged in Salesforce
    optout_hs: Bools
    optout_sf: Bools
    optout_at: I64
    bounce_at: I64  # -1 unless hard bounced
    do_not_call: Bools
    hubspot_score: npt.NDArray[np.float64]  # NaN = no score


def _where(rng: np.random.Generator, p: Persons, deals: Deals, knobs: Knobs) -> tuple[Bools, Bools]:
    n = p.count
    u = rng.random(n)
    has_deal = np.zeros(n, dtype=np.bool_)
    has_deal[deals.person] = True
    hs_only_share = np.where(has_deal, 0.10, knobs.hubspot_only_share)
    sf_only_share = np.where(has_deal, 0.20, knobs.salesforce_only_share)
    in_hs = u >= sf_only_share
    in_sf = u < 1.0 - hs_only_share
    return in_hs, in_sf


def _sf_kind(
    rng: np.random.Generator, p: Persons, deals: Deals, in_sf: Bools, now: int
) -> tuple[npt.NDArray[np.int8], I64]:
    n = p.count
    first_deal = np.full(n, now, dtype=np.int64)
    np.minimum.at(first_deal, deals.person, deals.created)
    has_deal = first_deal < now
    kind = np.where(rng.random(n) < 0.15, SfKind.CONTACT, SfKind.LEAD).astype(np.int8)
    kind[has_deal] = np.where(
        rng.random(int(has_deal.sum())) < 0.8, SfKind.CONVERTED, SfKind.CONTACT
    )
    kind[~in_sf] = SfKind.NONE
    converted_at = np.where(kind == SfKind.CONVERTED, first_deal - rng.integers(60, 3600, n), -1)
    converted_at = np.where(
        converted_at > p.created,
        converted_at,
        np.where(kind == SfKind.CONVERTED, p.created + 60, -1),
    )
    return kind, converted_at


def _consent(
    rng: np.random.Generator, p: Persons, in_hs: Bools, in_sf: Bools, now: int, knobs: Knobs
) -> tuple[Bools, Bools, I64, I64, Bools]:
    n = p.count
    optout = rng.random(n) < knobs.optout_share
    one_side = optout & in_hs & in_sf & (rng.random(n) < knobs.optout_one_platform_share)
    side_hs = rng.random(n) < 0.5
    optout_hs = optout & in_hs & ~(one_side & ~side_hs)
    optout_sf = optout & in_sf & ~(one_side & side_hs)
    span = np.maximum(now - p.created - DAY, DAY)
    optout_at = np.where(optout, p.created + DAY + (rng.random(n) * span).astype(np.int64), -1)
    bounce = (rng.random(n) < knobs.hard_bounce_share) & ~optout
    bounce_at = np.where(bounce, p.created + DAY + (rng.random(n) * span).astype(np.int64), -1)
    return (
        optout_hs,
        optout_sf,
        optout_at,
        bounce_at,
        in_sf & (rng.random(n) < knobs.do_not_call_share),
    )


def make_presence(
    rng: np.random.Generator, p: Persons, deals: Deals, now: int, knobs: Knobs
) -> Presence:
    n = p.count
    in_hs, in_sf = _where(rng, p, deals, knobs)
    both = in_hs & in_sf
    kind, converted_at = _sf_kind(rng, p, deals, in_sf, now)
    id_linked = both & (rng.random(n) < knobs.id_linked_share)
    variant = np.where(
        both & (rng.random(n) < knobs.email_variant_share), rng.integers(1, 3, n), 0
    ).astype(np.int8)
    on_hs = rng.random(n) < 0.5
    hs_variant = np.where(on_hs, variant, 0).astype(np.int8)
    sf_variant = np.where(on_hs, 0, variant).astype(np.int8)
    mirror = id_linked & (rng.random(n) < knobs.mirror_share)
    sales_in_sf = in_sf & ~(both & (rng.random(n) < knobs.sales_in_hubspot_share))
    optout_hs, optout_sf, optout_at, bounce_at, dnc = _consent(rng, p, in_hs, in_sf, now, knobs)
    score = np.where(in_hs & (rng.random(n) < knobs.hubspot_score_share), 0.0, np.nan)
    return Presence(
        in_hs,
        in_sf,
        kind,
        converted_at,
        id_linked,
        hs_variant,
        sf_variant,
        mirror,
        sales_in_sf,
        optout_hs,
        optout_sf,
        optout_at,
        bounce_at,
        dnc,
        score,
    )
