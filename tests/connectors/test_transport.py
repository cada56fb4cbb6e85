"""Why a request got no answer, from real failures of the three HTTP libraries reengage drives,
and what the error message shows of the URL (never a query string or user info)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import httpx
import pytest
import requests
import urllib3

from connectors.errors import ConfigurationError, RetriableError
from connectors.transport import classify, endpoint, transport_error

from .local_servers import UntrustedTls

Get = Callable[[str, float], object]


def _requests(url: str, timeout: float) -> object:
    return requests.get(url, timeout=timeout)


def _httpx(url: str, timeout: float) -> object:
    return httpx.get(url, timeout=timeout)


def _urllib3(url: str, timeout: float) -> object:  # as the HubSpot SDK drives it: no retries
    pool = urllib3.PoolManager(retries=urllib3.Retry(total=0))
    return pool.request("GET", url, timeout=timeout)


LIBRARIES = pytest.mark.parametrize("get", [_requests, _httpx, _urllib3], ids=lambda g: g.__name__)


def failure(get: Get, url: str, timeout: float = 10.0) -> Exception:
    try:
        get(url, timeout)
    except Exception as exc:  # what the library raised, whatever it is
        return exc
    raise AssertionError(f"{url} answered")


@pytest.fixture
def silent() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    sock = socket.create_server(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@LIBRARIES
def test_an_untrusted_certificate_is_a_verification_failure_that_does_not_heal(get: Get) -> None:
    with UntrustedTls() as server:
        exc = failure(get, f"{server.url}/x")
    cause = classify(exc, server.url)
    assert (cause.kind, cause.heals) == ("tls", False)
    assert "certificate verification failed" in cause.reason
    assert "local issuer" in cause.reason  # ssl's own words


@LIBRARIES
def test_a_closed_port_is_refused_and_heals(get: Get) -> None:
    cause = classify(failure(get, "http://127.0.0.1:9/x"), "http://127.0.0.1:9")
    assert (cause.kind, cause.heals) == ("refused", True)
    assert cause.reason == "connection refused by 127.0.0.1:9"


@LIBRARIES
def test_a_silent_server_times_out_and_heals(get: Get, silent: int) -> None:
    cause = classify(
        failure(get, f"http://127.0.0.1:{silent}/x", 0.2), f"http://127.0.0.1:{silent}", 0.2
    )
    assert (cause.kind, cause.heals) == ("timeout", True)
    assert cause.reason == f"no answer from 127.0.0.1:{silent}: timed out after 0.2 s"


def _dns_failure(errno: int, said: str) -> Exception:
    """A gaierror as urllib3 and requests wrap it (the resolver's answer cannot be staged)."""
    try:
        try:
            raise socket.gaierror(errno, said)
        except socket.gaierror as exc:
            raise urllib3.exceptions.NameResolutionError("crm.example", None, exc) from exc  # type: ignore[arg-type]
    except urllib3.exceptions.NameResolutionError as exc:
        return requests.ConnectionError(exc)


def test_a_name_that_does_not_exist_does_not_heal_a_resolver_hiccup_does() -> None:
    gone = classify(
        _dns_failure(socket.EAI_NONAME, "Name or service not known"), "https://crm.example"
    )
    assert (gone.kind, gone.heals) == ("dns", False)
    assert gone.reason == "DNS lookup failed for crm.example: Name or service not known"
    later = classify(_dns_failure(socket.EAI_AGAIN, "Temporary failure"), "https://crm.example")
    assert (later.kind, later.heals) == ("dns", True)


def test_the_error_names_the_url_without_query_or_user_info() -> None:
    url = "https://user:pw@127.0.0.1:9/services/data/v62.0/query?q=SELECT+Id&access_token=t0k"
    exc = failure(_requests, "http://127.0.0.1:9/x?access_token=t0k")
    error = transport_error(exc, platform="salesforce", target="Salesforce", url=url)
    assert isinstance(error, RetriableError)
    assert "at http://127.0.0.1:9/x: connection refused by 127.0.0.1:9" in error.user_message
    assert "t0k" not in error.user_message and "pw" not in error.user_message
    assert endpoint(url) == "https://127.0.0.1:9/services/data/v62.0/query"
    assert endpoint("https://api.hubapi.com") == "https://api.hubapi.com:443"


def test_what_does_not_heal_is_a_configuration_error_with_the_fix() -> None:
    with UntrustedTls() as server:
        exc = failure(_httpx, f"{server.url}/crm/v3/owners?limit=5")
    error = transport_error(
        exc, platform="hubspot", target="HubSpot", url=server.url, fix="check the CA bundle"
    )
    assert isinstance(error, ConfigurationError)
    assert error.user_message.startswith(f"cannot reach HubSpot at {server.url}/crm/v3/owners: ")
    assert error.user_message.endswith("; check the CA bundle")
