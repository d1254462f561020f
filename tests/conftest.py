"""Shared fixtures: every test gets its own data folder through the LEADFLOW_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.settings import Settings

ENV_VARS = (
    "LEADFLOW_DATA_DIR",
    "LEADFLOW_LANDING_DIR",
    "LEADFLOW_WAREHOUSE_PATH",
    "LEADFLOW_ANALYTICS_PATH",
    "LEADFLOW_QUARANTINE_DIR",
    "LEADFLOW_STATE_DIR",
    "LEADFLOW_TEMP_DIR",
    "LEADFLOW_REPORTS_DIR",
    "LEADFLOW_MAX_TEMP_SIZE",
    "LEADFLOW_PII_MASKED",
    "LEADFLOW_PII_SALT",
    "LEADFLOW_PROGRESS",
)


def pytest_configure(config: pytest.Config) -> None:
    """Parse the dbt project before collection: modules that define the dbt assets read the manifest on
    import (prepare_if_dev only acts under dagster dev). Only the main process parses, so xdist
    workers never race on target/."""
    if not hasattr(config, "workerinput"):
        from orchestration.project import ensure_manifest

        ensure_manifest()


# Modules by the time they take, longest first (worker seconds on 2 cores, 2026-11-27: pipeline_gates ~400,
# e2e ~270, faults and generated_m ~225, then ~100-130 each, then 75 down to 20; the rest a few seconds).
# `make test` runs `pytest -n 2 --dist loadfile --no-loadscope-reorder`: whole modules go to whichever worker
# is free, in this order, so the two workers finish together instead of one idling for a minute while the
# other ends a long module it was handed last (xdist's own order, by number of tests, hands out quick ones first).
LONGEST_MODULES_FIRST = (
    "test_pipeline_gates.py",
    "test_e2e.py",
    "test_faults.py",
    "test_generated_m.py",
    "test_report.py",
    "test_scoring.py",
    "test_identity.py",
    "test_funnel.py",
    "test_privacy.py",
    "test_staging_versions.py",
    "test_staging_types.py",
    "test_business_time.py",
    "test_operations.py",
    "test_attribution.py",
    "test_quality.py",
    "test_definitions.py",
    "test_ingest.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(LONGEST_MODULES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep pytest's order


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    from orchestration.project import dbt_project

    return dbt_project.manifest_path


def settings_for(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEADFLOW_DATA_DIR", str(data_dir))
    monkeypatch.setenv("LEADFLOW_MEMORY_LIMIT", "4GB")
    settings = Settings.from_env()
    settings.ensure_dirs()
    return settings


def scratch_dbt_env(folder: Path) -> dict[str, str]:
    """The environment for a dbt command on a scratch warehouse in ``folder``, whose target folder
    (``folder / "target"``) starts from the project's parse, as a run's does. The file is named like every
    warehouse: dbt derives the database name from it, and the project's parse was made for "warehouse" (another
    name means a full parse, ~18 s)."""
    from orchestration.dbt_cli import seed_partial_parse
    from orchestration.project import dbt_project

    seed_partial_parse(dbt_project.manifest_path.parent, folder / "target")
    return {**os.environ, "LEADFLOW_WAREHOUSE_PATH": str(folder / "warehouse.duckdb"), "LEADFLOW_TEMP_DIR": str(folder)}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return settings_for(tmp_path / "data", monkeypatch)
