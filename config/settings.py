"""Runtime settings from the environment (``REENGAGE_*``) and ``.env``.

Built once at the entry point and passed in; there is no module-level settings
object. Values given to the constructor beat the environment, so tests build
``Settings(...)`` directly. Nested models use ``__`` in variable names:
``REENGAGE_HUBSPOT__ACCESS_TOKEN``, ``REENGAGE_SALESFORCE__SESSION_ID``...
Secrets are :class:`~pydantic.SecretStr` and never printed: use
:func:`effective_config` to show the configuration.
"""

from __future__ import annotations

import os
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from config.environment import (
    dotenv_names,
    known_variables,
    missing_platforms,
    unknown_variables,
    unreadable_files,
)
from config.rules import DEFAULT_RULES_FILE


class HubSpotTier(StrEnum):
    """Rate-limit tiers of a private app (requests per 10 s, per day)."""

    FREE_STARTER = "free_starter"
    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"
    API_ADDON = "api_addon"


_TIER_LIMITS: dict[HubSpotTier, tuple[int, int]] = {
    HubSpotTier.FREE_STARTER: (100, 250_000),
    HubSpotTier.PROFESSIONAL: (190, 625_000),
    HubSpotTier.ENTERPRISE: (190, 1_000_000),
    HubSpotTier.API_ADDON: (250, 2_000_000),
}


class HubSpotSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_token: SecretStr | None = None
    base_url: str = "https://api.hubapi.com"
    ca_bundle: Path | None = None
    rate_limit_tier: HubSpotTier = HubSpotTier.FREE_STARTER
    # the share of the 10-second window reengage allows itself (other apps share the portal)
    budget_share: Annotated[float, Field(gt=0, le=1)] = 0.8
    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    # how long a streak of 429s is waited out before the run stops cleanly (exit 3, resumes)
    max_wait_seconds: Annotated[float, Field(ge=10)] = 300.0

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local emulator)")
        return value.rstrip("/")

    @property
    def ten_second_limit(self) -> int:
        return _TIER_LIMITS[self.rate_limit_tier][0]

    @property
    def daily_limit(self) -> int:
        return _TIER_LIMITS[self.rate_limit_tier][1]

    @property
    def configured(self) -> bool:
        return self.access_token is not None


# the built-in platforms; a plug-in's platform is any other name (lower-case letters and digits,
# a letter first), served by an installed connector (``reengage connectors``)
PLATFORM_NAMES: tuple[str, ...] = ("hubspot", "salesforce")
PlatformName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{0,15}$")]

SalesforceAuth = Literal["session_id", "jwt_bearer", "client_credentials", "username_password"]


class SalesforceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance_url: str | None = None
    api_version: str = "62.0"
    session_id: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    private_key_file: Path | None = None
    private_key: SecretStr | None = None
    domain: str = "login"
    ca_bundle: Path | None = None
    # stop cleanly when the org's daily API usage passes this share
    daily_budget_share: Annotated[float, Field(gt=0, le=1)] = 0.8
    timeout_seconds: Annotated[float, Field(gt=0)] = 60.0
    # how long a streak of concurrent-request refusals (REQUEST_LIMIT_EXCEEDED) or 429s is
    # waited out before the run stops cleanly (exit 3, the next run resumes)
    max_wait_seconds: Annotated[float, Field(ge=10)] = 300.0

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        major, _, minor = value.removeprefix("v").partition(".")
        if not (major.isdigit() and minor.isdigit()):
            raise ValueError(f"{value!r} is not an API version like 62.0")
        return value.removeprefix("v")

    @field_validator("instance_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must start with https:// (Salesforce is only reached over TLS)")
        return value.rstrip("/") if value else value

    @property
    def auth_mode(self) -> SalesforceAuth | None:
        """Which login flow the given values select, None when Salesforce is not configured."""
        if self.session_id is not None:
            return "session_id"
        if self.consumer_key and (self.private_key_file or self.private_key) and self.username:
            return "jwt_bearer"
        if self.consumer_key and self.consumer_secret and not self.username:
            return "client_credentials"
        if self.username and self.password:
            return "username_password"
        return None

    @model_validator(mode="after")
    def _complete(self) -> SalesforceSettings:
        given = [
            name
            for name in ("session_id", "username", "password", "consumer_key", "consumer_secret")
            if getattr(self, name) is not None
        ]
        if given and self.auth_mode is None:
            raise ValueError(
                "incomplete Salesforce credentials (" + ", ".join(given) + " given): set "
                "SESSION_ID; or CONSUMER_KEY + USERNAME + PRIVATE_KEY_FILE (JWT bearer); or "
                "CONSUMER_KEY + CONSUMER_SECRET (client credentials); or CONSUMER_KEY + "
                "CONSUMER_SECRET + USERNAME + PASSWORD (username-password, which Salesforce is "
                "retiring)"
            )
        if self.auth_mode is not None and self.instance_url is None:
            raise ValueError("INSTANCE_URL is required with Salesforce credentials")
        if self.auth_mode == "username_password" and not (
            self.consumer_key and self.consumer_secret
        ):
            raise ValueError(
                "the username-password flow (OAuth password grant) needs CONSUMER_KEY + "
                "CONSUMER_SECRET + USERNAME + PASSWORD (and SECURITY_TOKEN if the org asks for "
                "one); Salesforce is retiring it (enforced from 20 February 2027): prefer JWT "
                "bearer or client credentials"
            )
        return self

    @property
    def configured(self) -> bool:
        return self.auth_mode is not None


class AlertSettings(BaseModel):
    """Webhooks that hear about reactivations and hand-offs. The URLs are secrets (they carry
    their own credentials) and must be https; loopback http is allowed for local testing."""

    model_config = ConfigDict(extra="forbid")

    slack_webhook_url: SecretStr | None = None
    teams_webhook_url: SecretStr | None = None
    webhook_url: SecretStr | None = None  # generic JSON webhook
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0

    @field_validator("slack_webhook_url", "teams_webhook_url", "webhook_url")
    @classmethod
    def _https(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        parts = urlsplit(value.get_secret_value())
        loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not ((parts.scheme == "https" and parts.hostname) or loopback):
            raise ValueError("must be an https:// URL (http only for 127.0.0.1 / localhost)")
        return value

    @property
    def configured(self) -> bool:
        return any((self.slack_webhook_url, self.teams_webhook_url, self.webhook_url))


class ServeSettings(BaseModel):
    """``reengage serve``: when to run and where to answer health checks and metrics.

    The interval is ``INTERVAL_MINUTES`` (default 60) or, for a reaction loop,
    ``INTERVAL_SECONDS`` (10 at least: below that a cycle would mostly wait on its own
    lock and the platforms' rate limits); setting both is ambiguous, so an error.
    """

    model_config = ConfigDict(extra="forbid")

    interval_minutes: Annotated[int, Field(ge=1, le=10080)] = 60
    interval_seconds: Annotated[int, Field(ge=10, le=604800)] | None = None
    cron: str | None = None  # a cron expression; wins over the interval when set
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 9464
    apply: bool = True  # serve applies its plans (after the first sync, which plans only)

    @model_validator(mode="after")
    def _one_interval(self) -> ServeSettings:
        if self.interval_seconds is not None and "interval_minutes" in self.model_fields_set:
            raise ValueError(
                "REENGAGE_SERVE__INTERVAL_MINUTES and REENGAGE_SERVE__INTERVAL_SECONDS are both "
                "set: set only one"
            )
        return self

    @property
    def interval(self) -> timedelta:
        """The time between runs: ``interval_seconds`` when set, else ``interval_minutes``."""
        if self.interval_seconds is not None:
            return timedelta(seconds=self.interval_seconds)
        return timedelta(minutes=self.interval_minutes)


class Settings(BaseSettings):
    """Everything reengage reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="REENGAGE_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Path("reengage-data")
    # the platforms a run reads and writes: each must be configured (``require_platforms``)
    platforms: Annotated[list[PlatformName], NoDecode] = Field(
        default_factory=lambda: list(PLATFORM_NAMES)
    )
    database_url: str | None = None
    rules_file: Path = DEFAULT_RULES_FILE
    log_format: Literal["text", "json"] = "text"
    # None: WARNING for text (the commands print their own summaries), INFO for json (services)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = None
    hubspot: HubSpotSettings = HubSpotSettings()
    salesforce: SalesforceSettings = SalesforceSettings()
    alerts: AlertSettings = AlertSettings()
    serve: ServeSettings = ServeSettings()
    tenants_file: Path | None = None  # many portal–org pairs: config/tenants.py
    broker_url: str | None = None  # their Celery broker (sync/tenants/app.py)
    # each plug-in's own settings, REENGAGE_PLUGINS__<PLATFORM>__<KEY>: read by its connector
    # through :func:`plugin_settings` (config knows no plug-in's model)
    plugins: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("platforms", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip().lower() for part in value.split(",") if part.strip()]
        if isinstance(value, list) and not value:
            raise ValueError("name at least one of: " + ", ".join(PLATFORM_NAMES))
        return value

    @field_validator("platforms")
    @classmethod
    def _unique(cls, value: list[PlatformName]) -> list[PlatformName]:
        return list(dict.fromkeys(value))

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(
                "not a SQLAlchemy URL (sqlite:///path or postgresql+psycopg://...)"
            ) from exc
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(
                f"unsupported database {url.get_backend_name()!r}: use sqlite or postgresql"
            )
        return value

    @property
    def store_url(self) -> str:
        """The store's URL: the configured one, else a SQLite file in ``data_dir``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'reengage.db'}"


class SettingsError(Exception):
    """The environment does not make a usable configuration; ``problems`` lists each (key, reason).

    Unlike pydantic's own message, this never repeats the input values, which may be secrets.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {key}: {reason}" for key, reason in problems)
        super().__init__(f"invalid configuration:\n{lines}")


def load_settings(**overrides: Any) -> Settings:
    """Builds :class:`Settings` from the environment (and ``overrides``), with secret-free errors.

    Raises:
        SettingsError: a variable is malformed or the credentials are incomplete.
    """
    problems = [
        (name, "not a reengage setting (misspelled? nested settings use a double underscore)")
        for name in unknown_variables(
            [*os.environ, *dotenv_names(Path(".env"))], known_variables(Settings)
        )
    ]
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for err in exc.errors(include_input=False, include_url=False):
            env = "REENGAGE_" + "__".join(str(p).upper() for p in err["loc"])
            problems.append((env, err["msg"].removeprefix("Value error, ")))
        raise SettingsError(problems) from None
    if problems:
        raise SettingsError(problems)
    return settings


M = TypeVar("M", bound=BaseModel)


def plugin_settings(settings: Settings, platform: str, model: type[M]) -> M:
    """A plug-in's settings (``REENGAGE_PLUGINS__<PLATFORM>__<KEY>``) validated by its model.

    Raises:
        SettingsError: naming each variable that is missing or malformed (never its value).
    """
    raw = settings.plugins.get(platform.lower(), {})
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        head = f"REENGAGE_PLUGINS__{platform.upper()}"
        problems = [
            ("__".join([head, *(str(p).upper() for p in err["loc"])]), err["msg"])
            for err in exc.errors(include_input=False, include_url=False)
        ]
        raise SettingsError(problems) from None


def require_files(settings: Settings) -> None:
    """Refuses a configuration naming a CA bundle or key file that cannot be read.

    Raises:
        SettingsError: naming each variable and what is wrong with its file.
    """
    problems = unreadable_files(
        {
            "REENGAGE_HUBSPOT__CA_BUNDLE": settings.hubspot.ca_bundle,
            "REENGAGE_SALESFORCE__CA_BUNDLE": settings.salesforce.ca_bundle,
            "REENGAGE_SALESFORCE__PRIVATE_KEY_FILE": settings.salesforce.private_key_file,
        }
    )
    if problems:
        raise SettingsError(problems)


def require_platforms(settings: Settings) -> None:
    """Refuses a configuration where a platform in ``REENGAGE_PLATFORMS`` is not configured.

    Raises:
        SettingsError: naming the variable to set for each such platform.
    """
    configured = {
        "hubspot": settings.hubspot.configured,
        "salesforce": settings.salesforce.configured,
    }
    problems = missing_platforms(settings.platforms, configured)
    if problems:
        raise SettingsError(problems)
