"""What a published analytics file was built from, so a run with nothing new can say so instead of rebuilding.

Every model is a function of the raw tables, the dbt project (models, macros, seeds, vars), leadflow's own
code (the challenger, publish) and the publish settings: results are computed as of the latest data, never of
the clock. A rerun that finds no new landing file therefore rebuilt every model and republished the same file
(L: ~6 minutes for nothing). The publish step records a digest of all of those inputs; the first dbt step
compares it with the current one and, when nothing changed and the published file is still the one that
digest belongs to, skips the models, their tests, the challenger and publish.

The digest covers what leadflow itself changes in raw: the row count of every raw table and the whole load
log (a load, a quarantined batch, a killed run's rows). `leadflow forget` clears the record, and
`--full-refresh` never skips. Editing raw rows by hand is outside this, as it is for incremental models
(docs/incremental.md).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from orchestration.dbt import code_fingerprint, last_build, record_build
from orchestration.settings import ROOT, Settings

# The row of main.leadflow_build that holds the digest of the published build.
PUBLISH_STEP = "analytics_db"


def _code_digest(root: Path = ROOT) -> str:
    """The dbt project's fingerprint plus the Python that computes or publishes data, and the locked stack."""
    digest = hashlib.sha256(code_fingerprint(root).encode())
    for path in [*sorted((root / "orchestration").rglob("*.py")), root / "uv.lock"]:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def input_digest(con: duckdb.DuckDBPyConnection, pii_masked: bool, pii_salt: str) -> str:
    """A digest of everything a published file is a function of (module docstring: what and why)."""
    digest = hashlib.sha256(_code_digest().encode())
    digest.update(f"pii_masked={pii_masked}\0".encode())
    digest.update(hashlib.sha256(pii_salt.encode()).digest())
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = current_database() and schema_name = 'raw' and table_name <> '_file_hashes' "
            "order by 1"
        ).fetchall()
    ]
    for table in tables:
        count = con.execute(f'select count(*) from raw."{table}"').fetchone()[0]
        digest.update(f"{table}={count}\0".encode())
    if "_load_log" in tables:
        for row in con.execute("select * from raw._load_log order by all").fetchall():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def record_published(warehouse_path: Path, run_id: str, pii_masked: bool, pii_salt: str) -> None:
    """Called after a successful publish: the inputs that file was built from."""
    with duckdb.connect(str(warehouse_path)) as con:
        digest = input_digest(con, pii_masked, pii_salt)
    record_build(warehouse_path, PUBLISH_STEP, digest, run_id, full_refresh=False)


def current_publish(settings: Settings) -> str | None:
    """The run id of the published build when nothing it was built from has changed since, else None."""
    if not settings.analytics_path.exists():
        return None
    try:
        recorded = last_build(settings.warehouse_path, PUBLISH_STEP)
        if recorded is None:
            return None
        digest, run_id = recorded
        with duckdb.connect(str(settings.warehouse_path)) as con:
            if digest != input_digest(con, settings.pii_masked, settings.pii_salt):
                return None
        with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
            published = con.execute("select run_id from main.leadflow_publish").fetchone()
    except duckdb.Error:
        return None  # an unreadable or foreign file: rebuild and publish a good one
    return run_id if published and published[0] == run_id else None
