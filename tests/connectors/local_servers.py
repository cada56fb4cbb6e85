"""Tiny loopback servers that count what reaches them, for tests of transport failures.

* :class:`UntrustedTls` accepts TCP connections and offers a certificate from a
  throw-away CA that no client trusts: a real TLS verification failure.
* :class:`FixedAnswer` answers every request with one status and JSON body (over
  TLS with a CA bundle the test hands the client, or plain HTTP).

Each counts what reached it, so a test asserts how many attempts a client made
(the behaviour) rather than what it logged.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import trustme


def _server_context(names: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[Any, Any]:
    ca = trustme.CA()
    cert = ca.issue_cert(*names)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return ca, context


class UntrustedTls:
    """A TLS listener on 127.0.0.1 whose certificate no client trusts; counts connections."""

    def __init__(self) -> None:
        _ca, self._context = _server_context()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            self.connections += 1
            conn.settimeout(5)
            try:
                self._context.wrap_socket(conn, server_side=True).close()
            except (OSError, ssl.SSLError):
                conn.close()  # the client refused our certificate: the expected end

    def __enter__(self) -> UntrustedTls:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._sock.close()


class FixedAnswer:
    """Answers every request with ``status`` and ``body`` (JSON); counts requests by path.

    With ``tls_dir`` it serves https and writes the CA bundle the client must be given
    to ``tls_dir / "ca.pem"`` (:attr:`ca_bundle`).
    """

    def __init__(
        self, status: int, body: object, *, tls_dir: Path | None = None, headers: Any = None
    ) -> None:
        self.requests: list[str] = []
        self.ca_bundle: Path | None = None
        owner = self
        payload = json.dumps(body).encode()

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                owner.requests.append(self.path.split("?")[0])
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in dict(headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self.scheme = "http"
        if tls_dir is not None:
            ca, context = _server_context()
            self.ca_bundle = tls_dir / "ca.pem"
            ca.cert_pem.write_to_path(str(self.ca_bundle))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> FixedAnswer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
