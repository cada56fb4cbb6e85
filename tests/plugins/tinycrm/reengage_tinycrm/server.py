"""A tiny tinycrm service on 127.0.0.1 (stdlib ``http.server`` in a thread), for the tests:
persons and activities read in pages after a sequence number, field updates recorded.

Every request must carry ``Authorization: Bearer <api_key>`` (401 otherwise).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class TinyCrmState:
    """What the service holds and what it was sent."""

    api_key: str
    persons: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    # each update received: {"key", "id", "values"}
    updates: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _seq: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def add_person(self, pid: str, email: str | None, created: datetime, **extra: Any) -> None:
        with self.lock:
            self.persons.append(
                {"id": pid, "email": email, "created_at": created.isoformat(),
                 "modified_at": created.isoformat(), "seq": self._next(), **extra}
            )  # fmt: skip

    def add_activity(self, aid: str, pid: str, kind: str, at: datetime, detail: str = "") -> None:
        with self.lock:
            self.activities.append(
                {"id": aid, "person_id": pid, "kind": kind, "occurred_at": at.isoformat(),
                 "detail": detail or None, "seq": self._next()}
            )  # fmt: skip

    def fields_of(self, pid: str) -> dict[str, Any]:
        """The fields reengage wrote on a person, last value of each."""
        out: dict[str, Any] = {}
        for update in self.updates:
            if update["id"] == pid:
                out.update(update["values"])
        return out


def _handler(state: TinyCrmState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            with state.lock:
                state.requests.append((self.command, urlsplit(self.path).path))
            if self.headers.get("Authorization") == f"Bearer {state.api_key}":
                return True
            self._send(401, {"error": "unauthorised"})
            return False

        def do_GET(self) -> None:
            if not self._authorised():
                return
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if url.path == "/me":
                return self._send(200, {"name": "tinycrm test service"})
            rows = {"/persons": state.persons, "/activities": state.activities}.get(url.path)
            if rows is None:
                return self._send(404, {"error": "no such route"})
            after = int(query.get("after", ["0"])[0])
            limit = int(query.get("limit", ["100"])[0])
            with state.lock:
                page = sorted((r for r in rows if r["seq"] > after), key=lambda r: r["seq"])
            more = len(page) > limit
            page = page[:limit]
            self._send(200, {"results": page, "next": page[-1]["seq"] if more else None})

        def do_POST(self) -> None:
            if not self._authorised():
                return
            if urlsplit(self.path).path != "/persons/update":
                return self._send(404, {"error": "no such route"})
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            known = {p["id"] for p in state.persons}
            results = []
            with state.lock:
                for update in body["updates"]:
                    if update["id"] in known:
                        state.updates.append(update)
                        results.append({"key": update["key"], "ok": True})
                    else:
                        results.append(
                            {"key": update["key"], "ok": False, "error": "no such person"}
                        )
            self._send(200, {"results": results})

    return Handler


class TinyCrmServer:
    """The service on 127.0.0.1 on a free port, served from a daemon thread."""

    def __init__(self, api_key: str) -> None:
        self.state = TinyCrmState(api_key)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> TinyCrmServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
