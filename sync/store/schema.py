"""The state store's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Four families:

* **mirror** of the platforms: ``platform_records``, ``activities``, ``deals``,
  ``deal_records``, ``owners``, the read ``cursors`` and the ``skipped_records``
  (records left out for bad data, for ``reengage errors``);
* **identity**: ``persons``, ``person_anchors`` (every person key each record has been
  under, the current one marked: what keeps a person's key across conversions, new
  links and merges, see :mod:`sync.identity.anchors`) and ``identity_issues``;
* **decisions over time**: ``person_states`` (the latest classification),
  ``episodes``, ``transitions``, ``segment_memberships`` (entered / left, for the
  KPIs) and ``holdout``;
* **write-back**: ``plans``, ``operations`` (the journal), ``applied_fields``,
  ``applied_memberships``, ``created_tasks``, plus ``runs`` and ``locks``;

and ``forgotten``: salted hashes of the emails of persons erased by ``reengage forget``
(the salt, made once per store, in ``forget_salt``), never the emails themselves.

Instants that the engine reads in bulk (activity and deal times) are stored as
epoch milliseconds in BIGINT columns (``*_ms``): they read as plain integer
columns through Arrow on both back-ends, with no per-row parsing. Other
instants are timezone-aware ``DateTime`` columns. The schema changes only
through Alembic migrations (``sync/store/migrations``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every back-end.

    SQLite has no time zone type and hands back naive values; this type
    refuses naive input (a bug upstream) and always returns aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: reengage stores only aware UTC instants")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = String(64)  # platform ids (Salesforce 18 chars, HubSpot numeric strings)

persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_key", String(100), nullable=False, unique=True),
    Column("email", String(320)),
    Column("first_name", String(200)),
    Column("last_name", String(200)),
    Column("company", String(300)),
    Column("created_at", UtcDateTime()),
    Column("email_opt_out", Boolean, nullable=False, default=False),
    Column("hard_bounce", Boolean, nullable=False, default=False),
    Column("do_not_call", Boolean, nullable=False, default=False),
    Column("hubspot_score", Float),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("primary_record", String(100)),
    Column("hubspot_owner_id", Id),
    Column("salesforce_owner_id", Id),
    Column("lifecycle_stage", String(100)),
    Column("lead_status", String(100)),
    Index(None, "email"),
)

platform_records = Table(
    "platform_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_type", String(32), nullable=False),
    Column("record_id", Id, nullable=False),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="SET NULL")),
    Column("email", String(320)),
    Column("first_name", String(200)),
    Column("last_name", String(200)),
    Column("company", String(300)),
    Column("owner_id", Id),
    Column("lifecycle_stage", String(100)),
    Column("lead_status", String(100)),
    Column("created_at", UtcDateTime()),
    Column("modified_at", UtcDateTime()),
    Column("email_opt_out", Boolean, nullable=False, default=False),
    Column("hard_bounce", Boolean, nullable=False, default=False),
    Column("do_not_call", Boolean, nullable=False, default=False),
    Column("score", Float),
    Column("sf_lead_id", Id),
    Column("sf_contact_id", Id),
    Column("converted_contact_id", Id),
    Column("merged_ids", Text),  # ';'-separated
    Column("master_record_id", Id),
    Column("deleted", Boolean, nullable=False, default=False),
    UniqueConstraint("record_type", "record_id"),
    Index(None, "person_id"),
)

activities = Table(
    "activities",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("platform", String(16), nullable=False),
    Column("activity_id", String(128), nullable=False),
    Column("record_type", String(32), nullable=False),
    Column("record_id", Id, nullable=False),
    Column("kind", SmallInteger, nullable=False),  # ActivityKind.code
    Column("occurred_ms", BigInteger, nullable=False),
    Column("detail", String(500)),
    Column("is_mirror", Boolean, nullable=False, default=False),
    Column("deleted", Boolean, nullable=False, default=False),
    # the person of its record, kept by identity (sync.store.identity_writes); NULL until
    # identity has linked a newly read row, and for rows known only by an email address
    Column("person_id", Integer),
    UniqueConstraint("platform", "activity_id"),
    Index(None, "record_type", "record_id"),
    Index(None, "person_id"),
)

deals = Table(
    "deals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("deal_id", Id, nullable=False),
    Column("status", String(8), nullable=False),  # open / won / lost
    Column("stage", String(100)),
    Column("amount", Float),
    Column("close_date", Date),
    Column("created_ms", BigInteger),
    Column("closed_ms", BigInteger),
    Column("loss_reason", String(300)),
    Column("deleted", Boolean, nullable=False, default=False),
    UniqueConstraint("platform", "deal_id"),
)

deal_records = Table(
    "deal_records",
    metadata,
    Column("deal_pk", Integer, ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True),
    Column("record_type", String(32), primary_key=True),
    Column("record_id", Id, primary_key=True),
)

owners = Table(
    "owners",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("owner_id", Id, primary_key=True),
    Column("name", String(200)),
    Column("email", String(320)),
    Column("active", Boolean, nullable=False, default=True),
)

cursors = Table(
    "cursors",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

skipped_records = Table(
    "skipped_records",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("object", String(64), primary_key=True),  # the platform's name: contacts, Lead...
    Column("record_id", Id, primary_key=True),
    Column("field", String(200)),
    Column("kind", String(32), nullable=False),  # bad_date / bad_boolean / bad_number ...
    Column("reason", Text, nullable=False),
    Column("first_seen", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
    Column("times", Integer, nullable=False, default=1),  # reads that skipped it
    Index(None, "last_seen"),
)

person_anchors = Table(
    "person_anchors",
    metadata,
    Column("record_type", String(32), primary_key=True),
    Column("record_id", Id, primary_key=True),
    Column("anchor", String(100), primary_key=True),
    Column("current", Boolean, nullable=False, default=False),
    Column("seen_at", UtcDateTime(), nullable=False),
    Index(None, "anchor"),
)

identity_issues = Table(
    "identity_issues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("email", String(320)),
    Column("records", JSON, nullable=False),
    Column("chosen", String(100)),
    Column("detail", Text),
    Column("detected_at", UtcDateTime(), nullable=False),
)

person_states = Table(
    "person_states",
    metadata,
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Column("as_of", UtcDateTime(), nullable=False),
    Column("is_customer", Boolean, nullable=False),
    Column("status", String(16)),
    Column("segment", String(64)),
    Column("period_segment", String(64)),
    Column("approach", String(64)),
    Column("dormant_days", Integer),
    Column("score", Float),
    Column("quiet_since", UtcDateTime()),
    Column("last_engagement_at", UtcDateTime()),
    Column("last_touch", String(500)),
    Column("episode_start", UtcDateTime()),
    Column("holdout", Boolean, nullable=False, default=False),
)

episodes = Table(
    "episodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime()),
    Column("outcome", String(16), nullable=False),  # ongoing / reactivated / handed_off / deal
    Column("segment", String(64)),
    Column("reactivated_at", UtcDateTime()),
    Column("handed_off_at", UtcDateTime()),
    UniqueConstraint("person_id", "started_at"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16)),
    Index(None, "person_id", "at"),
)

segment_memberships = Table(
    "segment_memberships",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("segment", String(64), nullable=False),
    Column("entered_at", UtcDateTime(), nullable=False),
    Column("left_at", UtcDateTime()),
    Index(None, "segment", "entered_at"),
)

holdout = Table(
    "holdout",
    metadata,
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Column("assigned_at", UtcDateTime(), nullable=False),
    Column("salt", String(100), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # backfill / sync / plan / apply / demo
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(16), nullable=False),  # running / ok / failed / stopped
    Column("as_of", UtcDateTime()),
    Column("stats", JSON),
    Column("message", Text),
)

plans = Table(
    "plans",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("as_of", UtcDateTime(), nullable=False),
    Column("store_version", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # planned / applying / applied / superseded
    Column("summary", JSON),
)

operations = Table(
    "operations",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("plan_id", String(36), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("op", String(16), nullable=False),  # update_fields / add_member / remove_member ...
    Column("record_type", String(32)),
    Column("record_id", Id),
    Column("target", String(300)),  # list / campaign name, or task trigger
    Column("payload", JSON, nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("person_id", Integer),
    Column("segment", String(64)),
    Column("priority", String(16)),
    Column("status", String(16), nullable=False),  # planned / sent / applied / failed / parked
    Column("attempts", Integer, nullable=False, default=0),
    Column("error_code", String(100)),
    Column("error_message", Text),
    Column("platform_id", Id),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("plan_id", "seq"),
    Index(None, "idempotency_key"),
    Index(None, "status"),
)

applied_fields = Table(
    "applied_fields",
    metadata,
    Column("record_type", String(32), primary_key=True),
    Column("record_id", Id, primary_key=True),
    Column("field", String(100), primary_key=True),
    Column("value", Text),
    Column("applied_at", UtcDateTime(), nullable=False),
)

applied_memberships = Table(
    "applied_memberships",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("list_name", String(300), primary_key=True),
    Column("record_id", Id, primary_key=True),
    Column("record_type", String(32)),  # what it was added as (always written)
    Column("applied_at", UtcDateTime(), nullable=False),
)

created_tasks = Table(
    "created_tasks",
    metadata,
    Column("idempotency_key", String(200), primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("task_id", Id),
    Column("person_id", Integer),
    Column("trigger", String(32), nullable=False),  # segment / reactivation
    Column("created_at", UtcDateTime(), nullable=False),
)

locks = Table(
    "locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

forgotten = Table(
    "forgotten",
    metadata,
    Column("email_hash", String(64), primary_key=True),  # sha256(salt + normalised email)
    Column("forgotten_at", UtcDateTime(), nullable=False),
)

forget_salt = Table(
    "forget_salt",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one salt per store
    Column("salt", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
