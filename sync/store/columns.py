"""Reads the store as Arrow columns through ADBC, never as ORM objects row by row.

The engine works on columns (activity person, kind, time...), and millions of
rows cost seconds when each becomes a Python object. ADBC drivers (SQLite and
PostgreSQL, the latter over libpq's COPY-speed binary protocol) hand result
sets over as Arrow record batches; ``to_numpy`` on an integer column is then a
copy-free view. SQL text is built by SQLAlchemy Core, so the same query serves
both back-ends.

On SQLite the ADBC driver brings its own copy of the library: reads happen
outside any open write transaction of the same process, and the store runs
with a rollback journal (see ``migrate._sqlite_pragmas``). SQLite is the
single-worker store; several workers share a PostgreSQL store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.sql import Select


def _adbc_connect(url: str) -> Any:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        import adbc_driver_sqlite.dbapi as sqlite_dbapi

        return sqlite_dbapi.connect(parsed.database or ":memory:")
    if backend == "postgresql":
        import adbc_driver_postgresql.dbapi as pg_dbapi

        libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return pg_dbapi.connect(libpq)
    raise ValueError(f"no columnar reader for {backend!r}")


def _inline(query: Select[Any], engine: Engine) -> str:
    # Bound values are rendered inline: they come from reengage's own code (ids,
    # instants, codes), never from platform data, and ADBC's parameter styles
    # differ between drivers.
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    sql = str(compiled)
    if compiled.params and any(mark in sql for mark in ("?", "%(")):
        raise ValueError(f"a bound value could not be inlined for the columnar reader: {sql}")
    return sql


def read_arrow(engine: Engine, query: Select[Any]) -> pa.Table:
    """Runs ``query`` on the store behind ``engine`` and returns the result as an Arrow table."""
    sql = _inline(query, engine)
    conn = _adbc_connect(engine.url.render_as_string(hide_password=False))
    try:
        cur = conn.cursor()
        try:
            cur.execute(sql)
            table: pa.Table = cur.fetch_arrow_table()
        finally:
            cur.close()
    finally:
        conn.close()
    return table


def column_dict(table: pa.Table) -> Mapping[str, Any]:
    """Arrow table -> {column name: numpy array}, nulls kept as masked-free fill values.

    Integer columns with nulls become float (NaN) in numpy; the engine's inputs
    avoid nullable integer columns so that this stays a zero-copy view.
    """
    return {name: table.column(name).to_numpy() for name in table.column_names}
