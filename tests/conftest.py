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
    "LEADFLOW_PROGRESS",
)


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """Tests and CI parse the dbt project explicitly (prepare_if_dev only acts under dagster dev)."""
    from orchestration.project import ensure_manifest

    return ensure_manifest()


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
