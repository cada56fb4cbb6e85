"""A tiny tinycrm service on 127.0.0.1 (stdlib ``http.server`` in a thread), for the tests:
persons and activities read in pages after a sequence number, field updates recorded.

Every request must carry ``Authorization: Bearer <api_key>`` (401 otherwise). A deleted
person (``DELETE /persons/{id}``) stays in the feed as a tombstone (``id``, ``deleted``,
``modified_at``) under a new sequence number. A daily budget (``daily_left``, None for
none) refuses once spent with a 429 whose body says so (``"limit": "daily"``); a 429 with
another limit (``"limit": "burst"``, after ``burst_429s`` is set) is a short one.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class TinyCrmState:
    """What the service holds and what it was sent."""

    api_key: str
    persons: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)  # who may own persons
    activities: list[dict[str, Any]] = field(default_factory=list)
    # each update received: {"key", "id", "values"}
    updates: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    daily_left: int | None = None  # requests left today; None: no daily budget
    burst_429s: int = 0  # the next requests refused by a short (per-second) limit
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

    def add_user(self, uid: str, name: str, email: str, active: bool = True) -> None:
        with self.lock:
            self.users.append({"id": uid, "name": name, "email": email, "active": active})

    def add_activity(self, aid: str, pid: str, kind: str, at: datetime, detail: str = "") -> None:
        with self.lock:
            self.activities.append(
                {"id": aid, "person_id": pid, "kind": kind, "occurred_at": at.isoformat(),
                 "detail": detail or None, "seq": self._next()}
            )  # fmt: skip

    def person(self, pid: str) -> dict[str, Any] | None:
        """The live person with that id (None when absent or deleted)."""
        found = next((p for p in self.persons if p["id"] == pid), None)
        return None if found is None or found.get("deleted") else found

    def delete_person(self, pid: str) -> bool:
        """Deletes a live person: only a tombstone stays, under a new sequence number."""
        with self.lock:
            found = self.person(pid)
            if found is None:
                return False
            found.clear()
            found.update(
                id=pid, deleted=True, modified_at=datetime.now(UTC).isoformat(), seq=self._next()
            )
            return True

    def refusal(self) -> dict[str, Any] | None:
        """The 429 body for a request over a limit (and the budget spent by one that is not)."""
        with self.lock:
            if self.burst_429s > 0:
                self.burst_429s -= 1
                return {"error": "rate limited", "limit": "burst", "retry_after": 1}
            if self.daily_left is None:
                return None
            if self.daily_left <= 0:
                return {"error": "the daily request limit is spent", "limit": "daily"}
            self.daily_left -= 1
            return None

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
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                self._send(401, {"error": "unauthorised"})
                return False
            refused = state.refusal()
            if refused is not None:
                self._send(429, refused)
                return False
            return True

        def do_GET(self) -> None:
            if not self._authorised():
                return
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if url.path == "/me":
                return self._send(200, {"name": "tinycrm test service"})
            if url.path == "/users":
                with state.lock:
                    return self._send(200, {"results": list(state.users)})
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
            results = []
            with state.lock:
                for update in body["updates"]:
                    if state.person(update["id"]) is not None:
                        state.updates.append(update)
                        results.append({"key": update["key"], "ok": True})
                    else:
                        results.append(
                            {"key": update["key"], "ok": False, "error": "no such person"}
                        )
            self._send(200, {"results": results})

        def do_DELETE(self) -> None:
            if not self._authorised():
                return
            parts = urlsplit(self.path).path.strip("/").split("/")
            if len(parts) != 2 or parts[0] != "persons":
                return self._send(404, {"error": "no such route"})
            if not state.delete_person(parts[1]):
                return self._send(404, {"error": "no such person"})
            self._send(200, {"id": parts[1], "deleted": True})

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
