"""Every request an emulator served, one line each: method, path and the object it touched.

Tests read it to count requests per object (a stream's reads, its association
look-ups, its deletions) without knowing how each emulator counts routes. The
log sits inside the fault knobs, so it holds the requests that reached the
platform's logic (an injected fault answers before that). Each emulator labels
a request with its own :data:`Labeller`; the log of an emulator is found from
its state object with :func:`request_log`, so that neither state class needs a
new attribute.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One served request. ``object`` is what it read or wrote (``Lead``, ``contacts``)
    or the API family for requests about no object (``lists``, ``oauth``)."""

    method: str
    path: str
    object: str
    kind: str


# (method, path, query string) -> (object, kind)
Labeller = Callable[[str, str, str], tuple[str, str]]


class RequestLog:
    """The requests one emulator served since the last :meth:`clear`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def by_object(self, *, method: str | None = None) -> Counter[str]:
        """Requests per object (only of one HTTP method when ``method`` is given)."""
        return Counter(e.object for e in self.entries() if method in (None, e.method))


_LOGS: WeakKeyDictionary[object, RequestLog] = WeakKeyDictionary()
_LOGS_LOCK = threading.Lock()


def request_log(state: object) -> RequestLog:
    """The request log of the emulator whose state this is (created on first use)."""
    with _LOGS_LOCK:
        found = _LOGS.get(state)
        if found is None:
            found = _LOGS[state] = RequestLog()
        return found


class RequestLogMiddleware:
    """Records each HTTP request with its label before handing it on."""

    def __init__(self, app: ASGIApp, log: RequestLog, label: Labeller) -> None:
        self.app = app
        self.log = log
        self.label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = str(scope["method"]), str(scope["path"])
            query = bytes(scope.get("query_string", b"")).decode("latin-1")
            obj, kind = self.label(method, path, query)
            self.log.record(LoggedRequest(method, path, obj, kind))
        await self.app(scope, receive, send)
