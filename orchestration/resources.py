"""The DuckDB warehouse as a Dagster resource.

DuckDB allows one read-write process per file. Every step of a run executes in one process (the
in-process executor), and each asset opens and closes its own connection, so the dbt subprocess is
never locked out by a connection the Python side still holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from orchestration.settings import Settings


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def connect(
    path: Path, *, memory_limit: str = "12GB", temp_dir: Path | None = None, max_temp_size: str = ""
) -> Iterator:
    """A read-write connection with the settings every writer needs (UTC for offset-less timestamps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # temp_directory goes in at open: DuckDB refuses to SET it again once a query has spilled there
    config = {}
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp_dir)
    if max_temp_size:
        config["max_temp_directory_size"] = max_temp_size
    con = duckdb.connect(str(path), config=config)
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"set memory_limit = {sql_literal(memory_limit)}")
        yield con
    finally:
        con.close()


class Warehouse(ConfigurableResource):
    path: str
    analytics_path: str
    landing_dir: str
    quarantine_dir: str
    temp_dir: str
    reports_dir: str = "reports"
    memory_limit: str = "12GB"
    max_temp_size: str = ""
    gx_max_rows: int = 250_000
    pii_masked: bool = False
    pii_salt: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        return cls(
            path=str(settings.warehouse_path),
            analytics_path=str(settings.analytics_path),
            landing_dir=str(settings.landing_dir),
            quarantine_dir=str(settings.quarantine_dir),
            temp_dir=str(settings.temp_dir),
            reports_dir=str(settings.reports_dir),
            memory_limit=settings.memory_limit,
            max_temp_size=settings.max_temp_size,
            gx_max_rows=settings.gx_max_rows,
            pii_masked=settings.pii_masked,
            pii_salt=settings.pii_salt,
        )

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(
            Path(self.path),
            memory_limit=self.memory_limit,
            temp_dir=Path(self.temp_dir),
            max_temp_size=self.max_temp_size,
        ) as con:
            yield con
