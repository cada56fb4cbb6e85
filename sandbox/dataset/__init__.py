"""The sandbox's seeded, realistic synthetic B2B dataset (SPEC §8).

``generate(persons, seed=..., now=...)`` builds a platform-neutral world
(:mod:`.world`) and renders it into the HubSpot and Salesforce seeds
(:mod:`.render_hubspot`, :mod:`.render_salesforce`). The same seed, size and
``now`` always give the same output. History spans ``Knobs.history_days``
(730) before ``now``; customers' records and deals can be up to 5 years old.

Pipeline, each step one module, all draws from one ``numpy.random.Generator``:
catalogue (Faker name pools, campaign and email calendars) -> owners,
companies, persons with a quiet-time *profile* (:mod:`.population`) -> deals
(:mod:`.deals`) -> presence, links, consent (:mod:`.presence`) -> identity
edge cases (:mod:`.identity`) -> propensities and activities
(:mod:`.behaviour`, :mod:`.outreach`) -> routing to platform records
(:mod:`.routing`) -> renders.

Knobs (:class:`Knobs`, defaults in brackets): customers [12%], lost deals
[8% of leads, 20% of customers], open deals [3%, +10% of customers];
HubSpot only [30%], Salesforce only [15%], both [the rest], of which
id-linked [75%], email differing in case or whitespace [25%], email events
mirrored as Salesforce tasks [60% of linked], sales logged in HubSpot [15%].
Lead profiles: active [30%], quiet 90-180 days [15%], 180-365 [15%], 365+
[14%], never engaged [10%], came back in the last 3 weeks after 200+ days
[6%], mailed heavily with no response [10%]; customer profiles: active
[55%], dormant >365 days [35%], came back [10%]. Consent: opt-out [5%, 40% of
those in both platforms in one platform only], hard bounce [2%], do-not-call
[3%]; ``hubspotscore`` on [85%] of HubSpot contacts. Rates per person-year:
two marketing emails a week of which a subscriber gets [6%] on average,
open [28%] and click-given-open [20%] rates (Beta-distributed per person),
bot opens [3%] and clicks [1.2%] of sends, web visits [5], forms [0.7],
downloads [0.8], event registrations [0.7] with attendance [55%], meetings
[0.4], connected calls [0.5], replies [0.3], call attempts [1.2], sales
emails [0.8], notes [0.4], tasks [0.5]. Edge cases (share of persons, at
least 3 each): HubSpot merges [1%], Salesforce merges [0.5%], HubSpot
archived [0.8%], Salesforce deleted leads [1%, half within 15 days],
duplicate live leads [0.5%]. Deal amounts lognormal (median 15,000, sigma 0.9).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.dataset.knobs import Knobs
from sandbox.dataset.render_hubspot import render_hubspot
from sandbox.dataset.render_salesforce import render_salesforce
from sandbox.dataset.world import World, build_world
from sandbox.seed import SandboxDataset

DEFAULT_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

__all__ = ["DEFAULT_NOW", "Knobs", "World", "build_world", "generate", "render"]


def render(world: World) -> SandboxDataset:
    """Both seeds of a world."""
    return SandboxDataset(
        hubspot=render_hubspot(world),
        salesforce=render_salesforce(world),
        now=datetime.fromtimestamp(world.now, UTC),
        seed=world.seed,
        persons=world.persons.count,
    )


def generate(
    persons: int = 5000, *, seed: int = 7, now: datetime | None = None, knobs: Knobs | None = None
) -> SandboxDataset:
    """A deterministic dataset of ``persons`` people as of ``now`` (default :data:`DEFAULT_NOW`)."""
    return render(build_world(persons, seed, now or DEFAULT_NOW, knobs))
