"""The generic JSON webhook: ``{"alerts": [...]}``, one document per batch.

Each alert carries every field of the planner's payload, typed, plus the record
URLs and the one-line ``text``, so that a receiver (a Zapier hook, an internal
service) needs nothing else. ``key`` is the alert's idempotency key: a receiver
can drop a repeat, which can happen when one webhook accepted a batch that
another refused and the run retries it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .chunking import Message, pack
from .model import Alert

MAX_ALERTS = 1000  # no platform limit; bounds a document to the applier's call size


def document_alert(alert: Alert) -> dict[str, Any]:
    """One alert as the generic webhook receives it."""
    return {
        "key": alert.key,
        "event": alert.event,
        "status": alert.status,
        "person_key": alert.person_key,
        "email": alert.email,
        "name": alert.name,
        "what": alert.what,
        "kind": alert.kind,
        "detail": alert.detail,
        "at": alert.at,
        "score": alert.score,
        "dormant_days": alert.dormant_days,
        "holdout": alert.holdout,
        "text": alert.plain(),
        "records": [
            {
                "platform": lk.ref.platform.value if lk.ref.platform else None,
                "record_type": lk.ref.record_type.value,
                "record_id": lk.ref.record_id,
                "url": lk.url,
            }
            for lk in alert.links
        ],
    }


def messages(alerts: Sequence[Alert]) -> list[Message]:
    ranges = pack([() for _ in alerts], max_items=MAX_ALERTS, budgets=())
    return [
        Message({"alerts": [document_alert(a) for a in alerts[r.start : r.stop]]}, r)
        for r in ranges
    ]
