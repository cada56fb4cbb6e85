"""The platform-neutral world: who exists, what they did, and the state to move it forward.

:func:`build_world` draws, in a fixed order from one numpy ``Generator``: the
catalogue, owners, companies, persons (with profiles), deals, presence in
each platform, edge cases, propensities and activities. The world keeps the
generator and the per-person propensities so that a later ``advance`` can
draw the following weeks from the same state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from sandbox.dataset.acts import Activities, Propensity, make_propensity
from sandbox.dataset.behaviour import last_engagement, make_activities
from sandbox.dataset.catalog import Catalog, build_catalog
from sandbox.dataset.deals import Deals, make_deals
from sandbox.dataset.identity import EdgeCases, make_edge_cases
from sandbox.dataset.knobs import Knobs
from sandbox.dataset.population import (
    Companies,
    Owners,
    Persons,
    make_companies,
    make_owners,
    make_persons,
)
from sandbox.dataset.presence import Presence, make_presence
from sandbox.dataset.timecols import DAY, to_secs


@dataclass(slots=True)
class World:
    now: int  # epoch seconds
    seed: int
    knobs: Knobs
    catalog: Catalog
    owners: Owners
    companies: Companies
    persons: Persons
    deals: Deals
    presence: Presence
    edges: EdgeCases
    propensity: Propensity
    activities: Activities
    rng: np.random.Generator

    def last_engagement(self) -> np.ndarray:
        return last_engagement(self.activities, self.persons.count)


def _hubspot_scores(world: World) -> None:
    """HubSpot's own score: a noisy function of each HubSpot person's engagement count."""
    acts, pr = world.activities, world.presence
    counts = np.bincount(acts.person[acts.kind <= 2], minlength=world.persons.count)
    noise = world.rng.normal(0.0, 8.0, world.persons.count)
    score = np.clip(np.round(2.0 * counts + 10.0 * world.propensity.intensity + noise), 0, 100)
    pr.hubspot_score = np.where(np.isnan(pr.hubspot_score), np.nan, score)


def build_world(persons: int, seed: int, now: datetime, knobs: Knobs | None = None) -> World:
    knobs = knobs or Knobs()
    rng = np.random.default_rng(seed)
    t = to_secs(now)
    catalog = build_catalog(seed, t - knobs.history_days * DAY, t, knobs.marketing_emails_per_week)
    owners = make_owners(rng, persons, catalog)
    companies = make_companies(rng, persons, catalog, owners)
    people = make_persons(rng, persons, t, catalog, companies, owners, knobs)
    deals = make_deals(rng, people, t, knobs)
    presence = make_presence(rng, people, deals, t, knobs)
    edges = make_edge_cases(rng, people, presence, t, knobs)
    propensity = make_propensity(rng, people, knobs)
    acts = make_activities(rng, people, presence, propensity, catalog, knobs, t)
    world = World(
        t,
        seed,
        knobs,
        catalog,
        owners,
        companies,
        people,
        deals,
        presence,
        edges,
        propensity,
        acts,
        rng,
    )
    _hubspot_scores(world)
    return world
