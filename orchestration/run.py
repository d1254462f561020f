"""One pipeline run, in-process, as the CLI and the tests start it.

Runs the ``refresh_all`` job in this process (DuckDB: one writer), under a file lock so two runs never
write at once, then reads back what a person wants to know: rows per layer, checks passed and failed,
rejected rows, quarantined files, and where the analytics file is. The same facts are saved as
``last_run.json`` for ``leadflow status``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration import dbt_prefork, progress
from orchestration.project import manifest_is_stale, parse_project
from orchestration.settings import Settings

LAYERS = ("raw", "staging", "intermediate", "marts")


class RunInProgressError(RuntimeError):
    """Another leadflow run holds the lock; we refuse rather than risk two writers."""


@dataclass
class CheckOutcome:
    asset: str
    check: str
    passed: bool
    severity: str
    description: str | None = None


@dataclass
class RunSummary:
    run_id: str
    started_at: str
    finished_at: str
    success: bool
    published: bool
    analytics_path: str
    warehouse_path: str
    log_path: str = ""
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    loaded_this_run: dict[str, dict[str, int]] = field(default_factory=dict)
    quarantined_this_run: list[dict[str, str]] = field(default_factory=list)
    unknown_activity_types: int = 0
    checks_passed: int = 0
    checks_failed: list[CheckOutcome] = field(default_factory=list)
    checks_warned: list[CheckOutcome] = field(default_factory=list)
    failed_steps: list[dict[str, str]] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    full_refresh_steps: list[str] = field(default_factory=list)
    # scoring model versions whose rules RevOps changed under the same name (orchestration/dbt.py)
    scoring_versions_edited: list[str] = field(default_factory=list)
    # set when nothing changed since the last publish: the run whose published file is still current
    up_to_date_with: str = ""
    step_seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


@contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True)
    lock_path = state_dir / "run.lock"
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise RunInProgressError(
            f"another leadflow run is in progress ({holder}); it holds {lock_path}. "
            "Wait for it to finish: two runs would both write the warehouse."
        ) from exc
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        yield
    finally:
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _instance():
    from dagster import DagsterInstance

    from orchestration.instance import ephemeral_instance

    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else ephemeral_instance()


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    """Wall time of each step, from Dagster's own event log (start to success or failure)."""
    from dagster import DagsterEventType

    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE) and (
            event.step_key in started
        ):
            seconds[event.step_key] = round(entry.timestamp - started[event.step_key], 3)
    return seconds


def _layer_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    rows: dict[str, dict[str, int]] = {}
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database() and not starts_with(table_name, '_') order by 1, 2"
    ).fetchall()
    for schema, table in tables:
        if schema in LAYERS:
            count = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            rows.setdefault(schema, {})[table] = count
    return rows


def _listed_for_run(con: duckdb.DuckDBPyConnection, table: str, query: str, run_id: str) -> list[str]:
    """What one of leadflow's own tables in `main` records for this run, sorted ([] before it exists)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = ?", [table]
    ).fetchone()[0]
    return sorted(value for (value,) in con.execute(query, [run_id]).fetchall()) if exists else []


def _collect_warehouse_facts(summary: RunSummary, warehouse_path: Path) -> None:
    if not warehouse_path.exists():
        return
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        summary.rows = _layer_counts(con)
        has_log = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = '_load_log'"
        ).fetchone()[0]
        if has_log:
            # A file the raw gate quarantined was read, then taken back out of raw: its rows are counted apart
            # so that read = loaded + rejected + quarantined still adds up.
            for entity, files, read, loaded, rejected, quarantined in con.execute(
                """
                select entity, count(*) filter (where status = 'loaded'), sum(rows_read), sum(rows_loaded),
                       sum(rows_rejected), sum(rows_read) filter (where status = 'quarantined')
                from raw._load_log where load_id = ? group by entity order by entity
                """,
                [summary.run_id],
            ).fetchall():
                summary.loaded_this_run[entity] = {
                    "files": files,
                    "rows_read": int(read or 0),
                    "rows_loaded": int(loaded or 0),
                    "rows_rejected": int(rejected or 0),
                    "rows_quarantined": int(quarantined or 0),
                }
            summary.quarantined_this_run = [
                {"file": f, "error": e}
                for f, e in con.execute(
                    "select source_file, error from raw._load_log "
                    "where load_id = ? and status = 'quarantined' order by source_file",
                    [summary.run_id],
                ).fetchall()
            ]
        summary.full_refresh_steps = _listed_for_run(
            con,
            "leadflow_build",
            "select step from main.leadflow_build where run_id = ? and full_refresh",
            summary.run_id,
        )
        summary.scoring_versions_edited = _listed_for_run(
            con,
            "leadflow_scoring_versions",
            "select model_version from main.leadflow_scoring_versions where edited_run_id = ?",
            summary.run_id,
        )
        if "stg_activities" in summary.rows.get("staging", {}):
            summary.unknown_activity_types = con.execute(
                "select count(*) from staging.stg_activities where is_unknown_activity_type"
            ).fetchone()[0]
    finally:
        con.close()


def run_pipeline(settings: Settings | None = None, *, full_refresh: bool = False) -> RunSummary:
    """Materialize every asset in-process; never raises for a failed gate (the summary says so)."""
    settings = settings or Settings.from_env()
    settings.ensure_dirs()
    settings.export()
    started = datetime.now(UTC)
    with run_lock(settings.state_dir):
        # dbt's imports run beside the run's own start-up and ingest, not before the first model
        dbt_prefork.start()
        if manifest_is_stale():  # what ensure_manifest checks, said first: a parse takes seconds
            progress.say("dbt      parsing the project (its files changed since the last parse)")
            parse_project()
        progress.say("run      loading the asset graph (Dagster, dbt manifest)")
        from orchestration.dbt import DBT_ASSETS
        from orchestration.definitions import build_definitions

        defs = build_definitions(settings)
        job = defs.resolve_job_def("refresh_all")
        run_config: dict[str, Any] = {
            "loggers": {"console": {"config": {"log_level": "ERROR"}}},
            "ops": {step.op.name: {"config": {"full_refresh": full_refresh}} for step in DBT_ASSETS},
        }
        log_dir = settings.state_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"run-{started:%Y%m%dT%H%M%S}.log"
        # dagster-dbt echoes dbt's whole log to stdout, and Dagster's console logger writes a failed step's
        # errors and stack traces to stderr (dozens of lines ahead of the summary, which already says what
        # failed): both go to the run's log file; progress still reaches the terminal.
        instance = _instance()
        with (
            log_path.open("w", encoding="utf-8") as log,
            progress.keep_terminal(),
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            result = job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False)

        summary = RunSummary(
            run_id=result.run_id,
            started_at=started.isoformat(timespec="seconds"),
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            success=result.success,
            published=False,
            analytics_path=str(settings.analytics_path),
            warehouse_path=str(settings.warehouse_path),
            log_path=str(log_path),
        )
        for evaluation in result.get_asset_check_evaluations():
            outcome = CheckOutcome(
                asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                description=evaluation.description,
            )
            if evaluation.passed:
                summary.checks_passed += 1
            elif evaluation.severity.value == "WARN":
                summary.checks_warned.append(outcome)
            else:
                summary.checks_failed.append(outcome)
        for event in result.all_events:
            if event.is_step_failure:
                error = event.step_failure_data.error
                # an exception raised in an op arrives wrapped: the cause is what the user needs to read
                while error and error.cause and "DagsterExecutionStepExecutionError" in error.message:
                    error = error.cause
                message = step_error_message(error.message if error else "failed")
                summary.failed_steps.append({"step": event.step_key or "", "error": message[:4000]})
            elif event.is_step_materialization and event.asset_key and event.asset_key.path == ["analytics_db"]:
                summary.published = True
        # Steps downstream of a failure are abandoned with a log line only, so "not run" is what never started.
        started_steps = {e.step_key for e in result.all_events if e.is_step_start}
        summary.skipped_steps = [
            n.name for n in result.job_def.nodes_in_topological_order if n.name not in started_steps
        ]
        summary.success = summary.success and not summary.checks_failed and not summary.failed_steps
        if summary.success and "leadflow_dbt_assets" in started_steps and "analytics_db" not in started_steps:
            # the first dbt step found nothing changed since the last publish (orchestration/inputs.py): the
            # recorded publish is the one still current
            from orchestration.dbt import last_build
            from orchestration.inputs import PUBLISH_STEP

            recorded = last_build(settings.warehouse_path, PUBLISH_STEP)
            if recorded is not None:
                summary.up_to_date_with = recorded[1]
                summary.skipped_steps = []
        summary.step_seconds = _step_seconds(instance, result.run_id)
        _collect_warehouse_facts(summary, settings.warehouse_path)

    runs_dir = settings.state_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    (runs_dir / f"{summary.run_id}.json").write_text(summary.to_json(), encoding="utf-8")
    (settings.state_dir / "last_run.json").write_text(summary.to_json(), encoding="utf-8")
    return summary


def step_error_message(raw: str) -> str:
    """The message a person needs from a failed step: without Python's exception path, and when memory or the
    disk ran out in a step that does not say so itself (quality gate, publish), led by the
    leadflow settings that govern it: DuckDB's own advice names SQL settings a leadflow user never types."""
    from orchestration.ingest import is_resource_message, resource_hint

    # "dagster._core.definitions.events.Failure: ..." -> what follows
    message = re.sub(r"^[\w.]+\.(Failure|ResourceExhausted|\w+Error|\w+Exception): ", "", raw.strip())
    if is_resource_message(message) and "LEADFLOW_" not in message:
        message = resource_hint(message)
    # "1 blocking asset check failed with ERROR severity:\nraw/deals: gx_deals_suite": summaries show the first line
    lines = message.splitlines()
    if len(lines) > 1 and lines[0].rstrip().endswith(":"):
        message = "\n".join([f"{lines[0].rstrip()} {lines[1].strip()}", *lines[2:]])
    return message


def step_error_lines(step: dict[str, str], max_lines: int = 8) -> list[str]:
    """A failed step in the summary and in `leadflow status`: its first line, then a few more (each failed dbt
    test and model has its own line, with the rows that fail)."""
    first, *rest = step["error"].splitlines() or [""]
    lines = [f"    step failed: {step['step']}: {first[:300]}"]
    lines += [f"      {line[:300]}" for line in rest[: max_lines - 1] if line.strip()]
    if len(rest) > max_lines - 1:
        lines.append(f"      ... {len(rest) - max_lines + 1} more line(s) in the log")
    return lines


def format_summary(summary: RunSummary) -> str:
    """The closing summary a person reads in the terminal."""
    lines = [
        "",
        "leadflow run " + ("SUCCEEDED" if summary.success else "FAILED") + f"  (run {summary.run_id})",
    ]
    if summary.loaded_this_run:
        lines.append("  loaded this run:")
        for entity, f in summary.loaded_this_run.items():
            quarantined = f.get("rows_quarantined", 0)
            lines.append(
                f"    {entity:<11} {f['files']:>3} files  {f['rows_read']:>11,} read = "
                f"{f['rows_loaded']:>11,} loaded + {f['rows_rejected']:>7,} rejected"
                + (f" + {quarantined:,} in files the raw gate quarantined" if quarantined else "")
            )
    else:
        lines.append("  loaded this run: no new landing files")
    for layer in LAYERS:
        tables = summary.rows.get(layer)
        if tables:
            total = sum(tables.values())
            detail = ", ".join(f"{t} {n:,}" for t, n in tables.items())
            lines.append(f"  {layer:<12} {total:>12,} rows  ({detail})")
    if summary.full_refresh_steps:
        steps = ", ".join(summary.full_refresh_steps)
        lines.append(f"  incremental models rebuilt from scratch (full refresh): {steps}")
    if summary.scoring_versions_edited:
        lines.append(
            f"  scoring versions edited in place: {', '.join(summary.scoring_versions_edited)}: their score history "
            "and MQL dates were recomputed under the same name (to keep old scores, add a new model_version: "
            "docs/scoring.md)"
        )
    if summary.unknown_activity_types:
        lines.append(
            f"  activities of unknown type kept as 'other': {summary.unknown_activity_types:,} "
            "(add their labels to seeds/activity_type_map.csv)"
        )
    lines.append(
        f"  checks: {summary.checks_passed} passed, {len(summary.checks_failed)} failed, "
        f"{len(summary.checks_warned)} warned"
    )
    for check in summary.checks_failed:
        lines.append(f"    FAILED {check.asset} :: {check.check}")
        if check.description:
            lines += [f"      {ln}" for ln in check.description.splitlines()[:12]]
    for check in summary.checks_warned:
        lines.append(f"    warn   {check.asset} :: {check.check}")
    for step in summary.failed_steps:
        lines += step_error_lines(step)
    if summary.skipped_steps:
        lines.append(f"  skipped because a gate failed: {', '.join(summary.skipped_steps)}")
    for q in summary.quarantined_this_run:
        lines.append(f"  QUARANTINED {q['error']}")
    if summary.published:
        lines.append(f"  published: {summary.analytics_path}  (query it: leadflow sql)")
    elif summary.up_to_date_with:
        lines.append(
            f"  nothing changed since run {summary.up_to_date_with} (same raw data, code and settings): "
            f"{summary.analytics_path} is current; models and publish skipped"
        )
    elif Path(summary.analytics_path).exists():
        lines.append(f"  NOT published: {summary.analytics_path} still holds the previous good data")
    else:
        lines.append(f"  NOT published: nothing has been published at {summary.analytics_path} yet")
    if summary.log_path:
        lines.append(f"  dbt and Dagster log: {summary.log_path}")
    return "\n".join(lines)
