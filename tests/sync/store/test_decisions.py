"""Decisions land in the store: states, episodes, transitions dated when they happened,
segment memberships opened and closed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from connectors.base import Activity, ActivityKind, Platform, RecordRef, RecordType
from sync.decide import decide
from sync.store.migrate import open_store
from sync.store.mirror import save_activities
from sync.store.persons import resolve_and_save
from sync.store.schema import episodes, person_states, persons, segment_memberships, transitions
from tests.sync.store.worlds import NOW, RULES, ago, store_world


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()


def _state(engine: Engine, key: str) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(
            select(person_states).join(persons).where(persons.c.person_key == key)
        ).one()
    return dict(row._mapping)


def test_states_and_history(engine: Engine) -> None:
    store_world(engine)
    first = decide(engine, RULES, NOW)
    assert first.stats.persons == 3
    ann = _state(engine, "salesforce_lead:00QA")
    assert ann["status"] == "dormant" and ann["segment"] == "high_score_dormant"
    assert ann["period_segment"] == "dormant_90_180d" and ann["dormant_days"] == 150
    assert ann["last_touch"] == "Email Clicked: Dec news" and ann["approach"] == "immediate_call"
    bob = _state(engine, "salesforce_contact:003B")
    assert bob["status"] == "dormant" and bob["segment"] == "dormant_customer"
    cat = _state(engine, "hubspot_contact:3")
    assert cat["status"] == "reactivated" and cat["score"] == pytest.approx(7.8, abs=0.05)

    with engine.connect() as conn:
        moves = conn.execute(select(transitions)).all()
        eps = conn.execute(select(episodes)).all()
        members = conn.execute(select(segment_memberships)).all()
    assert {(m.from_status, m.to_status) for m in moves} == {
        (None, "dormant"),
        (None, "reactivated"),
    }
    react = next(m for m in moves if m.to_status == "reactivated")
    assert react.at == ago(5)  # when it happened, not when reengage saw it
    # Ann: lost deal, reactivated, ongoing; Bob: won deal, ongoing; Cat: reactivated twice
    assert len(eps) == 7
    assert sorted(e.outcome for e in eps).count("reactivated") == 3
    assert {m.segment for m in members} == {"high_score_dormant", "dormant_customer"}

    # Ann clicks today: she leaves her segment and is reactivated
    with engine.begin() as conn:
        lead = RecordRef(RecordType.SALESFORCE_LEAD, "00QA")
        click = Activity(Platform.SALESFORCE, "00T9", lead, ActivityKind.EMAIL_CLICK, ago(0.5))
        save_activities(conn, [click])
    resolve_and_save(engine, NOW)
    later = decide(engine, RULES, NOW + timedelta(hours=1))
    assert later.stats.transitions == 1 and later.stats.left == 1 and later.stats.entered == 0
    assert _state(engine, "salesforce_lead:00QA")["status"] == "reactivated"
    with engine.connect() as conn:
        closed = conn.execute(
            select(segment_memberships).where(segment_memberships.c.left_at.is_not(None))
        ).one()
    assert closed.segment == "high_score_dormant"


def test_unchanged_rerun_writes_no_history(engine: Engine) -> None:
    store_world(engine)
    decide(engine, RULES, NOW)
    again = decide(engine, RULES, NOW)
    assert (again.stats.transitions, again.stats.entered, again.stats.left) == (0, 0, 0)


def test_holdout_is_kept_after_the_episode_ends(engine: Engine) -> None:
    from sync.holdout import holdout_draw

    store_world(engine)
    key = "salesforce_lead:00QA"
    salt = next(f"s{i}" for i in range(1000) if holdout_draw(key, f"s{i}") < 0.5)
    rules = RULES.model_copy(
        update={"holdout": RULES.holdout.model_copy(update={"share": 0.5, "salt": salt})}
    )
    first = decide(engine, rules, NOW)
    assert first.holdout[first.snapshot.person_keys.index(key)]
    assert _state(engine, key)["holdout"] is True
    with engine.begin() as conn:
        lead = RecordRef(RecordType.SALESFORCE_LEAD, "00QA")
        click = Activity(Platform.SALESFORCE, "00T9", lead, ActivityKind.EMAIL_CLICK, ago(0.5))
        save_activities(conn, [click])
    later = decide(engine, rules, NOW + timedelta(hours=1))
    state = _state(engine, key)
    assert state["status"] == "reactivated" and state["holdout"] is True
    assert later.holdout[later.snapshot.person_keys.index(key)]
    no_holdout = RULES  # share 0 ends the holdout
    decide(engine, no_holdout, NOW + timedelta(hours=2))
    assert _state(engine, key)["holdout"] is False
