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
import pyarrow.compute as pc
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.sql import Select, sqltypes


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


def _arrow_type(sql_type: Any) -> pa.DataType | None:
    """The Arrow type a column of this SQLAlchemy type must have (None: leave as read)."""
    if isinstance(sql_type, sqltypes.Boolean):
        return pa.bool_()
    if isinstance(sql_type, sqltypes.Integer):
        return pa.int64()
    if isinstance(sql_type, sqltypes.Float):
        return pa.float64()
    if isinstance(sql_type, sqltypes.String):
        return pa.string()
    return None


def _conform(table: pa.Table, query: Select[Any]) -> pa.Table:
    """Gives each column its declared type. SQLite has none: the ADBC driver infers one from
    the values, so an all-null text column arrives as int64 and booleans as 0 / 1."""
    columns = []
    for field, column in zip(table.schema, query.selected_columns, strict=True):
        want = _arrow_type(column.type)
        data = table.column(field.name)
        columns.append(data if want is None or field.type == want else pc.cast(data, want))
    return pa.table(columns, names=table.column_names)


def read_arrow(engine: Engine, query: Select[Any]) -> pa.Table:
    """Runs ``query`` on the store behind ``engine`` and returns the result as an Arrow table."""
    sql = _inline(query, engine)
    conn = _adbc_connect(engine.url.render_as_string(hide_password=False))
    try:
        cur = conn.cursor()
        try:
            if engine.dialect.name == "sqlite":
                # one batch: the driver infers each column's type from its first batch
                cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(2**30)})
            cur.execute(sql)
            table: pa.Table = cur.fetch_arrow_table()
        finally:
            cur.close()
    finally:
        conn.close()
    return _conform(table, query)


def column_dict(table: pa.Table) -> Mapping[str, Any]:
    """Arrow table -> {column name: numpy array}, nulls kept as masked-free fill values.

    Integer columns with nulls become float (NaN) in numpy; the engine's inputs
    avoid nullable integer columns so that this stays a zero-copy view.
    """
    return {name: table.column(name).to_numpy() for name in table.column_names}
