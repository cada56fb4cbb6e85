"""The tenants file: many portal–org pairs served from one PostgreSQL store and one broker.

``REENGAGE_TENANTS_FILE`` names a TOML file with one table per tenant::

    [tenants.acme]
    paused = false                        # a paused tenant is never run
    rules_file = "rules/acme.toml"        # laid over the shipped defaults (optional)
    schedule = { interval_minutes = 30 }  # or interval_seconds, or cron = "*/15 * * * *"
    alerts.webhook_url = { env = "ACME_WEBHOOK_URL" }

    [tenants.acme.hubspot]
    access_token = { env = "ACME_HUBSPOT_TOKEN" }

    [tenants.acme.salesforce]
    instance_url = "https://acme.my.salesforce.com"
    consumer_key = "3MVG9..."
    username = "integration@acme.example"
    private_key_file = "keys/acme.pem"

A secret never sits in the file: each secret setting (a token, a password, a
webhook URL) is ``{ env = "VARIABLE" }`` or ``{ file = "path" }`` and is read only
when the tenant runs. Relative paths are taken from the tenants file's folder.
Every other key is the platform setting of the same name (``config.settings``).

:func:`load_tenants` validates the whole file like ``load_rules``: every problem at
once, each with its key path (``tenants.acme.hubspot.base_url``), never a value.
:func:`tenant_settings` makes one tenant's :class:`~config.settings.Settings`: its
platforms, its webhook, its rules file and its own schema in the shared store.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from croniter import croniter
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url

from config.rules import RuleProblem, RulesError, load_rules
from config.settings import (
    PLATFORM_NAMES,
    AlertSettings,
    HubSpotSettings,
    PlatformName,
    SalesforceSettings,
    Settings,
)

TENANT_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SCHEMA_PREFIX = "tenant_"
SECTIONS: dict[str, type[BaseModel]] = {
    "hubspot": HubSpotSettings,
    "salesforce": SalesforceSettings,
    "alerts": AlertSettings,
}
# what a secret reference stands for while the rest of its table is checked
_PLACEHOLDER = SecretStr("placeholder-for-validation")
_PLACEHOLDER_URL = SecretStr("https://placeholder.invalid/")
_IN_FILE = 'a secret never sits in the tenants file: give { env = "VARIABLE" } or { file = "path" }'
_BAD_ID = (
    "a tenant id is 1-40 lower-case letters, digits or _, starting with a letter "
    "(it names a PostgreSQL schema)"
)


class Strict(BaseModel):
    """Unknown keys are errors (a misspelt key would silently keep a default)."""

    model_config = ConfigDict(extra="forbid")


class SecretRef(Strict):
    """Where a secret comes from: an environment variable's name or a file's path."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError('give exactly one of env = "VARIABLE" or file = "path"')
        return self


class TenantSchedule(Strict):
    """When the scheduler enqueues the tenant: an interval (minutes or seconds) or a cron."""

    interval_minutes: Annotated[int, Field(ge=1, le=10080)] | None = None
    interval_seconds: Annotated[int, Field(ge=10, le=604800)] | None = None
    cron: str | None = None

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"not a valid cron expression: {value!r}")
        return value

    @model_validator(mode="after")
    def _one(self) -> TenantSchedule:
        given = [n for n in ("interval_minutes", "interval_seconds", "cron") if getattr(self, n)]
        if len(given) > 1:
            raise ValueError(f"set only one of {', '.join(given)}")
        return self

    @property
    def interval(self) -> timedelta | None:
        """The time between runs (None for a cron schedule); 60 minutes when nothing is set."""
        if self.cron is not None:
            return None
        if self.interval_seconds is not None:
            return timedelta(seconds=self.interval_seconds)
        return timedelta(minutes=self.interval_minutes or 60)


class Tenant(Strict):
    """One portal–org pair: where its secrets come from, its rules, schedule and webhook."""

    id: str = ""  # the table's key, filled in by load_tenants
    paused: bool = False
    platforms: list[PlatformName] = Field(default_factory=lambda: list(PLATFORM_NAMES))
    rules_file: Path | None = None
    schedule: TenantSchedule = TenantSchedule()
    apply: bool = True  # scheduled runs apply (after a first `reengage sync --apply`) ...
    first_apply: bool = False  # ... or from their first run: the operator's decision, written
    hubspot: dict[str, Any] = Field(default_factory=dict)
    salesforce: dict[str, Any] = Field(default_factory=dict)
    alerts: dict[str, Any] = Field(default_factory=dict)

    @property
    def schema_name(self) -> str:
        """The tenant's PostgreSQL schema in the shared store."""
        return SCHEMA_PREFIX + self.id


Queue = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,200}$")]
# a task stops cleanly after this long (RabbitMQ's consumer timeout is 30 minutes)
TaskSeconds = Annotated[int, Field(ge=5, le=1700)]


class TenantsFile(Strict):
    queue: Queue = "reengage"  # the broker queue of this deployment's workers and scheduler
    task_seconds: TaskSeconds = 1200
    tenants: dict[str, Tenant] = Field(default_factory=dict)


class Tenants(BaseModel):
    """The validated tenants file: its path, its tenants in file order, the broker queue and
    how long one tenant's task may run before it stops cleanly."""

    source: Path
    tenants: list[Tenant]
    queue: str = "reengage"
    task_seconds: int = 1200

    def get(self, tenant_id: str) -> Tenant:
        """The tenant named ``tenant_id``.

        Raises:
            TenantsError: no such tenant (the message lists the known ids).
        """
        for tenant in self.tenants:
            if tenant.id == tenant_id:
                return tenant
        known = ", ".join(t.id for t in self.tenants) or "none"
        message = f"no tenant {tenant_id!r} (known: {known})"
        raise TenantsError(self.source, [RuleProblem(path="--tenant", message=message)])


class TenantsError(RulesError):
    """The tenants file cannot be used; ``problems`` lists every reason with its key path."""

    def __init__(self, source: Path, problems: list[RuleProblem]) -> None:
        super().__init__(source, problems)
        lines = "\n".join(f"  {p.path}: {p.message}" for p in problems)
        self.args = (f"tenants file {source} is invalid:\n{lines}",)

    def __str__(self) -> str:
        return str(self.args[0])


def _is_secret(model: type[BaseModel], name: str) -> bool:
    return "SecretStr" in str(model.model_fields[name].annotation)


def _problem(path: str, message: str) -> RuleProblem:
    return RuleProblem(path=path, message=message)


def _section_problems(where: str, model: type[BaseModel], raw: dict[str, Any]) -> list[RuleProblem]:
    """A platform or alerts table: secrets only as references, the rest a valid setting."""
    problems: list[RuleProblem] = []
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name in model.model_fields and _is_secret(model, name):
            if not isinstance(value, dict):
                problems.append(_problem(f"{where}.{name}", _IN_FILE))
                continue
            try:
                SecretRef.model_validate(value)
            except ValidationError as exc:
                problems.extend(_from_validation(exc, f"{where}.{name}"))
                continue
            values[name] = _PLACEHOLDER_URL if name.endswith("_url") else _PLACEHOLDER
        else:
            values[name] = value
    try:
        model.model_validate(values)
    except ValidationError as exc:
        problems.extend(_from_validation(exc, where))
    return problems


def _from_validation(exc: ValidationError, prefix: str) -> list[RuleProblem]:
    out = []
    for err in exc.errors(include_input=False, include_url=False):
        path = (
            ".".join([prefix, *(str(p) for p in err["loc"])])
            if prefix
            else ".".join(str(p) for p in err["loc"])
        )
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        out.append(_problem(path or "(top level)", message.removeprefix("Value error, ")))
    return out


def _tenant_problems(tenant: Tenant, folder: Path) -> list[RuleProblem]:
    where = f"tenants.{tenant.id}"
    problems: list[RuleProblem] = []
    if not TENANT_ID.match(tenant.id):
        problems.append(_problem(where, _BAD_ID))
    for name, model in SECTIONS.items():
        problems.extend(_section_problems(f"{where}.{name}", model, getattr(tenant, name)))
    if tenant.rules_file is not None:
        try:
            load_rules(folder / tenant.rules_file)
        except RulesError as exc:
            problems.extend(
                _problem(f"{where}.rules_file", f"{p.path}: {p.message}") for p in exc.problems
            )
    return problems


def load_tenants(path: Path) -> Tenants:
    """Reads and validates a tenants file; relative paths in it become relative to its folder.

    Raises:
        TenantsError: the file is missing, not TOML, or breaks a rule; every problem is listed.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TenantsError(path, [_problem("(file)", "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise TenantsError(path, [_problem("(syntax)", str(exc))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TenantsError(path, [_problem("(file)", str(exc))]) from None
    try:
        parsed = TenantsFile.model_validate(raw)
    except ValidationError as exc:
        raise TenantsError(path, _from_validation(exc, "")) from None
    if not parsed.tenants:
        raise TenantsError(path, [_problem("tenants", "no tenant: add a [tenants.<id>] table")])
    folder = path.parent
    tenants = []
    problems: list[RuleProblem] = []
    for tenant_id, tenant in parsed.tenants.items():
        tenant = tenant.model_copy(update={"id": tenant_id})
        problems.extend(_tenant_problems(tenant, folder))
        if tenant.rules_file is not None:
            tenant = tenant.model_copy(update={"rules_file": folder / tenant.rules_file})
        tenants.append(tenant)
    if problems:
        raise TenantsError(path, problems)
    return Tenants(
        source=path, tenants=tenants, queue=parsed.queue, task_seconds=parsed.task_seconds
    )


def _read_secret(ref: SecretRef, folder: Path, environ: Mapping[str, str]) -> str:
    if ref.env is not None:
        if not environ.get(ref.env):
            raise ValueError(f"environment variable {ref.env} is not set")
        return environ[ref.env]
    assert ref.file is not None
    target = folder / ref.file
    try:
        return target.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {target}: {exc.strerror or exc}") from None


def _resolved_section(
    where: str,
    raw: dict[str, Any],
    model: type[BaseModel],
    folder: Path,
    environ: Mapping[str, str],
) -> tuple[dict[str, Any], list[RuleProblem]]:
    values: dict[str, Any] = {}
    problems: list[RuleProblem] = []
    for name, value in raw.items():
        if _is_secret(model, name):
            try:
                values[name] = _read_secret(SecretRef.model_validate(value), folder, environ)
            except ValueError as exc:
                problems.append(_problem(f"{where}.{name}", str(exc)))
        elif name in ("ca_bundle", "private_key_file") and value is not None:
            values[name] = folder / Path(value)
        else:
            values[name] = value
    return values, problems


def tenant_store_url(base_url: str, tenant: Tenant) -> str:
    """The shared PostgreSQL store's URL with the tenant's schema as its only search path:
    every connection (SQLAlchemy's and the columnar reader's) sees that tenant's tables alone."""
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={tenant.schema_name}"})
    return url.render_as_string(hide_password=False)


def tenant_settings(
    base: Settings, tenants: Tenants, tenant: Tenant, environ: Mapping[str, str] | None = None
) -> Settings:
    """One tenant's settings: the base settings (store, logging, serve) with the tenant's
    platforms, secrets (read now), webhook, rules file and schema.

    Raises:
        TenantsError: a secret's variable is unset or its file unreadable, or the store is
            not PostgreSQL (each named by key path, never by value).
    """
    environ = os.environ if environ is None else environ
    folder = tenants.source.parent
    where = f"tenants.{tenant.id}"
    refuse_sqlite(base, tenants.source)
    assert base.database_url is not None
    update: dict[str, Any] = {}
    problems: list[RuleProblem] = []
    for name, model in SECTIONS.items():
        values, found = _resolved_section(
            f"{where}.{name}", getattr(tenant, name), model, folder, environ
        )
        problems.extend(found)
        update[name] = model.model_validate(values) if not found else None
    if problems:
        raise TenantsError(tenants.source, problems)
    update["platforms"] = list(tenant.platforms)
    update["rules_file"] = tenant.rules_file or base.rules_file
    update["database_url"] = tenant_store_url(base.database_url, tenant)
    update["serve"] = base.serve.model_copy(update={"apply": tenant.apply})
    return base.model_copy(update=update)


def refuse_sqlite(base: Settings, source: Path) -> None:
    """A tenants file needs a PostgreSQL store (a schema per tenant).

    Raises:
        TenantsError: the store is SQLite (REENGAGE_DATABASE_URL unset or sqlite:///).
    """
    url = base.database_url
    if url is None or make_url(url).get_backend_name() != "postgresql":
        raise TenantsError(source, [_problem(
            "REENGAGE_DATABASE_URL",
            "a tenants file needs a PostgreSQL store (one schema per tenant in one database); "
            "SQLite serves a single portal–org pair: set REENGAGE_DATABASE_URL to "
            "postgresql+psycopg://..., or unset REENGAGE_TENANTS_FILE",
        )])  # fmt: skip
