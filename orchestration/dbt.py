"""dbt models, seeds and tests as Dagster assets and asset checks.

dbt tests become asset checks (error severity blocks, warn does not). ``dbt build`` already skips the
children of a failed test; the step raises when dbt fails, so Python assets downstream (publish) are
skipped too and the last published data stays untouched.
"""

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetCheckResult, AssetExecutionContext, Config, Failure, Output
from packaging import version

from orchestration import progress
from orchestration.dagster_dbt_loaded import (
    DagsterDbtCliRuntimeError,
    DagsterDbtTranslator,
    DbtCliResource,
    dbt_assets,
)
from orchestration.dbt_cli import seed_partial_parse
from orchestration.ingest import is_resource_message, resource_hint
from orchestration.project import dbt_executable, dbt_project
from orchestration.settings import Settings


class LeadflowTranslator(DagsterDbtTranslator):
    """Groups follow the layer folders, so the asset graph reads raw → staging → ... → publish."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "models"


class DbtBuildConfig(Config):
    full_refresh: bool = False


def dbt_build_args(full_refresh: bool = False, extra_vars: Mapping[str, Any] | None = None) -> list[str]:
    """The dbt command of a run; kept pure so it can be unit-tested."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if extra_vars:
        args += ["--vars", json.dumps(dict(extra_vars), sort_keys=True)]
    return args


# What incremental models were built with: a change to any of these rebuilds them from scratch, so a new
# rule in a seed or a fixed model never leaves rows computed the old way beside rows computed the new way.
FINGERPRINTED = ("models", "macros", "seeds", "dbt_project.yml")


def code_fingerprint(root: Path = dbt_project.project_dir) -> str:
    digest = hashlib.sha256()
    for name in FINGERPRINTED:
        base = root / name
        for path in sorted(base.rglob("*")) if base.is_dir() else [base]:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


BUILD_TABLE = "main.leadflow_build"


def _ensure_build_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"create table if not exists {BUILD_TABLE} (step varchar primary key, fingerprint varchar, "
        "run_id varchar, full_refresh boolean, built_at timestamp)"
    )


def last_build(warehouse_path: Path, step: str) -> tuple[str, str] | None:
    """(fingerprint, run id) of the step's last recorded build (None: never, or unknown)."""
    if not warehouse_path.exists():
        return None
    with duckdb.connect(str(warehouse_path)) as con:
        _ensure_build_table(con)
        row = con.execute(f"select fingerprint, run_id from {BUILD_TABLE} where step = ?", [step]).fetchone()
    return (row[0], row[1]) if row else None


def rebuilt_in_run(warehouse_path: Path, step: str, run_id: str) -> bool:
    """Whether the step rebuilt its incremental models from scratch in this run (never recorded: as if it had)."""
    with duckdb.connect(str(warehouse_path)) as con:
        _ensure_build_table(con)
        row = con.execute(f"select run_id, full_refresh from {BUILD_TABLE} where step = ?", [step]).fetchone()
    return row is None or (row[0] == run_id and bool(row[1]))


def last_fingerprint(warehouse_path: Path, step: str) -> str | None:
    """The fingerprint the step's incremental models were last built with (None: never, or unknown)."""
    build = last_build(warehouse_path, step)
    return build[0] if build else None


def record_build(warehouse_path: Path, step: str, fingerprint: str, run_id: str, full_refresh: bool) -> None:
    with duckdb.connect(str(warehouse_path)) as con:
        _ensure_build_table(con)
        con.execute(f"delete from {BUILD_TABLE} where step = ?", [step])
        con.execute(
            f"insert into {BUILD_TABLE} values (?, ?, ?, ?, now()::timestamp)",
            [step, fingerprint, run_id, full_refresh],
        )


SCORING_VERSIONS_TABLE = "main.leadflow_scoring_versions"


def record_scoring_versions(warehouse_path: Path, run_id: str) -> list[str]:
    """The scoring model versions whose rules changed under the same name since the last build (RevOps edited a
    published version in place); records every version's rules as built now.

    Scoring changes are meant to be versioned: a new `model_version` keeps the old scores as they were, while an
    edit in place recomputes the version's whole history and MQL dates under the same label. Both are allowed;
    the second is said in the run summary so nobody mistakes it for the first. What counts is what scores:
    the rules, bands and model settings of `scoring_rules`, `score_bands` and `scoring_models`, not descriptions
    and not which version is active.
    """
    with duckdb.connect(str(warehouse_path)) as con:
        seeded = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'reference' "
            "and table_name in ('scoring_models', 'scoring_rules', 'score_bands')"
        ).fetchone()[0]
        if seeded < 3:  # a hand-picked build (Dagster UI) that never loaded the scoring seeds
            return []
        current = dict(
            con.execute(
                """
                with models as (
                    select model_version, cast((model_type, combine, mql_threshold, min_fit_for_mql, fit_weight,
                        intent_weight, engagement_weight, fit_cap, intent_cap, engagement_cap) as varchar) as setting
                    from reference.scoring_models
                ),
                rules as (
                    select model_version, cast(list((rule_id, track, activity_type, attribute, operator, value,
                        points, lookback_days, half_life_days) order by all) as varchar) as setting
                    from reference.scoring_rules group by model_version
                ),
                bands as (
                    select model_version, cast(list((band, min_score, max_score) order by all) as varchar) as setting
                    from reference.score_bands group by model_version
                )
                select models.model_version,
                       md5(models.setting || '#' || coalesce(rules.setting, '') || '#' || coalesce(bands.setting, ''))
                from models
                left join rules on models.model_version = rules.model_version
                left join bands on models.model_version = bands.model_version
                """
            ).fetchall()
        )
        con.execute(
            f"create table if not exists {SCORING_VERSIONS_TABLE} (model_version varchar primary key, "
            "fingerprint varchar, first_run_id varchar, edited_run_id varchar, recorded_at timestamp)"
        )
        known = dict(con.execute(f"select model_version, fingerprint from {SCORING_VERSIONS_TABLE}").fetchall())
        edited = sorted(v for v, f in current.items() if v in known and known[v] != f)
        con.execute("begin transaction")
        for version, fingerprint in current.items():
            if version not in known:
                con.execute(
                    f"insert into {SCORING_VERSIONS_TABLE} values (?, ?, ?, null, now()::timestamp)",
                    [version, fingerprint, run_id],
                )
            elif version in edited:
                con.execute(
                    f"update {SCORING_VERSIONS_TABLE} set fingerprint = ?, edited_run_id = ?, "
                    "recorded_at = now()::timestamp where model_version = ?",
                    [fingerprint, run_id, version],
                )
        con.execute("commit")
    return edited


def dbt_target_dir() -> Path:
    return Settings.from_env().state_dir / "dbt-target"


class LeadflowDbtCli(DbtCliResource):
    """dagster-dbt's resource without two start-up costs of every dbt step that leadflow never uses: a
    `dbt --version` subprocess (~1.7 s on 2 cores) and an in-process dbt adapter (~2.2 s a step) that only
    ``fetch_row_counts``/``fetch_column_metadata`` need. Our dbt is the venv's own, so the installed dbt-core is
    its version. tests/test_definitions.py fails if an upgrade of dagster-dbt renames what this overrides."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    return LeadflowDbtCli(project_dir=dbt_project, dbt_executable=dbt_executable())


# One dbt step builds every model, the predictive challenger's Python models included.
FIRST_STEP = "leadflow_dbt_assets"


class _NoAbsentCheckWarnings(logging.Filter):
    """When the first step finds nothing changed since the last publish it yields nothing, and Dagster then warns
    once per blocking dbt test and downstream step (hundreds of lines on stderr) that the check "emitted no
    result". Skipping them is the point, and the run's summary says so. A build that does run emits every
    check, so the filter hides nothing else: when dbt stops early the step fails and the summary names why."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "emitted no result" not in record.getMessage()


logging.getLogger("dagster._core.execution.plan.active").addFilter(_NoAbsentCheckWarnings())


def _run_dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig) -> Iterator[Any]:
    step = context.op_def.name
    # A hand-picked subset (in the Dagster UI) is built as asked; a whole refresh may find nothing to do.
    if step == FIRST_STEP and not config.full_refresh and not context.is_subset:
        from orchestration.inputs import current_publish

        if (run_id := current_publish(Settings.from_env())) is not None:
            # No output: Dagster skips every step downstream (publish, the report).
            message = (
                f"nothing changed since the published build of run {run_id} (same raw data, code and "
                "settings): models, their tests and publish skipped"
            )
            progress.say(f"dbt      {message}")
            context.log.info(message)
            return
    progress.say(f"dbt      {step}: build started")
    failed: list[str] = []
    built = 0
    # One target folder per warehouse (not a fresh one per run) keeps dbt's partial parse: ~3 s a run.
    # Runs on one warehouse never overlap (orchestration/run.py holds a lock); other warehouses have their own.
    target = dbt_target_dir()
    results = target / "run_results.json"
    warehouse_path = Settings.from_env().warehouse_path
    fingerprint = code_fingerprint()
    full_refresh = config.full_refresh
    previous = None if full_refresh else last_fingerprint(warehouse_path, step)
    if not full_refresh and previous != fingerprint:
        full_refresh = True
        why = "no record of a previous build" if previous is None else "models, macros or seeds changed"
        progress.say(f"dbt      {step}: {why}: full refresh of incremental models")
    elif full_refresh:
        progress.say(f"dbt      {step}: full refresh requested")
    # a new data folder starts from the project's parse instead of dbt's full parse (orchestration/dbt_cli.py)
    seed_partial_parse(dbt_project.manifest_path.parent, target)
    started = time.time()
    try:
        for event in dbt.cli(dbt_build_args(full_refresh), context=context, target_path=target).stream():
            if isinstance(event, Output):
                built += 1
                progress.say(f"dbt      built {event.output_name}")
            elif isinstance(event, AssetCheckResult) and not event.passed:
                failed.append(f"{event.asset_key.to_user_string() if event.asset_key else ''}:{event.check_name}")
                progress.say(f"dbt      TEST FAILED {event.check_name} ({event.severity.value})")
            yield event
    except DagsterDbtCliRuntimeError as exc:
        fresh = results.exists() and results.stat().st_mtime >= started
        errors = node_errors(results) + failed_test_rows(results, warehouse_path) if fresh else []
        if not errors:
            raise
        # dagster-dbt only says "exit code 1, see the logs": name the model and DuckDB's own words instead
        progress.say(f"dbt      FAILED {errors[0]}")
        raise Failure(description="\n".join(errors)) from exc
    finally:
        # the next dbt command (docs, a test) overwrites run_results.json: keep the build's node timings
        if results.exists():
            shutil.copyfile(results, target / f"run_results.{step}.json")
    # dbt ended without error (a failed error-severity test raises above): every model was built with this code
    record_build(warehouse_path, step, fingerprint, context.run_id, full_refresh)
    if edited := record_scoring_versions(warehouse_path, context.run_id):
        message = f"scoring versions edited in place: {', '.join(edited)} (scores recomputed under the same name)"
        progress.say(f"dbt      {message}")
        context.log.warning(message)
    progress.say(f"dbt      {step}: build finished: {built} nodes built, {len(failed)} tests failed")


def node_errors(run_results: Path) -> list[str]:
    """One line per model, seed or test that errored (not a failed test: those are asset checks), with a hint
    when the cause is the machine's, not the data's: a full temp folder or disk."""
    if not run_results.exists():
        return []
    lines = []
    for node in json.loads(run_results.read_text())["results"]:
        if node.get("status") != "error":
            continue
        message = " ".join((node.get("message") or "").split())
        if is_resource_message(message):
            message = resource_hint(message)
        lines.append(f"{node['unique_id'].split('.')[-1]} failed: {message[:1500]}")
    return lines


def failed_test_rows(run_results: Path, warehouse_path: Path, limit: int = 3) -> list[str]:
    """For each failed dbt test, a line with how many rows fail it, then a line per row for the first few.

    A test's name (`unique_reps_rep_id`, `assert_seed_rules_are_consistent`) says what rule broke, not where:
    the failing rows do (the duplicated rep id; the seed file, row, column and value of a typo). They are read
    again with the test's own compiled SQL once dbt has exited; a test whose SQL cannot be re-run is listed by
    name and count alone.
    """
    if not run_results.exists():
        return []
    failed = [r for r in json.loads(run_results.read_text())["results"] if r.get("status") == "fail"]
    if not failed:
        return []
    lines = []
    con = None
    with contextlib.suppress(duckdb.Error):  # then the tests are listed without rows
        con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        for result in failed:
            name = result["unique_id"].split(".")[2]
            count = result.get("failures") or 0
            header = f"test {name} failed on {count:,} row{'' if count == 1 else 's'}"
            samples: list[str] = []
            code = (result.get("compiled_code") or "").strip().rstrip(";")
            if con is not None and code:
                with contextlib.suppress(duckdb.Error):
                    cursor = con.execute(f"select * from (\n{code}\n) as failing limit {limit}")
                    columns = [d[0] for d in cursor.description]
                    samples = [
                        "  " + ", ".join(f"{c}={_sample_value(v)}" for c, v in zip(columns, row, strict=True))
                        for row in cursor.fetchall()
                    ]
            lines += [header + (", e.g.:" if samples else ""), *samples]
    finally:
        if con is not None:
            con.close()
    return lines


def _sample_value(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 120 else text[:117] + "..."


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=LeadflowTranslator())
def leadflow_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig) -> Iterator[Any]:
    yield from _run_dbt_build(context, dbt, config)


DBT_ASSETS = (leadflow_dbt_assets,)
