"""Webhook alerts: message shapes per platform, chunking, retries, partial failure, secrecy."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import select

from config.rules import load_rules
from config.settings import AlertSettings
from connectors.base import RecordRef, RecordType, WriteResult, WriteStatus
from connectors.retry import RetryPolicy
from sync.alerts import (
    ALERT_RETRY,
    RecordLinks,
    UnsafeWebhookURL,
    WebhookAlertSender,
    make_alert_sender,
    slack,
    teams,
)
from sync.alerts.chunking import pack
from sync.alerts.delivery import retry_after
from sync.apply import apply_plan
from sync.plan.model import Operation, OpKind, Plan
from sync.store.journal import JournalEntry, save_plan
from sync.store.migrate import open_store
from sync.store.schema import operations

SLACK = "https://hooks.slack.com/services/T0001/B0001/SlackSecretToken1"
TEAMS = "https://acme.webhook.office.com/webhookb2/g@t/IncomingWebhook/TeamsSecretToken2/x"
GENERIC = "https://hooks.example.com/reengage?token=GenericSecretToken3"
SECRETS = ("SlackSecretToken1", "TeamsSecretToken2", "GenericSecretToken3")
URLS = {"slack": SLACK, "teams": TEAMS, "webhook": GENERIC}
LINKS = RecordLinks(
    hubspot_portal_id="4242", salesforce_instance_url="https://acme.my.salesforce.com"
)


class Sleeps(list[float]):
    """Records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def payload(
    n: int, *, event: str = "reactivation", holdout: bool = False, **kw: Any
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event": event,
        "person_key": f"p{n}",
        "email": f"person{n}@example.com",
        "status": "handed_off" if event == "handoff" else "reactivated",
        "score": 12.0 + n,
        "what": "clicked Spring webinar invite on 2026-11-20",
        "kind": "email_click",
        "detail": "Spring webinar invite",
        "at": "2026-11-20T10:00:00.000Z",
        "dormant_days": 120,
        "holdout": holdout,
        "records": [
            {"record_type": "hubspot_contact", "record_id": str(100 + n)},
            {"record_type": "salesforce_lead", "record_id": f"00Q{n:012d}"},
        ],
    }
    return base | kw


def entry(n: int = 1, **kw: Any) -> JournalEntry:
    body = payload(n, **kw)
    op = Operation(
        op=OpKind.SEND_ALERT,
        platform=None,
        record=None,
        target=body["event"],
        payload=body,
        idempotency_key=f"rg1-alert-{n:05d}",
        person_id=n,
        segment="reactivated",
        priority="HIGH",
    )
    return JournalEntry(id=n, operation=op, status="planned")


def batch(count: int, **kw: Any) -> list[JournalEntry]:
    return [entry(n, **kw) for n in range(1, count + 1)]


def build(*names: str, sleep: Sleeps | None = None) -> WebhookAlertSender:
    """A sender for the named webhooks (keys of :data:`URLS`), with settings validated."""
    fields = {"slack": "slack_webhook_url", "teams": "teams_webhook_url", "webhook": "webhook_url"}
    settings = AlertSettings(**{fields[n]: URLS[n] for n in names}, timeout_seconds=3)
    sender = make_alert_sender(settings, links=LINKS, sleep=Sleeps() if sleep is None else sleep)
    assert sender is not None
    return sender


def posted(route: respx.Route) -> list[dict[str, Any]]:
    return [json.loads(call.request.content) for call in route.calls]


def statuses(results: list[WriteResult]) -> set[WriteStatus]:
    return {r.status for r in results}


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=True) as mock:
        yield mock


# --- building the sender --------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [AlertSettings(), AlertSettings(slack_webhook_url=SecretStr(""))],
    ids=["nothing", "empty-url"],
)
def test_no_sender_without_a_webhook(settings: AlertSettings) -> None:
    assert make_alert_sender(settings) is None


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://hooks.example.com/services/UnsafeSecret9", False),
        ("http://localhost.evil.example/UnsafeSecret9", False),
        ("ftp://hooks.example.com/UnsafeSecret9", False),
        ("http://127.0.0.1:8765/hook", True),
        ("https://hooks.example.com/hook", True),
    ],
    ids=["http", "localhost-lookalike", "ftp", "loopback-http", "https"],
)
def test_unvalidated_urls_are_checked_again(url: str, ok: bool) -> None:
    settings = AlertSettings.model_construct(webhook_url=SecretStr(url), timeout_seconds=5.0)
    if ok:
        assert make_alert_sender(settings) is not None
        return
    with pytest.raises(UnsafeWebhookURL) as info:
        make_alert_sender(settings)
    assert "UnsafeSecret9" not in str(info.value)


# --- message shapes ---------------------------------------------------------------------------


def test_slack_message_shape(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(200, text="ok"))
    results = build("slack")([entry(1)])

    assert [r.status for r in results] == [WriteStatus.APPLIED]
    assert results[0].key == "rg1-alert-00001" and results[0].message == "sent to slack"
    [body] = posted(route)
    assert set(body) == {"text", "blocks"}
    header, section = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Reengage: 1 reactivated"},
    }
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    text = section["text"]["text"]
    assert "*person1@example.com* reactivated: clicked Spring webinar invite on 2026-11-20" in text
    assert "Status: *reactivated* · Score: *13.0* · Dormant days: *120*" in text
    assert "<https://app.hubspot.com/contacts/4242/record/0-1/101|HubSpot contact 101>" in text
    sf = "https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001/view"
    assert f"<{sf}|Salesforce lead 00Q000000000001>" in text
    assert "person1@example.com reactivated: clicked Spring webinar" in body["text"]
    assert route.calls.last.request.headers["content-type"].startswith("application/json")


def test_slack_escapes_control_characters(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(200))
    build("slack")([entry(1, what="clicked <Q&A> on 2026-11-20")])
    text = posted(route)[0]["blocks"][1]["text"]["text"]
    assert "clicked &lt;Q&amp;A&gt; on 2026-11-20" in text


def test_teams_message_shape(router: respx.MockRouter) -> None:
    route = router.post(TEAMS).mock(return_value=httpx.Response(202))
    results = build("teams")([entry(1, event="handoff")])

    assert statuses(results) == {WriteStatus.APPLIED}
    [body] = posted(route)
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title, container = card["body"]
    assert title["type"] == "TextBlock" and title["text"] == "Reengage: 1 handed off"
    headline, facts, links = container["items"]
    assert headline["text"] == (
        "person1@example.com was handed off: clicked Spring webinar invite on 2026-11-20"
    )
    assert {"title": "Status", "value": "handed off"} in facts["facts"]
    assert {"title": "Score", "value": "13.0"} in facts["facts"]
    assert (
        "[HubSpot contact 101](https://app.hubspot.com/contacts/4242/record/0-1/101)"
        in (links["text"])
    )


def test_generic_document_shape(router: respx.MockRouter) -> None:
    route = router.post(GENERIC).mock(return_value=httpx.Response(204))
    build("webhook")(batch(2))

    [body] = posted(route)
    assert list(body) == ["alerts"]
    first = body["alerts"][0]
    assert set(first) == {
        "key", "event", "status", "person_key", "email", "name", "what", "kind", "detail",
        "at", "score", "dormant_days", "holdout", "text", "records",
    }  # fmt: skip
    assert first["key"] == "rg1-alert-00001" and first["score"] == 13.0
    assert first["at"] == "2026-11-20T10:00:00.000Z" and first["holdout"] is False
    assert first["records"][1] == {
        "platform": "salesforce",
        "record_type": "salesforce_lead",
        "record_id": "00Q000000000001",
        "url": "https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001/view",
    }
    assert [a["email"] for a in body["alerts"]] == ["person1@example.com", "person2@example.com"]


@pytest.mark.parametrize("name", ["slack", "teams", "webhook"])
def test_holdout_alerts_go_out_marked(router: respx.MockRouter, name: str) -> None:
    route = router.post(URLS[name]).mock(return_value=httpx.Response(200))
    results = build(name)([entry(1, holdout=True), entry(2)])

    assert statuses(results) == {WriteStatus.APPLIED}
    sent = json.dumps(posted(route)[0])
    # Slack says it in the section and in the notification text; the others once
    assert sent.count("HOLDOUT") == {"slack": 2, "teams": 1, "webhook": 1}[name]
    assert "person1@example.com" in sent and "person2@example.com" in sent


def test_name_is_shown_before_the_email(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(200))
    build("slack")([entry(1, name="Jane Doe")])
    assert "*Jane Doe &lt;person1@example.com&gt;* reactivated" in json.dumps(posted(route)[0])


# --- chunking ---------------------------------------------------------------------------------


def test_slack_batch_is_chunked_to_50_blocks(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(200))
    results = build("slack")(batch(120, records=[]))  # short sections: the count binds

    bodies = posted(route)
    assert [len(b["blocks"]) for b in bodies] == [50, 50, 23]
    assert [b["blocks"][0]["text"]["text"] for b in bodies][-1].endswith("(part 3 of 3)")
    sent = [s["text"]["text"] for b in bodies for s in b["blocks"][1:]]
    assert [s.split("*")[1] for s in sent] == [f"person{n}@example.com" for n in range(1, 121)]
    assert all(len(b["text"]) <= slack.MAX_TEXT_CHARS for b in bodies)
    assert len(results) == 120 and statuses(results) == {WriteStatus.APPLIED}


def test_slack_block_text_budget_binds_long_sections(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(200))
    results = build("slack")(batch(60, what="visited " + "x" * 1000))

    bodies = posted(route)
    block_text = [sum(len(s["text"]["text"]) for s in b["blocks"][1:]) for b in bodies]
    assert len(bodies) > 2 and all(t <= slack.BLOCK_TEXT_BUDGET for t in block_text)
    assert sum(len(b["blocks"]) - 1 for b in bodies) == 60
    assert statuses(results) == {WriteStatus.APPLIED}


def test_slack_long_detail_is_truncated_per_section(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(200))
    build("slack")([entry(1, what="visited " + "x" * 5000)])
    [body] = posted(route)
    assert len(body["blocks"][1]["text"]["text"]) == slack.MAX_SECTION_CHARS


def test_teams_cards_stay_under_the_size_limit(router: respx.MockRouter) -> None:
    route = router.post(TEAMS).mock(return_value=httpx.Response(200))
    results = build("teams")(batch(150))

    raw = [call.request.content for call in route.calls]
    assert len(raw) > 1 and all(len(r) <= teams.MAX_MESSAGE_BYTES for r in raw)
    containers = [c for b in posted(route) for c in b["attachments"][0]["content"]["body"][1:]]
    assert len(containers) == 150 and statuses(results) == {WriteStatus.APPLIED}


@pytest.mark.parametrize(
    ("costs", "max_items", "budgets", "expected"),
    [
        ([(1,)] * 5, 2, (100,), [range(0, 2), range(2, 4), range(4, 5)]),
        ([(4,), (4,), (4,)], 10, (8,), [range(0, 2), range(2, 3)]),
        ([(20,), (1,)], 10, (8,), [range(0, 1), range(1, 2)]),
        ([(1, 9), (1, 9)], 10, (100, 10), [range(0, 1), range(1, 2)]),
        ([], 10, (8,), []),
    ],
    ids=["by-count", "by-budget", "oversized-item-alone", "second-budget", "empty"],
)
def test_pack(
    costs: list[tuple[int, ...]], max_items: int, budgets: tuple[int, ...], expected: list[range]
) -> None:
    assert pack(costs, max_items=max_items, budgets=budgets) == expected


# --- retries and failures ---------------------------------------------------------------------


def test_429_waits_retry_after_then_succeeds(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)]
    )
    sleeps = Sleeps()
    results = build("slack", sleep=sleeps)(batch(3))

    assert route.call_count == 2 and sleeps == [7.0]
    assert statuses(results) == {WriteStatus.APPLIED}


def test_500_every_time_fails_retriably_without_raising(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(500, text="boom"))
    sleeps = Sleeps()
    results = build("slack", sleep=sleeps)(batch(2))

    assert route.call_count == ALERT_RETRY.attempts and len(sleeps) == ALERT_RETRY.attempts - 1
    assert statuses(results) == {WriteStatus.FAILED}
    assert all(r.retriable and r.error_code == "webhook_failed" for r in results)
    assert results[0].message == f"slack: HTTP 500: boom after {ALERT_RETRY.attempts} attempts"


def test_a_dead_webhook_costs_one_retry_budget_per_batch(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(503))
    results = build("slack")(batch(120))  # several messages
    assert route.call_count == ALERT_RETRY.attempts
    assert len(results) == 120 and statuses(results) == {WriteStatus.FAILED}


def test_a_refused_message_does_not_stop_the_next(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(
        side_effect=[
            httpx.Response(200),
            httpx.Response(400, text="invalid_payload"),
            httpx.Response(200),
        ]
    )
    results = build("slack")(batch(120, records=[]))

    assert route.call_count == 3
    assert [r.status for r in results[:49]] == [WriteStatus.APPLIED] * 49
    assert {r.status for r in results[49:98]} == {WriteStatus.FAILED}
    assert results[49].message == "slack: HTTP 400: invalid_payload" and not results[49].retriable
    assert {r.status for r in results[98:]} == {WriteStatus.APPLIED}


def test_connection_errors_are_retried_then_failed(router: respx.MockRouter) -> None:
    route = router.post(GENERIC).mock(side_effect=httpx.ConnectError(f"cannot reach {GENERIC}"))
    results = build("webhook")([entry(1)])
    assert route.call_count == ALERT_RETRY.attempts
    assert results[0].status is WriteStatus.FAILED and results[0].retriable
    assert results[0].message == f"webhook: ConnectError after {ALERT_RETRY.attempts} attempts"


def test_one_webhook_down_still_applied_and_logged(
    router: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    router.post(SLACK).mock(return_value=httpx.Response(500))
    router.post(GENERIC).mock(return_value=httpx.Response(200))
    with caplog.at_level(logging.INFO, logger="reengage"):
        results = build("slack", "webhook")(batch(2))

    assert statuses(results) == {WriteStatus.APPLIED}
    assert results[0].message == "sent to webhook"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        m.startswith("alert webhook slack accepted 0 of 2 alerts: slack: HTTP 500")
        for m in warnings
    )
    infos = [r.getMessage() for r in caplog.records if r.name == "reengage.alerts"]
    assert "alert webhook webhook accepted 2 alerts in 1 messages" in infos


def test_timeout_comes_from_settings(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(200))
    build("slack")([entry(1)])
    assert route.calls.last.request.extensions["timeout"]["read"] == 3.0


def test_urls_never_reach_logs_or_results(
    router: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    router.post(SLACK).mock(side_effect=[httpx.Response(429), httpx.Response(200)])
    router.post(TEAMS).mock(return_value=httpx.Response(400, text=f"bad request to {TEAMS}"))
    router.post(GENERIC).mock(side_effect=httpx.ConnectError(f"cannot reach {GENERIC}"))
    with caplog.at_level(logging.DEBUG):
        results = build("slack", "teams", "webhook")(batch(2))

    assert statuses(results) == {WriteStatus.APPLIED}
    assert any(r.name == "httpx" for r in caplog.records)  # httpx did log its requests...
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    shown = logged + "".join(str(r) for r in results)
    assert "**********" in logged  # ...masked
    for secret in SECRETS:
        assert secret not in shown


def test_all_failing_results_hold_no_url(router: respx.MockRouter) -> None:
    router.post(SLACK).mock(return_value=httpx.Response(404, text=f"no_service {SLACK}"))
    router.post(TEAMS).mock(return_value=httpx.Response(403))
    results = build("slack", "teams")([entry(1)])
    assert results[0].status is WriteStatus.FAILED and not results[0].retriable
    assert results[0].message == "slack: HTTP 404: no_service **********; teams: HTTP 403"
    assert not any(secret in str(results) for secret in SECRETS)


def test_empty_batch_and_wrong_operation(router: respx.MockRouter) -> None:
    sender = build("slack")
    assert sender([]) == []
    wrong = JournalEntry(
        7, Operation(OpKind.CREATE_TASK, None, None, None, {}, "k", 1, None), "planned"
    )
    with pytest.raises(ValueError, match="not send_alert"):
        sender([wrong])


# --- links and Retry-After --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("links", "ref", "url"),
    [
        (LINKS, RecordRef(RecordType.HUBSPOT_CONTACT, "101"),
         "https://app.hubspot.com/contacts/4242/record/0-1/101"),
        (RecordLinks(), RecordRef(RecordType.HUBSPOT_CONTACT, "101"), None),
        (LINKS, RecordRef(RecordType.SALESFORCE_CONTACT, "003A"),
         "https://acme.my.salesforce.com/lightning/r/Contact/003A/view"),
        (RecordLinks(), RecordRef(RecordType.SALESFORCE_LEAD, "00QA"), None),
        (LINKS, RecordRef(RecordType.EMAIL_ADDRESS, "a@b.c"), None),
    ],
    ids=["hubspot", "hubspot-no-portal", "sf-contact", "sf-no-instance", "email-address"],
)  # fmt: skip
def test_record_links(links: RecordLinks, ref: RecordRef, url: str | None) -> None:
    assert links.url(ref) == url


def test_records_without_url_are_named(router: respx.MockRouter) -> None:
    route = router.post(SLACK).mock(return_value=httpx.Response(200))
    settings = AlertSettings(slack_webhook_url=SLACK)
    sender = make_alert_sender(settings, sleep=Sleeps())
    assert sender is not None
    sender([entry(1)])
    text = posted(route)[0]["blocks"][1]["text"]["text"]
    assert text.endswith("HubSpot contact 101 · Salesforce lead 00Q000000000001")


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("12", 12.0), ("0.5", 0.5), ("-3", 0.0), ("Fri, 20 Nov 2026 09:00:30 GMT", 30.0),
     ("soon", None), (None, None)],
    ids=["seconds", "fraction", "negative", "http-date", "junk", "absent"],
)  # fmt: skip
def test_retry_after(header: str | None, seconds: float | None) -> None:
    assert retry_after(header, now=datetime(2026, 11, 20, 9, tzinfo=UTC)) == seconds


# --- through the applier ----------------------------------------------------------------------


def test_applier_journals_a_failed_batch_then_applies_it(
    sqlite_url: str, router: respx.MockRouter
) -> None:
    router.post(SLACK).mock(side_effect=[httpx.Response(500), httpx.Response(200)])
    engine = open_store(sqlite_url)
    with engine.begin() as conn:
        plan = Plan.of(e.operation for e in batch(2))
        plan_id = save_plan(conn, plan, as_of=datetime(2026, 11, 20, tzinfo=UTC), version="v")
    settings = AlertSettings(slack_webhook_url=SLACK)
    sender = make_alert_sender(settings, links=LINKS, policy=RetryPolicy(attempts=1))
    assert sender is not None

    def journal() -> list[tuple[str, str | None]]:
        with engine.begin() as conn:
            query = select(operations.c.status, operations.c.error_code).order_by(operations.c.id)
            return [(r.status, r.error_code) for r in conn.execute(query)]

    first = apply_plan(engine, plan_id, {}, load_rules(), alerts=sender)
    assert first.total("failed") == 0 and first.alert_failures() == 2  # never fails the sync
    assert journal() == [("failed", "webhook_failed")] * 2
    second = apply_plan(engine, plan_id, {}, load_rules(), alerts=sender)
    assert second.total("applied") == 2 and journal() == [("applied", None)] * 2
