"""What every connector answers, source or sink: its declared capabilities are its methods,
``usage()`` counts the requests the platform served, and ``close()`` may be called twice."""

from __future__ import annotations

from connectors.base import Connector, SinkConnector, SourceConnector

from .subject import CAPABILITIES, READS, SINK, Subject


def test_the_declared_capabilities_are_exactly_the_connectors_contract_methods(
    subject: Subject,
) -> None:
    connector = subject.connector()
    try:
        offered = {name for name in CAPABILITIES if callable(getattr(connector, name, None))}
        assert offered == set(subject.capabilities)
        assert isinstance(connector, Connector)
        assert isinstance(connector, SourceConnector) == (set(READS) <= offered)
        assert isinstance(connector, SinkConnector) == (set(SINK) <= offered)
    finally:
        connector.close()


def test_usage_counts_the_requests_the_platform_served(subject: Subject) -> None:
    connector = subject.connector()
    before, start = subject.served(), connector.usage()
    owners = list(connector.read_owners())  # type: ignore[attr-defined]
    middle, used = subject.served(), connector.usage()
    assert owners
    assert used.requests - start.requests == middle - before > 0
    assert used.rate_limited == 0
    connector.close()
    connector.close()  # safe twice
    assert subject.served() == middle  # closing sends nothing
