"""dbt models, seeds and tests as Dagster assets and asset checks.

dbt tests become asset checks (error severity blocks, warn does not). ``dbt build`` already skips the
children of a failed test; the step raises when dbt fails, so Python assets downstream (publish) are
skipped too and the last published data stays untouched.
"""

import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetCheckResult, AssetExecutionContext, Config, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration import progress
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


def dbt_target_dir() -> Path:
    return Settings.from_env().state_dir / "dbt-target"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


# The predictive challenger (orchestration/scoring.py) trains between two dbt steps: everything up to
# the features it reads, then everything that reads its predictions (the dbt source `ml`).
AFTER_PREDICTIONS = "source:ml+"


def _run_dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig) -> Iterator[Any]:
    step = context.op_def.name
    progress.say(f"dbt      {step}: build started")
    failed: list[str] = []
    built = 0
    # One target folder per warehouse (not a fresh one per run) keeps dbt's partial parse: ~3 s a run.
    # Runs on one warehouse never overlap (orchestration/run.py holds a lock); other warehouses have their own.
    target = dbt_target_dir()
    for event in dbt.cli(dbt_build_args(config.full_refresh), context=context, target_path=target).stream():
        if isinstance(event, Output):
            built += 1
            progress.say(f"dbt      built {event.output_name}")
        elif isinstance(event, AssetCheckResult) and not event.passed:
            failed.append(f"{event.asset_key.to_user_string() if event.asset_key else ''}:{event.check_name}")
            progress.say(f"dbt      TEST FAILED {event.check_name} ({event.severity.value})")
        yield event
    # both steps share the target folder: keep each step's node timings for the benchmark and for users
    results = target / "run_results.json"
    if results.exists():
        shutil.copyfile(results, target / f"run_results.{step}.json")
    progress.say(f"dbt      {step}: build finished: {built} nodes built, {len(failed)} tests failed")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LeadflowTranslator(),
    exclude=AFTER_PREDICTIONS,
)
def leadflow_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig) -> Iterator[Any]:
    yield from _run_dbt_build(context, dbt, config)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LeadflowTranslator(),
    select=AFTER_PREDICTIONS,
    name="leadflow_dbt_scoring_assets",
)
def leadflow_dbt_scoring_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    yield from _run_dbt_build(context, dbt, config)


DBT_ASSETS = (leadflow_dbt_assets, leadflow_dbt_scoring_assets)
