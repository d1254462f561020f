"""The refresh job and its daily schedule.

The schedule ships stopped: a team turns it on in the Dagster UI (or with LEADFLOW_SCHEDULE_ON=1)
once the landing folder is fed daily. Time and time zone come from the environment so operations can
move them without a code change.
"""

from __future__ import annotations

import os

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
)

# One process runs every step: DuckDB allows a single writer per file. The weekly report has its own job
# and schedule (orchestration/reporting.py).
refresh_all_job = define_asset_job(
    name="refresh_all",
    selection=AssetSelection.all() - AssetSelection.assets(AssetKey(["weekly_funnel_report"])),
    executor_def=in_process_executor,
    description="Ingest new landing files, build and test every dbt model, then publish the analytics file.",
)

daily_refresh_schedule = ScheduleDefinition(
    name="daily_refresh",
    job=refresh_all_job,
    cron_schedule=os.environ.get("LEADFLOW_DAILY_CRON", "0 6 * * *"),
    execution_timezone=os.environ.get("LEADFLOW_TIMEZONE", "UTC"),
    default_status=(
        DefaultScheduleStatus.RUNNING
        if os.environ.get("LEADFLOW_SCHEDULE_ON") == "1"
        else DefaultScheduleStatus.STOPPED
    ),
    description="Daily refresh: new landing files, incremental where it pays (off by default).",
)
