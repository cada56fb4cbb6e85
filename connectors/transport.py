"""Why a request never got an answer, from the exception chain, and whether waiting heals it.

Every HTTP library reengage drives (urllib3 under the HubSpot SDK, requests under
simple-salesforce, httpx) wraps the operating system's error in two or three of
its own; the stdlib exception at the bottom (``socket.gaierror``,
``ConnectionRefusedError``, ``TimeoutError``, ``ssl.SSLCertVerificationError``)
says what happened. :func:`classify` walks the chain down to it:

============================  ==========================================  ======
what                          reason shown                                heals
============================  ==========================================  ======
TLS certificate not trusted   TLS certificate verification failed: ...    no
other TLS handshake refusal   TLS handshake failed: ...                   no
DNS, temporary (EAI_AGAIN)    DNS lookup failed for HOST (temporary)      yes
DNS, no such name             DNS lookup failed for HOST: ...             no
connection refused            connection refused by HOST:PORT             yes
timeout                       timed out after N s                         yes
reset / dropped / other       connection to HOST:PORT dropped: ...        yes
============================  ==========================================  ======

A refused connection heals (a service restarting); a name that does not exist or a
certificate nobody trusts does not, however long one waits: those become a
:class:`ConfigurationError` (never retried), the rest a :class:`RetriableError`.
URLs are shown as ``scheme://host:port/path``: never a query string, user info or
header, so no token can leak through an error message.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from connectors.errors import ConfigurationError, ConnectorError, RetriableError

_DEFAULT_PORTS = {"https": 443, "http": 80}
_CHAIN_LIMIT = 12


@dataclass(frozen=True, slots=True)
class Cause:
    """What went wrong on the way to the server, for a person, and whether to try again."""

    kind: str  # tls, dns, refused, timeout, dropped
    reason: str
    heals: bool


def endpoint(url: str) -> str:
    """``scheme://host:port/path`` of a URL: no query string, fragment or user info."""
    parts = urlsplit(url)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    where = f"{host}:{port}" if port else host
    return f"{parts.scheme}://{where}{parts.path}" if parts.scheme else url.split("?")[0]


def host_port(url: str) -> str:
    """``host:port`` of a URL (the part a person checks first)."""
    return endpoint(url).split("://", 1)[-1].split("/", 1)[0]


def chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps: causes, contexts, urllib3's ``reason``,
    requests' wrapped argument, breadth first, each once."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < _CHAIN_LIMIT:
        item = todo.pop(0)
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        reason = getattr(item, "reason", None)
        todo += [item.__cause__, item.__context__]
        todo += [reason] if isinstance(reason, BaseException) else []
        todo += [a for a in item.args if isinstance(a, BaseException)]
    return seen


def request_url(exc: BaseException) -> str | None:
    """The URL a failed request went to, when the exception carries it."""
    for item in chain(exc):
        pool, path = getattr(item, "pool", None), getattr(item, "url", None)
        if pool is not None and isinstance(path, str):  # urllib3's MaxRetryError
            return f"{pool.scheme}://{pool.host}:{pool.port}{path}"
        try:  # requests' and httpx's exceptions; httpx raises when it has none
            request = getattr(item, "request", None)
        except RuntimeError:
            request = None
        url = getattr(request, "url", None)
        if url is not None:
            return str(url)
    return None


def is_transport_failure(exc: BaseException) -> bool:
    """Whether the chain holds an operating-system / TLS / timeout failure (no HTTP answer)."""
    return any(isinstance(item, OSError) for item in chain(exc))


def classify(exc: BaseException, url: str, timeout: float | None = None) -> Cause:
    """The cause of a failed connection to ``url``, from the deepest exception that says it."""
    items = chain(exc)
    where = host_port(url)
    host = where.rsplit(":", 1)[0]
    for item in items:
        if isinstance(item, ssl.SSLCertVerificationError):
            said = item.verify_message or item.reason or str(item)
            return Cause("tls", f"TLS certificate verification failed: {said}", heals=False)
    for item in items:
        if isinstance(item, ssl.SSLEOFError | ssl.SSLZeroReturnError | ssl.SSLSyscallError):
            return Cause("dropped", f"connection to {where} dropped during the TLS handshake", True)
        if isinstance(item, ssl.SSLError):
            said = (item.reason or item.strerror or str(item)).replace("_", " ").lower()
            return Cause("tls", f"TLS handshake with {where} failed: {said}", heals=False)
        if isinstance(item, socket.gaierror):
            if item.errno == socket.EAI_AGAIN:
                return Cause("dns", f"DNS lookup failed for {host} (temporary failure)", True)
            return Cause("dns", f"DNS lookup failed for {host}: {item.strerror}", heals=False)
        if isinstance(item, ConnectionRefusedError):
            return Cause("refused", f"connection refused by {where}", heals=True)
        if isinstance(item, TimeoutError) or "Timeout" in type(item).__name__:
            after = f" after {timeout:g} s" if timeout else ""
            return Cause("timeout", f"no answer from {where}: timed out{after}", heals=True)
    for item in reversed(items):
        if isinstance(item, OSError) and item.strerror:
            return Cause("dropped", f"connection to {where} failed: {item.strerror}", True)
    return Cause("dropped", f"connection to {where} dropped ({type(items[-1]).__name__})", True)


def transport_error(
    exc: BaseException,
    *,
    platform: str,
    target: str,
    url: str,
    timeout: float | None = None,
    fix: str = "",
) -> ConnectorError:
    """The reengage error for a request that got no answer.

    Args:
        exc: what the HTTP library raised.
        platform: ``hubspot`` or ``salesforce``.
        target: what was being reached, for the message ("HubSpot", "the Salesforce token
            endpoint").
        url: where the request went (the exception's own URL wins when it carries one).
        timeout: the configured timeout, to say how long was waited.
        fix: what a person should check when waiting will not help.
    """
    shown = endpoint(request_url(exc) or url)
    cause = classify(exc, shown, timeout)
    text = f"cannot reach {target} at {shown}: {cause.reason}"
    detail = f"{type(exc).__name__} ({cause.kind})"
    if cause.heals:
        return RetriableError(text, platform=platform, code=cause.kind.upper(), detail=detail)
    return ConfigurationError(
        f"{text}{'; ' + fix if fix else ''}",
        platform=platform,
        code=cause.kind.upper(),
        detail=detail,
    )
