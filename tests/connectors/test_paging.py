"""A page token handed out twice is a loop, caught by the one paginator guard
(:mod:`connectors.paging`) on every paginated read: HubSpot's lists, Salesforce's
queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.base import PaginationLoop
from connectors.hubspot.backfill import read_list
from connectors.hubspot.streams import ObjectStream
from connectors.paging import PageTokens
from connectors.salesforce.increments import StreamState, read_rest
from connectors.salesforce.streams import LEADS


def test_a_token_seen_before_is_a_loop_even_two_pages_later() -> None:
    tokens = PageTokens("HubSpot", "the contacts list", start="A")
    assert tokens.next("B") == "B" and tokens.next("C") == "C" and tokens.next(None) is None
    with pytest.raises(PaginationLoop, match="'A'"):
        tokens.next("A")


class Scripted:
    """A client answering each call with the next scripted page, whatever was asked."""

    def __init__(self, pages: list[Any]) -> None:
        self.pages = iter(pages)
        self.calls = 0

    def call(self, *_: Any, **__: Any) -> Any:
        self.calls += 1
        return next(self.pages)


def _drain(pages: Iterator[Any]) -> None:
    for _ in pages:
        pass


def test_salesforce_query_pages_in_a_circle_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    def page(url: str) -> dict[str, Any]:
        return {"records": [], "done": False, "nextRecordsUrl": url}

    client = Scripted([page("/q-1"), page("/q-2"), page("/q-1"), page("/q-2")])
    with pytest.raises(PaginationLoop, match="/q-1"):
        _drain(read_rest(client, LEADS, ["Id"], StreamState()))  # type: ignore[arg-type]
    assert client.calls == 3


def test_hubspot_list_pages_in_a_circle_stop() -> None:
    class Paging:
        def __init__(self, after: str) -> None:
            self.next = type("Next", (), {"after": after})()

    def page(after: str) -> Any:
        return type("Page", (), {"results": [], "paging": Paging(after)})()

    client = Scripted([page("201"), page("301"), page("201")])
    make: Callable[..., Iterator[Any]] = read_list
    with pytest.raises(PaginationLoop, match="'201'"):
        _drain(make(client, ObjectStream("contacts", "contacts", ("email",), ()), None, 0))
    assert client.calls == 3
