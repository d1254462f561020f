"""Latest export wins in staging: an activity re-exported in a later file, or twice in one file, is staged once
with its latest version, whether both versions arrive in one run or the old one is already staged. Its own
module so pytest-xdist (--dist loadfile) can run it beside the long gate tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.run import run_pipeline
from orchestration.settings import Settings
from tests.landing import minimal_landing, write_csv


def _staged_activity_types(settings: Settings) -> dict[str, tuple[str, str]]:
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        rows = con.execute("select activity_key, activity_type, source_file from staging.stg_activities").fetchall()
    finally:
        con.close()
    return {key: (activity_type, Path(source_file).name) for key, activity_type, source_file in rows}


def test_staging_keeps_the_latest_export_of_each_activity_in_a_first_build_and_in_a_daily_batch(
    settings: Settings,
) -> None:
    """Activities re-exported in a later file, or twice in one file, show their latest version once, whether
    the versions arrive in the same batch (first build) or the old one is already staged (incremental run)."""
    minimal_landing(settings.landing_dir)
    header = ["activity_id", "lead_id", "source_system", "activity_type", "occurred_at", "direction", "rep_id"]
    write_csv(
        settings.landing_dir / "activities" / "activities_2026-02.csv",
        header,
        [
            ["A3", "L2", "hubspot", "Meeting Held", "2026-01-06T15:00:00Z", "inbound", ""],  # re-export of A3
            ["A4", "L2", "hubspot", "Page View", "2026-01-07T09:00:00Z", "inbound", ""],
            ["A4", "L2", "hubspot", "Pricing Page View", "2026-01-07T09:00:00Z", "inbound", ""],  # later row wins
            ["A4", "L2", "salesforce", "Webinar Registration", "2026-01-07T09:00:00Z", "inbound", ""],  # other key
        ],
    )
    first = run_pipeline(settings)
    assert first.success, first.to_json()
    after_first_build = {
        "hubspot:A1": ("form_submit", "activities_2026-01.csv"),
        "hubspot:A2": ("email_sent", "activities_2026-01.csv"),
        "hubspot:A3": ("meeting_held", "activities_2026-02.csv"),
        "hubspot:A4": ("pricing_page_view", "activities_2026-02.csv"),
        "salesforce:A4": ("webinar_registration", "activities_2026-02.csv"),
    }
    assert _staged_activity_types(settings) == after_first_build

    write_csv(
        settings.landing_dir / "activities" / "activities_2026-03.csv",
        header,
        [
            ["A1", "L1", "hubspot", "Demo Request", "2026-01-05T10:00:00Z", "inbound", ""],  # replaces a staged row
            ["A5", "L1", "hubspot", "Email Opened", "2026-01-08T09:00:00Z", "inbound", ""],
            ["A5", "L1", "hubspot", "Email Clicked", "2026-01-08T09:00:00Z", "inbound", ""],  # later row wins
        ],
    )
    second = run_pipeline(settings)
    assert second.success, second.to_json()
    assert second.full_refresh_steps == []  # the daily path, not a rebuild
    assert _staged_activity_types(settings) == {
        **after_first_build,
        "hubspot:A1": ("demo_request", "activities_2026-03.csv"),
        "hubspot:A5": ("email_click", "activities_2026-03.csv"),
    }
    # The reconciliation tests (keeps_every_raw_record on each staging key) passed in both runs; run the SQL dbt
    # compiled for them on a copy of the warehouse where staging lost a record and gained one raw never had.
    compiled = settings.state_dir / "dbt-target" / "compiled" / "leadflow" / "models" / "staging"
    copy = settings.warehouse_path.with_name("tampered.duckdb")
    shutil.copyfile(settings.warehouse_path, copy)
    with duckdb.connect() as con:
        catalog = settings.warehouse_path.stem  # the database name in dbt's compiled SQL
        con.execute(f"attach '{copy}' as {catalog}")
        con.execute(f"use {catalog}")
        for entity in ("leads", "activities", "deals"):
            sql = (compiled / "_staging__models.yml" / f"stg_{entity}_keeps_every_raw_record.sql").read_text()
            assert con.execute(sql).fetchall() == [], entity
        con.execute("delete from staging.stg_activities where activity_key = 'hubspot:A3'")
        con.execute("insert into staging.stg_activities (activity_key) values ('hubspot:A99')")
        sql = (compiled / "_staging__models.yml" / "stg_activities_keeps_every_raw_record.sql").read_text()
        assert sorted(con.execute(sql).fetchall()) == [
            ("hubspot:A3", "in raw, not staged"),
            ("hubspot:A99", "staged, not in raw"),
        ]
