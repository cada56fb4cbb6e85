"""20,000 persons at HubSpot's Free/Starter limit (100 requests per 10 s): a full backfill
with no 429, then 10,500 changed contacts (over search's 10,000 cap) read exactly once.

Slow (about 3 minutes): runs only when asked for with ``pytest -m slow -s`` (which also
shows the request counts and the rate); the default run skips it.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from config.rules import Rules
from config.settings import HubSpotTier
from connectors.base import FieldUpdate, WriteStatus
from connectors.hubspot.mapping import contact_ref
from sandbox.dataset import generate

from .support import connect, drain, read_everything, start_emulator

ENGAGEMENTS = ("emails", "calls", "meetings", "notes", "tasks")


@pytest.mark.slow
def test_twenty_thousand_persons(rules: Rules, request: pytest.FixtureRequest) -> None:
    if "slow" not in str(request.config.getoption("markexpr") or ""):
        pytest.skip("large-scale (3 minutes): run with -m slow")
    data = generate(20_000, seed=21)
    emulator = start_emulator(data, ten_second_limit=100, search_per_second=5)
    try:
        connector = connect(emulator, rules, tier=HubSpotTier.FREE_STARTER)
        started = time.monotonic()
        backfill = read_everything(connector, {})
        seconds = time.monotonic() - started
        state = emulator.state
        objects = sum(connector.stats.values())
        print(f"\nbackfill: {objects} objects in {seconds:.1f} s = {objects / seconds:.0f}/s")
        print(f"backfill requests: {dict(connector.client.requests)}")
        assert state.rate_limited == Counter()
        live = {o.id for o in state.objects("contacts", archived=False)}
        assert {r.ref.record_id for r in backfill.items["contacts"] if not r.deleted} == live
        assert len(backfill.items["deals"]) == len(state.objects("deals", archived=False))
        for name in ENGAGEMENTS:
            assert connector.stats[name] == len(state.objects(name, archived=False)), name
        sent = sum(1 for e in state.email_events.events if e.type == "SENT")
        assert connector.stats["email_events_sent"] == sent

        changed = sorted(live, key=int)[:10_500]
        started = time.monotonic()
        results = connector.update_fields(
            [FieldUpdate(f"u{c}", contact_ref(c), {"company": "Changed Ltd"}) for c in changed]
        )
        print(f"10,500 updates in {time.monotonic() - started:.1f} s")
        assert {r.status for r in results} == {WriteStatus.APPLIED}
        before = dict(connector.client.requests)
        started = time.monotonic()
        after = drain(connector.read_records(backfill.cursors))
        print(f"increment of 10,500 contacts in {time.monotonic() - started:.1f} s")
        spent = {k: n - before.get(k, 0) for k, n in connector.client.requests.items()}
        print(f"increment requests: {spent}")
        ids = [r.ref.record_id for r in after.items["contacts"] if not r.deleted]
        assert len(ids) == len(set(ids)) and set(ids) == set(changed)
        assert state.rate_limited == Counter()
        print(f"emulator request counts: {dict(state.request_counts)}")
    finally:
        emulator.stop()
