"""``reengage config check --connect``: can reengage work on each platform, asked before a run.

``config check`` alone only reads the environment and the files. With
``--connect`` each platform in use is asked, read-only, what ``reengage setup
--check-only`` asks (the same reads an applying run makes before it writes):
whether its host answers, whether it takes the credentials, whether every read
is allowed (HubSpot names a missing scope in its 403 MISSING_SCOPES; Salesforce
answers the describes of the objects reengage writes to), and what ``reengage
setup`` would still create. Each platform is asked on its own, so a refused
token on one still lets the other be reported.

Exit codes: 0 all well; 2 a platform refused the credentials or a permission,
or could not be reached or asked (the cause carries the URL and reason, never a
secret); 1 only setup is incomplete (``reengage setup`` is the fix).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from config.rules import Rules
from config.settings import Settings
from config.shown import secret_values
from connectors.base import ConfigurationError, Connector, ConnectorError, Platform, settings_models
from sync.run import build_connectors, close_all, explain_error
from sync.setup_check import describe_gaps, setup_gaps

OK = "ok"
SETUP_INCOMPLETE = "setup incomplete"
REFUSED_CREDENTIALS = "credentials refused"
REFUSED_PERMISSION = "permission refused"
UNREACHABLE = "unreachable"
FAILED = "check failed"
CHECK_WAIT_SECONDS = 20.0
EXIT_2 = frozenset({REFUSED_CREDENTIALS, REFUSED_PERMISSION, UNREACHABLE, FAILED})


@dataclass
class PlatformCheck:
    """One platform's answer to the read-only setup check, for a person and for ``--json``."""

    platform: str
    url: str
    auth: str
    status: str = OK
    reachable: bool | None = None
    authenticated: bool | None = None
    permissions: str = ""
    missing: list[str] = field(default_factory=list)
    error: str = ""

    def line(self) -> str:
        """``platform: status`` and what it rests on, on one line (wrapped by the console)."""
        if self.status in EXIT_2:
            return f"{self.platform}: {self.status}: {self.error}"
        head = (
            f"{self.platform}: {self.status}: {self.url} reachable, authenticated "
            f"({self.auth}), {self.permissions}"
        )
        if self.status == OK:
            return head + ", setup complete"
        return "\n".join([head + "; `reengage setup` would still create:", *self.missing])


def where_and_how(platform: Platform, settings: Settings) -> tuple[str, str]:
    """The URL reengage talks to and the login flow its variables select (no secret)."""
    if platform is Platform.HUBSPOT:
        return settings.hubspot.base_url, "private app token"
    if platform is not Platform.SALESFORCE:  # a plug-in's: its own settings say
        return "", "plug-in"
    mode = settings.salesforce.auth_mode or "not configured"
    return settings.salesforce.instance_url or "", str(mode).replace("_", " ")


def classify(check: PlatformCheck, exc: ConnectorError) -> PlatformCheck:
    """Fills ``check`` from the error that stopped the platform's check.

    No HTTP status means no answer came (the transport's cause names the host and
    reason); 401, or a login refused with 400 (an OAuth token endpoint's
    ``invalid_client``/``invalid_grant``), is the credentials; 403 a scope or
    permission (HubSpot's MISSING_SCOPES message names the scope).
    """
    check.error = explain_error(exc)
    if exc.status is None:
        check.status, check.reachable = UNREACHABLE, False
    elif exc.status == 401 or (exc.status == 400 and isinstance(exc, ConfigurationError)):
        check.status, check.reachable, check.authenticated = REFUSED_CREDENTIALS, True, False
    elif exc.status == 403:
        check.status, check.reachable, check.authenticated = REFUSED_PERMISSION, True, True
        check.permissions = check.error
    else:
        check.status, check.reachable = FAILED, True
    return check


def check_platform(
    platform: Platform, connector: Connector, settings: Settings, rules: Rules
) -> PlatformCheck:
    """Asks one platform the read-only setup check and says what it answered."""
    url, auth = where_and_how(platform, settings)
    check = PlatformCheck(platform.value, url, auth)
    try:
        gaps = setup_gaps({platform: connector}, rules)
    except ConnectorError as exc:
        return classify(check, exc)
    check.reachable = check.authenticated = True
    check.permissions = "every read allowed"
    if gaps:
        check.status = SETUP_INCOMPLETE
        check.missing = describe_gaps(gaps).splitlines()[1:-1]
    return check


def patient_enough(settings: Settings) -> Settings:
    """``settings`` with each platform's retry wait capped at :data:`CHECK_WAIT_SECONDS`.

    A run waits out an unreachable host for minutes (it may come back); a check
    should answer an operator at the terminal, so it reports the host as
    unreachable after a few retries.
    """
    hubspot = settings.hubspot.model_copy(
        update={"max_wait_seconds": min(settings.hubspot.max_wait_seconds, CHECK_WAIT_SECONDS)}
    )
    salesforce = settings.salesforce.model_copy(
        update={"max_wait_seconds": min(settings.salesforce.max_wait_seconds, CHECK_WAIT_SECONDS)}
    )
    return settings.model_copy(update={"hubspot": hubspot, "salesforce": salesforce})


def connect_checks(settings: Settings, rules: Rules) -> list[PlatformCheck]:
    """Every platform in use, checked one after the other; connectors closed afterwards."""
    connectors = build_connectors(patient_enough(settings), rules)
    try:
        return [check_platform(p, c, settings, rules) for p, c in connectors.items()]
    finally:
        close_all(connectors)


def connect_report(settings: Settings, rules: Rules) -> tuple[list[dict[str, Any]], list[str], int]:
    """The per-platform documents, the lines to print and the exit code, secrets masked.

    A platform that cannot even be built (its login refused up front) is reported as
    that platform's failure, not as a stack trace.
    """
    try:
        checks = connect_checks(settings, rules)
    except ConnectorError as exc:
        name = exc.platform or "configuration"
        url, auth = ("", "")
        if exc.platform in {p.value for p in Platform.members()}:
            url, auth = where_and_how(Platform(exc.platform), settings)
        checks = [classify(PlatformCheck(name, url, auth), exc)]
    statuses = {c.status for c in checks}
    code = 2 if statuses & EXIT_2 else (1 if SETUP_INCOMPLETE in statuses else 0)
    lines = [c.line() for c in checks]
    if code == 1:
        lines.append("run `reengage setup` to create what is missing, then check again")
    secrets = [s for s in secret_values(settings, settings_models()) if s]
    return (
        [{k: mask(v, secrets) for k, v in asdict(c).items()} for c in checks],
        [mask(line, secrets) for line in lines],
        code,
    )


def mask(value: Any, secrets: list[str]) -> Any:
    """``value`` with every configured secret replaced (a platform may echo one back)."""
    if isinstance(value, list):
        return [mask(v, secrets) for v in value]
    if not isinstance(value, str):
        return value
    for secret in secrets:
        value = value.replace(secret, "***")
    return value
