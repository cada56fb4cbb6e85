"""Serves an emulator's ASGI app on 127.0.0.1 in a background thread, over HTTP or TLS.

uvicorn does the serving; trustme makes a throw-away CA and a certificate for
127.0.0.1 / localhost, so that clients that insist on https (simple-salesforce)
talk to the emulator unchanged, given the CA bundle this module writes.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import trustme
import uvicorn


@dataclass(frozen=True, slots=True)
class Tls:
    """Files of a throw-away certificate authority and the server's certificate."""

    ca_bundle: Path
    cert_file: Path
    key_file: Path


def make_tls(directory: Path | None = None) -> Tls:
    """Creates a CA and a server certificate for 127.0.0.1 and localhost, as PEM files."""
    folder = Path(directory or tempfile.mkdtemp(prefix="reengage-tls-"))
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    tls = Tls(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    ca.cert_pem.write_to_path(str(tls.ca_bundle))
    cert.private_key_pem.write_to_path(str(tls.key_file))
    cert.cert_chain_pems[0].write_to_path(str(tls.cert_file))
    for extra in cert.cert_chain_pems[1:]:
        with tls.cert_file.open("ab") as fh:
            fh.write(extra.bytes())
    return tls


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the host process owns its signals
        return None


class ServedApp:
    """An ASGI app served on a free loopback port until ``stop`` (or the ``with`` block ends).

    Args:
        app: the ASGI application.
        tls: serve https with these files; plain http when None.
        host: the loopback address to bind.
        port: 0 picks a free port.
    """

    def __init__(self, app: Any, *, tls: Tls | None = None, host: str = "127.0.0.1", port: int = 0):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit TCP_NODELAY: without it, an answer written as headers then
        # body waits for the client's delayed ACK (about 40 ms a request on loopback).
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind((host, port))
        self.host = host
        self.port: int = self._sock.getsockname()[1]
        self.tls = tls
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_certfile=str(tls.cert_file) if tls else None,
            ssl_keyfile=str(tls.key_file) if tls else None,
            timeout_keep_alive=30,
        )
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._run, name=f"sandbox-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._sock]))

    def start(self) -> ServedApp:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        # force_exit: do not wait for idle keep-alive connections (clients keep pools open)
        self._server.should_exit = True
        self._server.force_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
