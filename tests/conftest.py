"""Shared fixtures: every test gets its own data folder through the LEADFLOW_* environment variables."""

from __future__ import annotations

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


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return settings_for(tmp_path / "data", monkeypatch)
