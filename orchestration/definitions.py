"""The one Dagster code location: ``dagster dev`` shows raw → staging → ... → publish with dbt lineage."""

from __future__ import annotations

from dagster import Definitions

from orchestration.project import ensure_dbt_on_path, prepare_if_dev

ensure_dbt_on_path()
prepare_if_dev()

from orchestration.checks import gx_checks  # noqa: E402  (needs the manifest prepared above)
from orchestration.dbt import DBT_ASSETS, dbt_resource  # noqa: E402
from orchestration.ingest import ingest_assets  # noqa: E402
from orchestration.publish import analytics_db  # noqa: E402
from orchestration.reporting import (  # noqa: E402
    weekly_funnel_report,
    weekly_funnel_report_schedule,
    weekly_report_job,
)
from orchestration.resources import Warehouse  # noqa: E402
from orchestration.schedules import daily_refresh_schedule, refresh_all_job  # noqa: E402
from orchestration.settings import Settings  # noqa: E402


def build_definitions(settings: Settings | None = None) -> Definitions:
    settings = settings or Settings.from_env()
    settings.export()
    return Definitions(
        assets=[*ingest_assets, *DBT_ASSETS, analytics_db, weekly_funnel_report],
        asset_checks=gx_checks,
        jobs=[refresh_all_job, weekly_report_job],
        schedules=[daily_refresh_schedule, weekly_funnel_report_schedule],
        resources={"dbt": dbt_resource(), "warehouse": Warehouse.from_settings(settings)},
    )


defs = build_definitions()
