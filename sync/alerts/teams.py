"""Microsoft Teams messages: one Adaptive Card per message, as incoming webhooks and
Workflows webhooks take it::

    {"type": "message",
     "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                      "contentUrl": null,
                      "content": {"type": "AdaptiveCard", "version": "1.4", "body": [...]}}]}

The card has a title, then one container per alert: the headline, a fact set
(status, score, dormant days, holdout) and the record links in the card's
markdown. Teams documents a 28 KB message limit and has been seen to refuse
cards from about 21 KB, so a card is kept under :data:`MAX_MESSAGE_BYTES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .chunking import Message, pack, size, truncate
from .model import HOLDOUT_NOTE, Alert, summary

MAX_MESSAGE_BYTES = 20_000
MAX_TEXT_CHARS = 1_000  # per text block: a card is read, not scrolled
_TITLE_RESERVE = 64  # "(part 12 of 13)", "(5 in the holdout)" added to the title
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": truncate(text, MAX_TEXT_CHARS), "wrap": True, **style}


def element(alert: Alert) -> dict[str, Any]:
    """One alert's container."""
    items: list[dict[str, Any]] = []
    if alert.holdout:
        items.append(_text(HOLDOUT_NOTE, color="Attention", weight="Bolder"))
    items.append(_text(alert.headline(), weight="Bolder"))
    items.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in alert.facts()]})
    links = [f"[{lk.label}]({lk.url})" if lk.url else lk.label for lk in alert.links]
    if links:
        items.append(_text(" · ".join(links)))
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _message(title: str, elements: Sequence[dict[str, Any]]) -> dict[str, Any]:
    card = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": [_text(title, weight="Bolder", size="Medium"), *elements],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def messages(alerts: Sequence[Alert]) -> list[Message]:
    """The batch as few cards as fit under :data:`MAX_MESSAGE_BYTES` each."""
    elements = [element(a) for a in alerts]
    envelope = size(_message(summary(alerts), [])) + _TITLE_RESERVE
    costs = [(size(e) + 1,) for e in elements]  # + 1: the comma between elements
    ranges = pack(costs, max_items=len(alerts) or 1, budgets=(MAX_MESSAGE_BYTES - envelope,))
    return [
        Message(
            _message(summary(alerts[r.start : r.stop], n, len(ranges)), elements[r.start : r.stop]),
            r,
        )
        for n, r in enumerate(ranges, start=1)
    ]
