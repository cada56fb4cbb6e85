"""The Salesforce emulator: an in-memory org served over HTTPS on 127.0.0.1.

The real simple-salesforce runs against it unchanged, given the CA bundle::

    with SalesforceEmulator() as sf_org:
        session = requests.Session(); session.verify = str(sf_org.ca_bundle)
        sf = Salesforce(instance_url=sf_org.url, session_id=sf_org.session_id,
                        version="62.0", session=session)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from sandbox.faults import Faults
from sandbox.killpoints import KillPoints
from sandbox.salesforce.app import build_app
from sandbox.salesforce.derived import apply_derived
from sandbox.salesforce.ids import IdMinter
from sandbox.salesforce.limits import ApiBudget
from sandbox.salesforce.schema import Schema
from sandbox.salesforce.state import Credentials, SalesforceState
from sandbox.seed import SalesforceSeed
from sandbox.server import ServedApp, make_tls
from sandbox.stranger_shape import PLAIN, Shape


class SalesforceEmulator:
    """An emulated Salesforce org; see the module docstring for how a client connects.

    Args:
        api_version: the newest API version served (older ``vXX.X`` down to 20.0 also work).
        daily_limit: the daily API request allocation (``DailyApiRequests`` Max).
        faults: shared fault knobs (latency, 503 share, bursts, dropped connections).
        client_id: the connected app's consumer key (OAuth ``client_id``, JWT ``iss``).
        client_secret: the connected app's consumer secret.
        username: the integration user's username (JWT ``sub``, password grant).
        password: the integration user's password (password grant).
        shape: page sizes, key and row order, minted ids (:data:`PLAIN`: today's).
    """

    def __init__(
        self,
        *,
        api_version: str = "62.0",
        daily_limit: int = 1_000_000,
        faults: Faults | None = None,
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",
        username: str = "integration@sandbox.example",
        password: str = "sandbox-password",
        shape: Shape = PLAIN,
    ) -> None:
        self.api_version = api_version
        self.faults = faults if faults is not None else Faults()
        self.kills = KillPoints("salesforce")
        credentials = Credentials(client_id, client_secret, username, password)
        self.state = SalesforceState(
            schema=Schema(), budget=ApiBudget(max=daily_limit), credentials=credentials
        )
        self.state.shape = shape
        for table in self.state.tables.values():
            prefix = table.definition.key_prefix
            table.minter = IdMinter(prefix, *shape.minted(prefix))
        if shape.active:
            self.state.org_id = IdMinter("00D", *shape.minted("00D")).next()
        self.state.user_id = self._integration_user(username)
        self._server: ServedApp | None = None
        self.url = ""
        self.ca_bundle = Path()
        self.session_id = ""

    def _integration_user(self, username: str) -> str:
        table = self.state.table("User")
        user_id = table.minter.next()
        now = self.state.now()
        record = {"Id": user_id, "FirstName": "Integration", "LastName": "User",
                  "Email": username, "Username": username, "IsActive": True,
                  "CreatedDate": now, "SystemModstamp": now, "LastModifiedDate": now,
                  "IsDeleted": False}  # fmt: skip
        apply_derived("User", record, now)
        table.insert(record)
        return user_id

    # -- knobs --------------------------------------------------------------------------------
    @property
    def session_expires_after(self) -> int | None:
        """Requests a session serves before it answers 401 INVALID_SESSION_ID (None: never)."""
        return self.state.knobs.session_expires_after

    @session_expires_after.setter
    def session_expires_after(self, value: int | None) -> None:
        self.state.knobs.session_expires_after = value

    @property
    def lock_row_rate(self) -> float:
        """Share of records in collection / bulk writes that fail UNABLE_TO_LOCK_ROW."""
        return self.state.knobs.lock_row_rate

    @lock_row_rate.setter
    def lock_row_rate(self, value: float) -> None:
        self.state.knobs.lock_row_rate = value

    @property
    def can_customize(self) -> bool:
        """False: Tooling API custom-field creation answers 403 INSUFFICIENT_ACCESS."""
        return self.state.knobs.can_customize

    @can_customize.setter
    def can_customize(self, value: bool) -> None:
        self.state.knobs.can_customize = value

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        """Replaces the org's clock (UTC-aware datetimes), e.g. to match a dataset's ``now``."""
        self.state.clock = clock

    def new_session(self) -> str:
        """Issues another access token, as the OAuth endpoint would."""
        return self.state.issue_session()

    # -- data ---------------------------------------------------------------------------------
    def load_seed(self, seed: SalesforceSeed) -> None:
        """Loads a generated dataset (records copied; unknown objects are refused).

        Raises:
            KeyError: a seed object the schema does not know.
        """
        with self.state.lock:
            for object_name, records in seed.records.items():
                self.state.table(object_name).load(records)
            self.state.deleted_log.update(seed.deleted)
            self.state.members.invalidate()

    # -- serving ------------------------------------------------------------------------------
    def start(self) -> str:
        """Serves the org over HTTPS on a free loopback port; returns its base URL."""
        if self._server is not None:
            return self.url
        tls = make_tls()
        app = build_app(
            self.state, api_version=self.api_version, faults=self.faults, kills=self.kills
        )
        self._server = ServedApp(app, tls=tls).start()
        self.url = self._server.url
        self.ca_bundle = tls.ca_bundle
        self.session_id = self.state.issue_session()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> SalesforceEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
