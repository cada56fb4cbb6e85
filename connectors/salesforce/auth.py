"""Getting an access token: session id, JWT bearer, client credentials or username-password.

Every flow but the session id posts a form to ``{instance_url}/services/oauth2/token``
(the My Domain host: client credentials refuses login.salesforce.com), because
simple-salesforce's own login helpers only build ``https://{domain}.salesforce.com``
URLs. The token then goes to simple-salesforce in session-id mode. A session id given
in the settings cannot be renewed, so :attr:`Authenticator.can_refresh` is False for it.

Secrets are read from :class:`~pydantic.SecretStr` only to build the request; no
log line and no error message ever holds one (errors carry only what Salesforce said).
The username-password flow (OAuth password grant: consumer key and secret, username,
password and the security token if the org asks for one) is being retired by
Salesforce (KB 005461976: enforced from 20 February 2027); it still works here,
with a warning in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests

from config.settings import SalesforceSettings
from connectors.errors import AuthError, ConfigurationError, RetriableError, http_context
from connectors.transport import endpoint, transport_error

log = logging.getLogger("reengage.salesforce.auth")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_SECONDS = 180
FIX_TLS = "check REENGAGE_SALESFORCE__INSTANCE_URL and REENGAGE_SALESFORCE__CA_BUNDLE"


@dataclass(frozen=True, slots=True)
class Token:
    """An access token and the instance it is good for (never printed)."""

    access_token: str = field(repr=False)
    instance_url: str


def jwt_audience(domain: str) -> str:
    """``https://test.salesforce.com`` for sandboxes, else ``https://login.salesforce.com``."""
    return "https://test.salesforce.com" if domain == "test" else "https://login.salesforce.com"


class Authenticator:
    """Logs in with whichever flow the settings select (``SalesforceSettings.auth_mode``)."""

    def __init__(
        self,
        settings: SalesforceSettings,
        http: requests.Session,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if settings.auth_mode is None or settings.instance_url is None:
            raise ConfigurationError("Salesforce is not configured", platform="salesforce")
        self._settings = settings
        self._http = http
        self._clock = clock
        self.mode = settings.auth_mode
        self.instance_url = settings.instance_url

    @property
    def can_refresh(self) -> bool:
        """False for a given session id: nothing can mint a new one."""
        return self.mode != "session_id"

    def login(self) -> Token:
        """A fresh token.

        Raises:
            AuthError: Salesforce refused the credentials.
            ConfigurationError: the chosen flow lacks a value it needs.
            RetriableError: the token endpoint could not be reached.
        """
        s = self._settings
        if self.mode == "session_id":
            assert s.session_id is not None
            return Token(s.session_id.get_secret_value(), self.instance_url)
        if self.mode == "jwt_bearer":
            form = {"grant_type": JWT_GRANT, "assertion": self._assertion()}
        elif self.mode == "client_credentials":
            form = {"grant_type": "client_credentials", **self._client()}
        else:
            form = self._password_form()
        return self._post(form)

    def _client(self) -> dict[str, str]:
        s = self._settings
        if not s.consumer_key or s.consumer_secret is None:
            raise ConfigurationError(
                "this Salesforce login flow needs CONSUMER_KEY and CONSUMER_SECRET",
                platform="salesforce",
            )
        return {"client_id": s.consumer_key, "client_secret": s.consumer_secret.get_secret_value()}

    def _password_form(self) -> dict[str, str]:
        s = self._settings
        log.warning(
            "the Salesforce username-password flow is being retired by Salesforce (enforced "
            "from 20 February 2027, KB 005461976): prefer JWT bearer or client credentials"
        )
        assert s.password is not None and s.username is not None
        secret = s.password.get_secret_value()
        if s.security_token is not None:
            secret += s.security_token.get_secret_value()
        return {
            "grant_type": "password",
            **self._client(),
            "username": s.username,
            "password": secret,
        }

    def _private_key(self) -> str:
        s = self._settings
        if s.private_key is not None:
            return s.private_key.get_secret_value()
        assert s.private_key_file is not None
        try:
            return s.private_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the Salesforce private key file: {exc.strerror}",
                platform="salesforce",
            ) from None

    def _assertion(self) -> str:
        s = self._settings
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": s.consumer_key,
            "sub": s.username,
            "aud": jwt_audience(s.domain),
            "exp": now + JWT_LIFETIME_SECONDS,
        }
        try:
            return jwt.encode(claims, self._private_key(), algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError):
            raise ConfigurationError(
                "the Salesforce private key is not a usable RSA key (PEM)", platform="salesforce"
            ) from None

    def _post(self, form: dict[str, str]) -> Token:
        url = f"{self.instance_url}/services/oauth2/token"
        try:
            answer = self._http.post(url, data=form, timeout=self._settings.timeout_seconds)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise transport_error(
                exc,
                platform="salesforce",
                target="the Salesforce token endpoint",
                url=url,
                timeout=self._settings.timeout_seconds,
                fix=FIX_TLS,
            ) from None
        where = http_context(answer.status_code, None, endpoint(url))
        if answer.status_code >= 500:
            raise RetriableError(
                f"the Salesforce token endpoint failed {where}",
                platform="salesforce",
                status=answer.status_code,
            )
        body = _json(answer)
        if answer.status_code != 200 or "access_token" not in body:
            code = str(body.get("error", "unknown_error"))
            said = str(body.get("error_description", ""))
            raise AuthError(
                f"Salesforce refused the {self.mode} login ({code}: {said}) {where}",
                platform="salesforce",
                status=answer.status_code,
                code=code,
            )
        log.info("logged in to Salesforce (%s)", self.mode)
        return Token(str(body["access_token"]), str(body.get("instance_url") or self.instance_url))


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
