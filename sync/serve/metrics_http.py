"""The HTTP side of ``reengage serve``: ``/healthz`` (JSON) and ``/metrics`` (Prometheus).

The standard library's ``ThreadingHTTPServer`` in a daemon thread: two read-only
endpoints need no framework, and it lets ``/healthz`` sit beside ``/metrics``
on one port (prometheus_client's ``start_http_server`` serves only metrics).
It binds ``REENGAGE_SERVE__HOST`` (127.0.0.1 by default) and
``REENGAGE_SERVE__PORT``; port 0 picks a free port (tests), see
:attr:`MetricsServer.port`.

``/healthz`` answers 200 with ``{"status": "ok", ...}`` while the loop runs
(a failed *run* shows in ``last_status``, not as an unhealthy process, so an
orchestrator does not restart serve over a platform outage), and 503 with
``"status": "stopping"`` once a shutdown was asked for.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from sync.serve.metrics import Metrics

log = logging.getLogger("reengage.metrics")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass
class Health:
    """The loop's state as ``/healthz`` reports it; written by the loop, read by the server."""

    last_run: datetime | None = None
    last_status: str | None = None
    next_run: datetime | None = None
    stopping: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def ran(self, finished: datetime, status: str) -> None:
        with self._lock:
            self.last_run, self.last_status = finished, status

    def scheduled(self, at: datetime | None) -> None:
        with self._lock:
            self.next_run = at

    def stop(self) -> None:
        with self._lock:
            self.stopping, self.next_run = True, None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "status": "stopping" if self.stopping else "ok",
                "last_run": _iso(self.last_run),
                "last_status": self.last_status,
                "next_run": _iso(self.next_run),
            }


def _handler(metrics: Metrics, health: Health) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "reengage"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, metrics.exposition())
            elif path == "/healthz":
                state = health.snapshot()
                code = 503 if state["status"] == "stopping" else 200
                self._send(code, "application/json", json.dumps(state).encode())
            else:
                self._send(404, "text/plain; charset=utf-8", b"try /healthz or /metrics\n")

        def _send(self, code: int, content_type: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("http: " + format, *args)

    return Handler


class MetricsServer:
    """Serves ``/healthz`` and ``/metrics`` from a daemon thread until :meth:`stop`."""

    def __init__(self, metrics: Metrics, health: Health, host: str, port: int) -> None:
        self._httpd = ThreadingHTTPServer((host, port), _handler(metrics, health))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},  # how long stop() may wait for the thread
            name="reengage-metrics",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    def start(self) -> MetricsServer:
        self._thread.start()
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()
