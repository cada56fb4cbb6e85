"""Slack incoming-webhook messages: ``{"text": ..., "blocks": [...]}`` with mrkdwn sections.

One header block, then one section per alert. ``text`` repeats every alert on a
plain line: Slack shows it in notifications and where blocks cannot render.
Limits (Slack's message reference): 50 blocks per message, 3,000 characters
per section, 40,000 characters of ``text``, 150 for a header. Messages whose
blocks total more than ~13,000 characters are refused with
``msg_blocks_too_long`` although no documented limit is reached
(slackapi/bolt-js#2509), hence :data:`BLOCK_TEXT_BUDGET`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .chunking import Message, pack, truncate
from .model import HOLDOUT_NOTE, Alert, summary

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_TEXT_CHARS = 40_000
MAX_HEADER_CHARS = 150
BLOCK_TEXT_BUDGET = 12_000
_SUMMARY_RESERVE = 200  # the title line of ``text`` and the header block


def escape(text: str) -> str:
    """Slack's three control characters; everything else in mrkdwn is literal enough."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(label: str, url: str | None) -> str:
    if url is None:
        return escape(label)
    return f"<{url}|{escape(label).replace('|', '/')}>"


def section_text(alert: Alert) -> str:
    """The mrkdwn of one alert's section."""
    lines = [f":warning: *{HOLDOUT_NOTE}*"] if alert.holdout else []
    lines.append(f"*{escape(alert.who)}* {alert.verb}: {escape(alert.what)}")
    lines.append(" · ".join(f"{k}: *{escape(v)}*" for k, v in alert.facts()[:3]))
    if alert.links:
        lines.append(" · ".join(_link(lk.label, lk.url) for lk in alert.links))
    return truncate("\n".join(lines), MAX_SECTION_CHARS)


def _message(
    alerts: Sequence[Alert], sections: Sequence[str], part: int, parts: int
) -> dict[str, Any]:
    title = summary(alerts, part, parts)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(title, MAX_HEADER_CHARS)},
        }
    ]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections]
    text = "\n".join([title, *(a.plain() for a in alerts)])
    return {"text": truncate(text, MAX_TEXT_CHARS), "blocks": blocks}


def messages(alerts: Sequence[Alert]) -> list[Message]:
    """The batch as few Slack messages as the limits allow."""
    sections = [section_text(a) for a in alerts]
    costs = [(len(a.plain()) + 1, len(s)) for a, s in zip(alerts, sections, strict=True)]
    ranges = pack(
        costs,
        max_items=MAX_BLOCKS - 1,
        budgets=(MAX_TEXT_CHARS - _SUMMARY_RESERVE, BLOCK_TEXT_BUDGET),
    )
    return [
        Message(_message(alerts[r.start : r.stop], sections[r.start : r.stop], n, len(ranges)), r)
        for n, r in enumerate(ranges, start=1)
    ]
