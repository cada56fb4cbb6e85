"""Reactivation and hand-off alerts to Slack, Microsoft Teams and a generic JSON webhook.

``make_alert_sender(settings.alerts, links=RecordLinks(...))`` gives the
applier's ``alerts`` callable (:data:`sync.apply.AlertSender`), or None when no
webhook is configured. ``sender`` holds the outcome rules; ``slack``, ``teams``
and ``generic`` the message shapes; ``delivery`` the HTTP and retries.
"""

from __future__ import annotations

from .delivery import Outcome, Target
from .links import RecordLinks
from .model import Alert
from .sender import ALERT_RETRY, UnsafeWebhookURL, WebhookAlertSender, make_alert_sender

__all__ = [
    "ALERT_RETRY",
    "Alert",
    "Outcome",
    "RecordLinks",
    "Target",
    "UnsafeWebhookURL",
    "WebhookAlertSender",
    "make_alert_sender",
]
