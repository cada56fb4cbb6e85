"""OAuth 2.0 token endpoint (JWT bearer, client credentials, password) and session checks.

simple-salesforce's own login helpers only build ``https://{domain}.salesforce.com``
URLs, so the connector fetches tokens itself from ``{instance_url}/services/oauth2/token``
and hands the access token to simple-salesforce as a session id; this module serves
that endpoint and decides, per API request, whether a bearer token is (still) valid.
The JWT's signature is not verified (no certificate is uploaded to an emulated app);
its shape and its ``iss`` / ``sub`` / ``exp`` claims are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.state import SalesforceState, Session

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class OAuthError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def check_session(state: SalesforceState, authorization: str | None) -> Session:
    """The session of a ``Bearer`` / ``OAuth`` header, counting this request against it.

    Raises:
        ApiError: 401 INVALID_SESSION_ID for a missing, unknown or expired token.
    """
    token = ""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        token = value.strip() if scheme.lower() in ("bearer", "oauth") else ""
    session = state.sessions.get(token)
    limit = state.knobs.session_expires_after
    if session is not None and limit is not None and session.requests >= limit:
        session.expired = True
    if session is None or session.expired:
        raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
    session.requests += 1
    return session


async def token_endpoint(state: SalesforceState, request: Request) -> JSONResponse:
    """``POST /services/oauth2/token``: a form in, a token (or an OAuth error) out."""
    # parsed by hand: Starlette's form parser needs python-multipart, not a project dependency
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    try:
        _authenticate(state, form, request.headers.get("authorization"))
    except OAuthError as exc:
        refusal = {"error": exc.error, "error_description": exc.description}
        return JSONResponse(refusal, status_code=400)
    base = str(request.base_url).rstrip("/")
    token = state.issue_session()
    issued_at = str(int(time.time() * 1000))
    identity = f"{base}/id/{state.org_id}/{state.user_id}"
    digest = hmac.new(
        state.credentials.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
    ).digest()
    body: dict[str, Any] = {
        "access_token": token,
        "instance_url": base,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": base64.b64encode(digest).decode(),
        "scope": "api",
    }
    return JSONResponse(body)


def _authenticate(state: SalesforceState, form: dict[str, str], basic: str | None) -> None:
    grant = form.get("grant_type", "")
    creds = state.credentials
    if grant == JWT_GRANT:
        _check_jwt(form.get("assertion", ""), creds.client_id, creds.username)
    elif grant == "client_credentials":
        client_id, secret = _client(form, basic)
        if (client_id, secret) != (creds.client_id, creds.client_secret):
            raise OAuthError("invalid_client", "invalid client credentials")
    elif grant == "password":
        client_id, secret = _client(form, basic)
        if (client_id, secret) != (creds.client_id, creds.client_secret):
            raise OAuthError("invalid_client", "invalid client credentials")
        if (form.get("username"), form.get("password")) != (creds.username, creds.password):
            raise OAuthError("invalid_grant", "authentication failure")
    else:
        raise OAuthError("unsupported_grant_type", "grant type not supported")


def _client(form: dict[str, str], basic: str | None) -> tuple[str, str]:
    """Client id and secret from the form, or else from an HTTP Basic header."""
    if form.get("client_id"):
        return form["client_id"], form.get("client_secret", "")
    if basic and basic.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(basic[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return "", ""


def _check_jwt(assertion: str, client_id: str, username: str) -> None:
    parts = assertion.split(".")
    if len(parts) != 3:
        raise OAuthError("invalid_grant", "invalid assertion")
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
    except (ValueError, binascii.Error) as exc:
        raise OAuthError("invalid_grant", "invalid assertion") from exc
    if not isinstance(header, dict) or "alg" not in header or not isinstance(claims, dict):
        raise OAuthError("invalid_grant", "invalid assertion")
    if claims.get("iss") != client_id:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if claims.get("sub") != username:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    expiry = claims.get("exp")
    if not isinstance(expiry, int | float) or expiry < time.time():
        raise OAuthError("invalid_grant", "expired authorization code")


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
