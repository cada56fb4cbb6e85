"""A small two-platform world, stored and built by hand, shared by the store tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from config.rules import load_rules
from connectors.base import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    Platform,
    PlatformRecord,
    RecordRef,
    RecordType,
)
from sync.engine.builder import InputBuilder
from sync.store.mirror import save_activities, save_deals, save_records
from sync.store.persons import resolve_and_save

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
CREATED = datetime(2024, 1, 10, tzinfo=UTC)
HS, LEAD, CONTACT = (
    RecordType.HUBSPOT_CONTACT,
    RecordType.SALESFORCE_LEAD,
    RecordType.SALESFORCE_CONTACT,
)
RULES = load_rules()


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def act(platform: Platform, aid: str, ref: RecordRef, kind: ActivityKind, at: datetime,
        detail: str | None = None, mirror: bool = False) -> Activity:  # fmt: skip
    return Activity(platform, aid, ref, kind, at, detail, mirror_of="hubspot" if mirror else None)


def store_world(engine: Engine) -> None:
    ann_hs, ann_lead = RecordRef(HS, "1"), RecordRef(LEAD, "00QA")
    bob_c = RecordRef(CONTACT, "003B")
    cat_hs = RecordRef(HS, "3")
    records = [
        PlatformRecord(ann_hs, "ann@x.com", created_at=CREATED, sf_lead_id="00QA", score=55.0),
        PlatformRecord(ann_lead, "Ann@X.com", created_at=CREATED + timedelta(days=2)),
        PlatformRecord(bob_c, "bob@x.com", created_at=CREATED),
        PlatformRecord(cat_hs, "cat@x.com", created_at=CREATED, merged_ids=("33",)),
    ]
    email = RecordRef(RecordType.EMAIL_ADDRESS, "ann@x.com")
    acts = [
        # Ann: a HubSpot open 200 days ago, mirrored as a Salesforce task 3 minutes later
        act(Platform.HUBSPOT, "ev1", email, ActivityKind.EMAIL_OPEN, ago(200), "Nov news"),
        act(Platform.SALESFORCE, "00T1", ann_lead, ActivityKind.EMAIL_OPEN,
            ago(200) + timedelta(minutes=3), "Email Opened: Nov news", mirror=True),
        # ...and a mirrored click with no HubSpot twin: still counts once
        act(Platform.SALESFORCE, "00T2", ann_lead, ActivityKind.EMAIL_CLICK, ago(150),
            "Email Clicked: Dec news"),
        act(Platform.SALESFORCE, "00T3", ann_lead, ActivityKind.EMAIL_SENT, ago(20), "Spring"),
        # Bob: a customer, won 400 days ago, a meeting 380 days ago
        act(Platform.SALESFORCE, "00U1", bob_c, ActivityKind.MEETING_HELD, ago(380), "QBR"),
        # Cat: activity under a merged-away id lands on the survivor
        act(Platform.HUBSPOT, "c1", RecordRef(HS, "33"), ActivityKind.FORM_SUBMISSION, ago(95),
            "eBook"),
        act(Platform.HUBSPOT, "c2", cat_hs, ActivityKind.EMAIL_CLICK, ago(5), "Spring"),
    ]  # fmt: skip
    won = Deal(Platform.SALESFORCE, "006W", DealStatus.WON, amount=5000.0,
               close_date=ago(400).date(), created_at=ago(460), records=(bob_c, bob_c))  # fmt: skip
    lost = Deal(Platform.SALESFORCE, "006L", DealStatus.LOST, close_date=date(2025, 1, 5),
                created_at=datetime(2024, 12, 1, tzinfo=UTC), records=(ann_lead,),
                loss_reason="Price")  # fmt: skip
    with engine.begin() as conn:
        save_records(conn, records)
        save_activities(conn, acts)
        save_deals(conn, [won, lost])
    resolve_and_save(engine, NOW)


def built_by_hand() -> tuple[InputBuilder, dict[str, int]]:
    b = InputBuilder()
    ann = b.person(CREATED, hubspot_score=55.0)
    bob = b.person(CREATED)
    cat = b.person(CREATED)
    b.activity(ann, ActivityKind.EMAIL_OPEN, ago(200), "Nov news")
    b.activity(ann, ActivityKind.EMAIL_CLICK, ago(150), "Email Clicked: Dec news")
    b.activity(ann, ActivityKind.EMAIL_SENT, ago(20), "Spring")
    b.activity(bob, ActivityKind.MEETING_HELD, ago(380), "QBR")
    b.activity(cat, ActivityKind.FORM_SUBMISSION, ago(95), "eBook")
    b.activity(cat, ActivityKind.EMAIL_CLICK, ago(5), "Spring")
    close = datetime.combine(ago(400).date(), datetime.min.time(), UTC)
    b.deal(bob, DealStatus.WON, ago(460), close, 5000.0)
    b.deal(ann, DealStatus.LOST, datetime(2024, 12, 1, tzinfo=UTC),
           datetime(2025, 1, 5, tzinfo=UTC), None, "Price")  # fmt: skip
    keys = {"salesforce_lead:00QA": ann, "salesforce_contact:003B": bob, "hubspot_contact:3": cat}
    return b, keys
