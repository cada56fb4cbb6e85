"""Messages and how a batch of alerts is cut into them.

Each platform caps a message (Slack: 50 blocks, 40,000 characters of text;
Teams: about 28 KB of card), so a batch becomes as few messages as fit, each
covering a consecutive range of the batch: the sender maps a message's outcome
back to exactly those alerts. Sizes are measured on the bytes that are sent
(:func:`encode`), not estimated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Message:
    """One POST body and the positions, in the batch, of the alerts it carries."""

    body: dict[str, Any]
    indices: range


def encode(body: Any) -> bytes:
    """The JSON bytes posted (compact, UTF-8): what size limits are measured on."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def size(body: Any) -> int:
    return len(encode(body))


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so one long subject line or page
    URL cannot push an alert over a platform's per-element cap."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def pack(costs: Sequence[Sequence[int]], *, max_items: int, budgets: Sequence[int]) -> list[range]:
    """Greedy consecutive ranges of at most ``max_items`` items whose summed costs stay within
    ``budgets`` (one cost per budget per item).

    An item that alone exceeds a budget gets a range of its own rather than being
    dropped: the platform may still take it, and if not, only that alert fails.
    """
    ranges: list[range] = []
    start = 0
    used = [0] * len(budgets)
    for i, cost in enumerate(costs):
        fits = i - start < max_items and all(
            u + c <= b for u, c, b in zip(used, cost, budgets, strict=True)
        )
        if i > start and not fits:
            ranges.append(range(start, i))
            start, used = i, [0] * len(budgets)
        used = [u + c for u, c in zip(used, cost, strict=True)]
    if start < len(costs):
        ranges.append(range(start, len(costs)))
    return ranges
