"""Canary secrets, the login flows that carry them, and the search for them in output.

Each canary is a made-up secret the sandbox accepts (so the run really logs in with it),
spelled with characters an encoding changes (``+ / = &``), so that a URL-encoded,
base64 or JSON-escaped copy is found as well as the raw value.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.salesforce.state import Credentials, Session
from sandbox.sandbox import Sandbox, SandboxOptions

HUBSPOT_TOKEN = "pat-na1-HSCANARY+tok/3f9a=e1"
SESSION_ID = "00DCANARY000001!SESSIONcanary+AQ/x9="
CONSUMER_SECRET = "CONSUMERcanary+sec/ret=9&q"
PASSWORD = "PASSWORDcanary&+/=pw"
SECURITY_TOKEN = "SECTOKcanary42xZ"
WEBHOOK_SECRET = "WEBHOOKcanary-5b1d+hook"
WRONG_SECRET = "WRONGcanary+never/shown="

FLOWS = ("client_credentials", "session_id", "jwt_bearer", "username_password")


def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def pem_canaries(pem: str) -> dict[str, str]:
    """The whole key and two lines of its body: a partial leak is still a leak."""
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return {"private key": pem, "private key line 3": body[3], "private key line 9": body[9]}


def encodings(secret: str) -> dict[str, str]:
    """The spellings a leaked secret would have: raw, URL-encoded, base64, JSON-escaped."""
    return {
        "raw": secret,
        "url-encoded": quote(secret, safe=""),
        "url-encoded, / kept": quote(secret),
        "url-encoded, + kept (SQLAlchemy URLs)": quote(secret, safe="+"),
        "form-encoded": quote_plus(secret),
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64url": base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        "json-escaped": json.dumps(secret)[1:-1],
    }


@dataclass
class Canaries:
    """Named secrets and the ``user:secret`` pairs whose base64 (HTTP Basic) is also searched."""

    secrets: dict[str, str]
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)

    def needles(self) -> dict[str, bytes]:
        """Every spelling of every canary, as bytes, named ``canary (spelling)``."""
        found: dict[str, bytes] = {}
        for name, secret in self.secrets.items():
            for spelling, form in encodings(secret).items():
                found[f"{name} ({spelling})"] = form.encode()
        for name, (user, secret) in self.pairs.items():
            basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
            found[f"{name} (basic)"] = basic.encode()
        return found

    def leaks(self, where: str, data: bytes) -> list[str]:
        return [f"{name} in {where}" for name, needle in self.needles().items() if needle in data]


def leaks_in_folder(canaries: Canaries, folder: Path) -> list[str]:
    """Canaries in any file under ``folder`` (reports, plans, the SQLite store and its WAL)."""
    found: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        found += canaries.leaks(str(path.relative_to(folder)), path.read_bytes())
    return found


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@contextmanager
def webhook() -> Iterator[str]:
    """A generic alert webhook on loopback whose URL path carries a secret."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/{WEBHOOK_SECRET}"
    finally:
        server.shutdown()
        server.server_close()


def canary_sandbox(persons: int) -> Sandbox:
    """A started sandbox that accepts exactly the canary secrets (and its own client id)."""
    box = Sandbox(SandboxOptions(persons=persons))
    box.hubspot.token = HUBSPOT_TOKEN
    box.hubspot.context.token = HUBSPOT_TOKEN
    state = box.salesforce.state
    old = state.credentials
    state.credentials = Credentials(
        old.client_id, CONSUMER_SECRET, old.username, PASSWORD + SECURITY_TOKEN
    )
    box.start()
    state.sessions[SESSION_ID] = Session(SESSION_ID, state.user_id)
    return box


def flow_environment(box: Sandbox, flow: str, pem: str, hook: str) -> dict[str, str]:
    """The ``REENGAGE_*`` variables for one Salesforce login flow against ``box``."""
    base = box.environment()
    creds = box.salesforce.state.credentials
    env = {k: v for k, v in base.items() if "CONSUMER_" not in k}
    env["REENGAGE_HUBSPOT__ACCESS_TOKEN"] = HUBSPOT_TOKEN
    env["REENGAGE_ALERTS__WEBHOOK_URL"] = hook
    sf = "REENGAGE_SALESFORCE__"
    if flow == "client_credentials":
        env |= {sf + "CONSUMER_KEY": creds.client_id, sf + "CONSUMER_SECRET": CONSUMER_SECRET}
    elif flow == "session_id":
        env |= {sf + "SESSION_ID": SESSION_ID}
    elif flow == "jwt_bearer":
        env |= {sf + "CONSUMER_KEY": creds.client_id, sf + "USERNAME": creds.username}
        env |= {sf + "PRIVATE_KEY": pem}
    else:
        env |= {sf + "CONSUMER_KEY": creds.client_id, sf + "CONSUMER_SECRET": CONSUMER_SECRET}
        env |= {sf + "USERNAME": creds.username, sf + "PASSWORD": PASSWORD}
        env |= {sf + "SECURITY_TOKEN": SECURITY_TOKEN}
    return env


def wrong_environment(env: dict[str, str], flow: str) -> dict[str, str]:
    """``env`` with the flow's secret replaced by a wrong one: the login is refused."""
    sf = "REENGAGE_SALESFORCE__"
    key = {
        "client_credentials": "CONSUMER_SECRET",
        "session_id": "SESSION_ID",
        "jwt_bearer": "CONSUMER_KEY",
        "username_password": "PASSWORD",
    }[flow]
    return {**env, sf + key: WRONG_SECRET}


def all_canaries(box: Sandbox, pem: str) -> Canaries:
    creds = box.salesforce.state.credentials
    secrets = {
        "hubspot token": HUBSPOT_TOKEN,
        "session id": SESSION_ID,
        "consumer secret": CONSUMER_SECRET,
        "password": PASSWORD,
        "security token": SECURITY_TOKEN,
        "password+token": PASSWORD + SECURITY_TOKEN,
        "webhook secret": WEBHOOK_SECRET,
        "wrong secret": WRONG_SECRET,
        **pem_canaries(pem),
    }
    pairs = {
        "client id:consumer secret": (creds.client_id, CONSUMER_SECRET),
        "username:password": (creds.username, PASSWORD),
        "username:password+token": (creds.username, PASSWORD + SECURITY_TOKEN),
    }
    return Canaries(secrets, pairs)
