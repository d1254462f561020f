"""Publish the analyst-facing schemas to their own DuckDB file, atomically.

Analysts must never be blocked by a run nor see half-built data. DuckDB allows one writer or many
readers per file, so the pipeline works in a private file and, only after every gate has passed,
builds a complete new analytics file beside the published one and renames it over it. ``os.replace``
is atomic: a reader sees the old file or the new one, and sessions already open keep their snapshot.
dbt's descriptions are copied as table and column comments so ``describe`` explains every column.

With ``LEADFLOW_PII_MASKED=1`` the columns tagged ``config: {meta: {pii: true}}`` in schema.yml (email,
names, phone, IP address, match evidence) are published as salted SHA-256 hashes: analysts can still
count and join on them, but not read them. The private warehouse keeps the clear values.
"""

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration import faults, progress
from orchestration.dbt import DBT_ASSETS
from orchestration.inputs import record_published
from orchestration.project import dbt_project
from orchestration.resources import Warehouse, connect, quote_ident, sql_literal

ANALYST_SCHEMAS = ("staging", "marts", "reference")


@dataclass
class PublishReport:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    published_at: datetime | None = None


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
) -> PublishReport:
    """Copy ``schemas`` to a new file and rename it over ``target_path``; ``mask`` hashes those columns."""
    target_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = target_path.with_name(f".{target_path.name}.{os.getpid()}.tmp")
    _remove_leftovers(target_path)
    report = PublishReport(path=target_path, published_at=datetime.now(UTC).replace(tzinfo=None))
    schema_list = ", ".join(sql_literal(s) for s in schemas)
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
            for schema in sorted({r[0] for r in relations}):
                con.execute(f"create schema if not exists publish_target.{quote_ident(schema)}")
            for number, (schema, table, comment) in enumerate(relations):
                if number == len(relations) // 2:
                    faults.pause_point("publish-mid-copy")
                qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
                masked = (mask or {}).get((schema, table), [])
                replace = ", ".join(
                    f"sha256({sql_literal(salt)} || cast({quote_ident(c)} as varchar)) as {quote_ident(c)}"
                    for c in masked
                )
                select = f"select * replace ({replace})" if masked else "select *"
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
    )
    progress.say(f"publish  {len(report.tables)} tables published to {report.path}")
    record_published(Path(warehouse.path), context.run_id, warehouse.pii_masked, warehouse.pii_salt)
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(report.path)),
            "tables": len(report.tables),
            "rows": MetadataValue.json(report.tables),
        }
    )
