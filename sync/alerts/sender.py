"""The alert sender the applier calls: every configured webhook hears about each batch.

Outcome rules (what the journal is told, per alert):

* each configured webhook gets the batch as its own messages (chunked to its
  limits) and its outcome is logged per webhook, never with its URL;
* an alert is ``APPLIED`` when at least one webhook accepted the message that
  carried it: the run does not send it again, so a webhook that was down misses
  it (re-posting it would repeat it everywhere else);
* it is ``FAILED`` only when every webhook failed it; ``retriable`` is set when
  at least one of those failures was transient (429, 5xx, timeout, dropped
  connection). The journal retries a failed alert on the next run and parks it
  after ``rules.apply.max_attempts`` failures; the sync itself goes on.

Once a webhook has failed a message transiently after all its retries, its
remaining messages in the batch are failed without being posted: a dead
endpoint costs one retry budget per batch, not one per message. A refused
message (e.g. 400 ``invalid_payload``) does not stop the next one.

The sender never raises for an HTTP problem; it raises only for a caller's bug
(an entry that is not a ``send_alert`` operation).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from config.settings import AlertSettings
from connectors.base import RetryPolicy, WriteResult, WriteStatus
from sync.logs import RedactSecrets
from sync.store.journal import JournalEntry

from . import generic, slack, teams
from .chunking import Message
from .delivery import Outcome, Target, post
from .links import RecordLinks
from .model import Alert

log = logging.getLogger("reengage.alerts")

ALERT_RETRY = RetryPolicy(attempts=4, total_seconds=60.0, initial=1.0, maximum=30.0)
"""Short next to the connectors' policy: an alert that misses this run is retried by the next."""

Render = Callable[[Sequence[Alert]], list[Message]]
_RENDER: dict[str, Render] = {
    "slack": slack.messages,
    "teams": teams.messages,
    "webhook": generic.messages,
}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class UnsafeWebhookURL(ValueError):
    """A webhook URL is not https (nor loopback http); the message never holds the URL."""


def _require_safe(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return
    raise UnsafeWebhookURL(f"the {name} webhook URL must be https:// (http only for loopback)")


def _targets(settings: AlertSettings) -> list[Target]:
    configured = (
        ("slack", settings.slack_webhook_url),
        ("teams", settings.teams_webhook_url),
        ("webhook", settings.webhook_url),
    )
    targets = []
    for name, secret in configured:
        url = secret.get_secret_value() if secret is not None else ""
        if url:
            _require_safe(name, url)
            targets.append(Target(name, url))
    return targets


def _mask_in_httpx_logs(urls: Sequence[str]) -> None:
    """httpx logs every request's URL at INFO on its own logger, which reengage's redacting
    handler never sees: a filter on that logger masks the webhook URLs (once per URL set)."""
    httpx_log = logging.getLogger("httpx")
    wanted = tuple(sorted(urls))
    for existing in httpx_log.filters:
        if getattr(existing, "reengage_alert_urls", None) == wanted:
            return
    redact = RedactSecrets(wanted)
    redact.reengage_alert_urls = wanted  # type: ignore[attr-defined]  # marks our filter
    httpx_log.addFilter(redact)


class WebhookAlertSender:
    """An :data:`sync.apply.AlertSender`: call it with a batch of ``send_alert`` journal entries.

    Owns its HTTP client unless one was given; :meth:`close` (or ``with``) releases it.
    """

    def __init__(
        self,
        targets: Sequence[Target],
        *,
        links: RecordLinks,
        client: httpx.Client | None,
        timeout: float,
        policy: RetryPolicy = ALERT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._targets = list(targets)
        self._links = links
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._timeout = timeout
        self._policy = policy
        self._sleep = sleep

    @property
    def webhooks(self) -> list[str]:
        """The configured webhooks by name (``slack``, ``teams``, ``webhook``), never by URL."""
        return [t.name for t in self._targets]

    def __call__(self, batch: Sequence[JournalEntry]) -> list[WriteResult]:
        alerts = [Alert.from_entry(entry, self._links) for entry in batch]
        if not alerts:
            return []
        per_target = [(t.name, self._deliver(t, alerts)) for t in self._targets]
        return [
            _result(alert, [(name, outcomes[i]) for name, outcomes in per_target])
            for i, alert in enumerate(alerts)
        ]

    def _deliver(self, target: Target, alerts: Sequence[Alert]) -> list[Outcome]:
        """Each alert's outcome at ``target``: that of the message that carried it."""
        outcomes: list[Outcome] = [Outcome(ok=False)] * len(alerts)
        down: Outcome | None = None
        messages = _RENDER[target.name](alerts)
        for message in messages:
            outcome = down or post(
                self._client,
                target,
                message.body,
                timeout=self._timeout,
                policy=self._policy,
                sleep=self._sleep,
            )
            if not outcome.ok and outcome.retriable:
                down = outcome
            for i in message.indices:
                outcomes[i] = outcome
        _log_delivery(target.name, outcomes, len(messages))
        return outcomes

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def __enter__(self) -> WebhookAlertSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _log_delivery(name: str, outcomes: Sequence[Outcome], messages: int) -> None:
    accepted = sum(o.ok for o in outcomes)
    if accepted == len(outcomes):
        log.info("alert webhook %s accepted %d alerts in %d messages", name, accepted, messages)
        return
    problems = sorted({o.detail for o in outcomes if not o.ok})
    log.warning(
        "alert webhook %s accepted %d of %d alerts: %s",
        name,
        accepted,
        len(outcomes),
        "; ".join(problems),
    )


def _result(alert: Alert, outcomes: Sequence[tuple[str, Outcome]]) -> WriteResult:
    """APPLIED when any webhook took the alert, else FAILED with every webhook's reason."""
    delivered = [name for name, o in outcomes if o.ok]
    if delivered:
        return WriteResult(
            alert.key, WriteStatus.APPLIED, message="sent to " + ", ".join(delivered)
        )
    return WriteResult(
        alert.key,
        WriteStatus.FAILED,
        error_code="webhook_failed",
        message="; ".join(o.detail for _, o in outcomes),
        retriable=any(o.retriable for _, o in outcomes),
    )


def make_alert_sender(
    settings: AlertSettings,
    *,
    links: RecordLinks | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    policy: RetryPolicy = ALERT_RETRY,
) -> WebhookAlertSender | None:
    """The sender for the configured webhooks; None when none is configured.

    Raises:
        UnsafeWebhookURL: a URL is not https (nor loopback http) — possible only when the
            settings were built without validation (``model_construct``).
    """
    targets = _targets(settings)
    if not targets:
        return None
    _mask_in_httpx_logs([t.url for t in targets])
    return WebhookAlertSender(
        targets,
        links=links or RecordLinks(),
        client=client,
        timeout=settings.timeout_seconds,
        policy=policy,
        sleep=sleep,
    )
