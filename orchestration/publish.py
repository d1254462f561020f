"""Publish the analyst-facing schemas to their own DuckDB file, atomically.

Analysts must never be blocked by a run nor see half-built data. DuckDB allows one writer or many
readers per file, so the pipeline works in a private file and, only after every gate has passed,
builds a complete new analytics file beside the published one and renames it over it. ``os.replace``
is atomic: a reader sees the old file or the new one, and sessions already open keep their snapshot.
dbt's descriptions are copied as table and column comments so ``describe`` explains every column.

The largest table, ``stg_activities`` (every activity ever exported), is incremental in dbt, and copying it
was half of a daily run's publish (L: 48 s of 89 s). So when a published file exists, the new file starts as a
copy of it: that table only gets the rows loaded since (``APPENDED_TABLES``), after checking that the rest of
the copy is exactly the working table's rest (a hash of every row on both sides), and every other table is
copied afresh. Anything else (a full refresh, ``leadflow forget``, a new salt, a hand edit) fails the check
and the table is copied whole.

With ``LEADFLOW_PII_MASKED=1`` the columns tagged ``config: {meta: {pii: true}}`` in schema.yml (email,
names, phone, IP address, match evidence) are published as salted SHA-256 hashes: analysts can still
count and join on them, but not read them. The private warehouse keeps the clear values.
"""

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration import faults, progress
from orchestration.dbt import DBT_ASSETS, FIRST_STEP, rebuilt_in_run
from orchestration.inputs import record_published
from orchestration.project import dbt_project
from orchestration.resources import Warehouse, connect, quote_ident, sql_literal

ANALYST_SCHEMAS = ("staging", "marts", "reference")

# Published tables kept by key and load time, as the dbt incremental model they copy (docs/incremental.md):
# (schema, table) -> (unique key, load-time column). A later row replaces the row with its key.
APPENDED_TABLES = {("staging", "stg_activities"): ("activity_key", "loaded_at")}


@dataclass
class PublishReport:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    published_at: datetime | None = None
    # tables brought up to date in a copy of the previous file: rows applied (the rest verified unchanged)
    applied: dict[str, int] = field(default_factory=dict)


def _remove_leftovers(target_path: Path) -> None:
    """Delete half-built files of publishes that died (killed, disk full): ``.NAME.PID.tmp`` and its WAL
    whose process is gone. A live publisher's file is left alone (the run lock allows one anyway)."""
    for leftover in target_path.parent.glob(f".{target_path.name}.*.tmp*"):
        pid = leftover.name[len(target_path.name) + 2 :].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
                continue  # still running
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
        leftover.unlink(missing_ok=True)


def pii_columns(manifest_path: Path) -> dict[tuple[str, str], list[str]]:
    """Columns tagged ``meta: {pii: true}`` in the dbt project, by (schema, model)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tagged: dict[tuple[str, str], list[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        columns = [name for name, column in node["columns"].items() if (column.get("meta") or {}).get("pii")]
        if columns:
            tagged[(node["schema"], node.get("alias") or node["name"])] = columns
    return tagged


def publish(
    working_path: Path,
    target_path: Path,
    run_id: str,
    schemas: tuple[str, ...] = ANALYST_SCHEMAS,
    memory_limit: str = "12GB",
    temp_dir: Path | None = None,
    max_temp_size: str = "",
    mask: dict[tuple[str, str], list[str]] | None = None,
    salt: str = "",
    reuse_published: bool = True,
) -> PublishReport:
    """Copy ``schemas`` to a new file and rename it over ``target_path``; ``mask`` hashes those columns.

    ``reuse_published`` starts from a copy of the published file for ``APPENDED_TABLES`` (module docstring);
    without it, or without a published file, every table is copied from the working warehouse."""
    target_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = target_path.with_name(f".{target_path.name}.{os.getpid()}.tmp")
    _remove_leftovers(target_path)
    report = PublishReport(path=target_path, published_at=datetime.now(UTC).replace(tzinfo=None))
    schema_list = ", ".join(sql_literal(s) for s in schemas)
    reuse = reuse_published and target_path.exists() and _readable(target_path)
    if reuse:
        shutil.copyfile(target_path, tmp_path)
    with connect(working_path, memory_limit=memory_limit, temp_dir=temp_dir, max_temp_size=max_temp_size) as con:
        relations = con.execute(
            f"""
            select schema_name, table_name, comment from duckdb_tables()
            where database_name = current_database() and schema_name in ({schema_list})
            union all
            select schema_name, view_name, comment from duckdb_views()
            where database_name = current_database() and schema_name in ({schema_list}) and not internal
            order by 1, 2
            """
        ).fetchall()
        column_comments = con.execute(
            f"""
            select schema_name, table_name, column_name, comment from duckdb_columns()
            where database_name = current_database() and schema_name in ({schema_list})
              and comment is not null and comment <> ''
            """
        ).fetchall()
        con.execute(f"attach {sql_literal(str(tmp_path))} as publish_target")
        try:
            if reuse:
                kept: set[tuple[str, str]] = set()
                for schema, table in sorted(APPENDED_TABLES.keys() & {(r[0], r[1]) for r in relations}):
                    applied = _apply_new_rows(con, schema, table, (mask or {}).get((schema, table), []), salt)
                    if applied is not None:
                        report.applied[f"{schema}.{table}"] = applied
                        kept.add((schema, table))
                _drop_all_but(con, kept)
            for schema in sorted({r[0] for r in relations}):
                con.execute(f"create schema if not exists publish_target.{quote_ident(schema)}")
            for number, (schema, table, comment) in enumerate(relations):
                if number == len(relations) // 2:
                    faults.pause_point("publish-mid-copy")
                qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
                if f"{schema}.{table}" not in report.applied:
                    select = _select((mask or {}).get((schema, table), []), salt)
                    con.execute(f"create table publish_target.{qualified} as {select} from {qualified}")
                if comment:
                    con.execute(f"comment on table publish_target.{qualified} is {sql_literal(comment)}")
                report.tables[f"{schema}.{table}"] = con.execute(
                    f"select count(*) from publish_target.{qualified}"
                ).fetchone()[0]
            for schema, table, column, comment in column_comments:
                con.execute(
                    f"comment on column publish_target.{quote_ident(schema)}.{quote_ident(table)}."
                    f"{quote_ident(column)} is {sql_literal(comment)}"
                )
            con.execute(
                "create table publish_target.main.leadflow_publish as "
                "select ? as run_id, ? as published_at, ? as source_warehouse, ? as pii_masked",
                [run_id, report.published_at, str(working_path), bool(mask)],
            )
            con.execute("checkpoint publish_target")
        finally:
            con.execute("detach publish_target")
    os.replace(tmp_path, target_path)
    return report


def _select(masked: list[str], salt: str) -> str:
    """The select list that publishes a table: ``masked`` columns as salted SHA-256 hashes."""
    replace = ", ".join(
        f"sha256({sql_literal(salt)} || cast({quote_ident(c)} as varchar)) as {quote_ident(c)}" for c in masked
    )
    return f"select * replace ({replace})" if masked else "select *"


def _readable(path: Path) -> bool:
    """A published file DuckDB opens and that leadflow wrote; anything else is rebuilt rather than reused."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("select run_id from main.leadflow_publish").fetchall()
        return True
    except duckdb.Error:
        return False


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()


def _apply_new_rows(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, masked: list[str], salt: str
) -> int | None:
    """Bring the copied table up to date with the rows loaded since it was published; None: copy it whole.

    The working table is the published one with the rows of every later load merged by key (dbt's
    delete+insert). That is checked, not assumed: the published rows whose key was not loaded again must be
    exactly the working rows loaded no later than the published ones, compared as the count and sum of a
    hash of every row (the same published form: masked columns hashed with the same salt)."""
    key_column, loaded_column = APPENDED_TABLES[(schema, table)]
    if key_column in masked:  # the copy's keys are hashes: they cannot be matched to the working rows
        return None
    key, loaded = quote_ident(key_column), quote_ident(loaded_column)
    select = _select(masked, salt)
    qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
    published = f"publish_target.{qualified}"
    current_database = con.execute("select current_database()").fetchone()[0]
    if _columns(con, "publish_target", schema, table) != _columns(con, current_database, schema, table):
        return None
    watermark = con.execute(f"select max({loaded}) from {published}").fetchone()[0]
    if watermark is None:
        return None
    new_keys = f"select {key} from {qualified} where {loaded} > $watermark"
    fingerprint = "select count(*), sum(hash(t)::hugeint) from ({rows}) as t"
    kept = con.execute(
        fingerprint.format(rows=f"select * from {published} where {key} not in ({new_keys})"),
        {"watermark": watermark},
    ).fetchone()
    expected = con.execute(
        fingerprint.format(rows=f"{select} from {qualified} where {loaded} <= $watermark"), {"watermark": watermark}
    ).fetchone()
    if kept != expected:
        return None
    con.execute(f"delete from {published} where {key} in ({new_keys})", {"watermark": watermark})
    inserted = con.execute(
        f"insert into {published} {select} from {qualified} where {loaded} > $watermark", {"watermark": watermark}
    ).fetchone()[0]
    return int(inserted)


def _drop_all_but(con: duckdb.DuckDBPyConnection, keep: set[tuple[str, str]]) -> None:
    """Empty the copied file of every relation but ``keep``, then checkpoint so the new tables reuse the space."""
    views = con.execute(
        "select schema_name, view_name from duckdb_views() where database_name = 'publish_target' and not internal"
    ).fetchall()
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'publish_target'"
    ).fetchall()
    for kind, relations in (("view", views), ("table", tables)):
        for schema, name in relations:
            if (schema, name) not in keep:
                con.execute(f"drop {kind} publish_target.{quote_ident(schema)}.{quote_ident(name)}")
    con.execute("checkpoint publish_target")


@asset(
    key=AssetKey(["analytics_db"]),
    group_name="publish",
    deps=[key for assets in DBT_ASSETS for key in assets.keys],
    description=(
        "The analyst-facing DuckDB file (default data/analytics.duckdb): staging, marts and reference "
        "schemas copied from the working warehouse after every gate passed, swapped in atomically."
    ),
    kinds={"duckdb"},
)
def analytics_db(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    progress.say(f"publish  building {warehouse.analytics_path}")
    report = publish(
        Path(warehouse.path),
        Path(warehouse.analytics_path),
        run_id=context.run_id,
        memory_limit=warehouse.memory_limit,
        temp_dir=Path(warehouse.temp_dir),
        max_temp_size=warehouse.max_temp_size,
        mask=pii_columns(dbt_project.manifest_path) if warehouse.pii_masked else None,
        salt=warehouse.pii_salt,
        # a full refresh (asked for, or after a code change) republishes everything from scratch too
        reuse_published=not rebuilt_in_run(Path(warehouse.path), FIRST_STEP, context.run_id),
    )
    for table, rows in report.applied.items():
        progress.say(
            f"publish  {table}: {rows:,} rows loaded since the last publish applied to a copy of it "
            f"(the other {report.tables[table] - rows:,} verified unchanged)"
        )
    progress.say(f"publish  {len(report.tables)} tables published to {report.path}")
    record_published(Path(warehouse.path), context.run_id, warehouse.pii_masked, warehouse.pii_salt)
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(report.path)),
            "tables": len(report.tables),
            "rows_applied_to_previous_file": MetadataValue.json(report.applied),
            "rows": MetadataValue.json(report.tables),
        }
    )
