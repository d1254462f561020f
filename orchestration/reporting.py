"""The weekly leadership report as a Dagster asset, its own job, and a Monday-morning schedule.

The report reads only the published analytics file, so it runs in its own job after (and apart from) the
refresh: a failed refresh leaves the last published data, and the report still builds from it. The
schedule ships stopped, like the daily refresh; LEADFLOW_REPORT_SCHEDULE_ON=1 starts it, and
LEADFLOW_REPORT_CRON / LEADFLOW_REPORT_TIMEZONE move it without a code change.
"""

import os
from datetime import UTC
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    Config,
    DefaultScheduleStatus,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    ScheduleEvaluationContext,
    asset,
    define_asset_job,
    in_process_executor,
    schedule,
)
from pydantic import Field

from orchestration.resources import Warehouse

REPORT_KEY = AssetKey(["weekly_funnel_report"])


class ReportConfig(Config):
    week: str | None = Field(
        default=None, description="ISO week to report on, YYYY-Www; default the latest complete week in the data."
    )


@asset(
    key=REPORT_KEY,
    group_name="reporting",
    deps=[AssetKey(["analytics_db"])],
    description=(
        "Weekly leadership funnel report and RevOps calibration page: self-contained HTML under "
        "reports/YYYY-Www/, plus reports/index.html (docs/report.md)."
    ),
    kinds={"html"},
)
def weekly_funnel_report(
    context: AssetExecutionContext, config: ReportConfig, warehouse: Warehouse
) -> MaterializeResult:
    # imported here: the report's pandas and charting (~1 s) are no part of the refresh runs that load this module
    from orchestration.report import build_report

    result = build_report(Path(warehouse.analytics_path), Path(warehouse.reports_dir), config.week)
    context.log.info(f"weekly report {result.week} written to {result.report}")
    return MaterializeResult(
        metadata={
            "week": result.week,
            "report": MetadataValue.path(str(result.report)),
            "calibration": MetadataValue.path(str(result.calibration)),
            "index": MetadataValue.path(str(result.index)),
            **{key: value for key, value in result.kpis.items() if value is not None},
        }
    )


weekly_report_job = define_asset_job(
    name="weekly_report",
    selection=AssetSelection.assets(REPORT_KEY),
    executor_def=in_process_executor,
    description="Build the weekly funnel report from the published analytics file.",
)


@schedule(
    name="weekly_funnel_report",
    job=weekly_report_job,
    cron_schedule=os.environ.get("LEADFLOW_REPORT_CRON", "0 7 * * 1"),
    execution_timezone=os.environ.get("LEADFLOW_REPORT_TIMEZONE", os.environ.get("LEADFLOW_TIMEZONE", "UTC")),
    default_status=(
        DefaultScheduleStatus.RUNNING
        if os.environ.get("LEADFLOW_REPORT_SCHEDULE_ON") == "1"
        else DefaultScheduleStatus.STOPPED
    ),
    description="Mondays 07:00: the report of the week that just ended (off by default).",
)
def weekly_funnel_report_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """Report on the last ISO week (UTC, as the marts count weeks) that had ended when the schedule fired; the
    week is the run key, so a week is built once.

    The day is taken in UTC, not in the schedule's time zone: Monday 07:00 in Sydney is still Sunday in UTC, when
    the UTC week before the local Monday has not ended (its report would be built, once, from part of a week).
    """
    from orchestration.report import previous_week, week_label

    scheduled = context.scheduled_execution_time
    week = week_label(previous_week(scheduled.astimezone(UTC).date()))
    return RunRequest(run_key=week, run_config={"ops": {"weekly_funnel_report": {"config": {"week": week}}}})
