"""The store read as columns classifies exactly like the same world built by hand."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine

from sync.engine import classify
from sync.store.migrate import open_store
from sync.store.snapshot import count_mirrors, load_snapshot
from tests.sync.store.worlds import NOW, RULES, built_by_hand, store_world


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()


def test_store_and_hand_built_inputs_decide_alike(engine: Engine) -> None:
    store_world(engine)
    snap = load_snapshot(engine, RULES)
    assert snap.mirrors_dropped == 1
    assert snap.input.act_person.shape[0] == 6
    got = classify(snap.input, RULES, NOW)
    builder, keys = built_by_hand()
    want = classify(builder.build(), RULES, NOW)
    assert sorted(snap.person_keys) == sorted(keys)
    for i, key in enumerate(snap.person_keys):
        j = keys[key]
        for name in ("status", "segment", "period_segment", "dormant_days", "is_customer",
                     "quiet_since_ms", "last_engagement_ms", "historical_score"):  # fmt: skip
            assert getattr(got, name)[i] == getattr(want, name)[j], (key, name)
        assert np.isclose(got.score[i], want.score[j]), key
    ann = snap.person_keys.index("salesforce_lead:00QA")
    assert got.segment_names[got.segment[ann]] == "high_score_dormant"  # HubSpot score 55


def test_the_report_counts_the_copies_the_snapshot_drops(engine: Engine) -> None:
    """Ann's mirrored open (200 days ago) is the one copy; her unpaired click is no copy."""
    store_world(engine)
    snap = load_snapshot(engine, RULES)
    day = 86_400_000
    now_ms = int(NOW.timestamp() * 1000)
    everything = count_mirrors(engine, RULES, 0, now_ms + day)
    around = count_mirrors(engine, RULES, now_ms - 201 * day, now_ms - 199 * day)
    since = count_mirrors(engine, RULES, now_ms - 199 * day, now_ms + day)
    assert everything == snap.mirrors_dropped == 1
    assert (around, since) == (1, 0)
