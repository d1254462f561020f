"""The Dagster code location as a snapshot: an accidental change to assets, checks, jobs or schedules
shows up here. Also the pure dbt-argument builder and the landing contract's single definition."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestration.contract import CONTRACTS, LINEAGE_COLUMNS
from orchestration.dagster_dbt_loaded import DbtCliResource
from orchestration.dbt import dbt_build_args, dbt_resource
from orchestration.project import dbt_executable
from orchestration.settings import ROOT

ASSET_KEYS = [
    "analytics_db",
    "intermediate/int_activities__resolved",
    "intermediate/int_attribution__touches",
    "intermediate/int_deals__persons",
    "intermediate/int_lead_score_contributions",
    "intermediate/int_lead_score_instants",
    "intermediate/int_lead_sla__clocks",
    "intermediate/int_leads__clustered",
    "intermediate/int_leads__email_owners",
    "intermediate/int_leads__match_edges",
    "intermediate/int_leads__routed",
    "intermediate/int_leads__validated",
    "intermediate/int_persons__customer_matched",
    "intermediate/int_persons__enriched",
    "intermediate/int_persons__fit_attributes",
    "intermediate/int_persons__outcomes",
    "intermediate/int_persons__survived",
    "intermediate/int_rep_calendar",
    "intermediate/int_routing__leads",
    "intermediate/int_routing__team_coverage",
    "intermediate/int_scoring__calibration_base",
    "marts/dim_leads",
    "marts/dq_merge_audit",
    "marts/fct_attribution_credit",
    "marts/fct_deal_stage_history",
    "marts/fct_deals",
    "marts/fct_lead_aging",
    "marts/fct_lead_assignments",
    "marts/fct_lead_escalations",
    "marts/fct_lead_lifecycle",
    "marts/fct_lead_requeues",
    "marts/fct_lead_score_history",
    "marts/fct_lead_scores_current",
    "marts/fct_lead_sla",
    "marts/fct_lead_status_history",
    "marts/lead_crosswalk",
    "marts/mart_disqualification_and_loss_reasons",
    "marts/mart_funnel_cohort",
    "marts/mart_funnel_flow",
    "marts/mart_funnel_targets",
    "marts/mart_lead_aging",
    "marts/mart_outreach_list",
    "marts/mart_pipeline_coverage",
    "marts/mart_routing_audit",
    "marts/mart_scoring_bands",
    "marts/mart_scoring_calibration",
    "marts/mart_scoring_deciles",
    "marts/mart_scoring_quarterly_gap",
    "marts/mart_scoring_reliability",
    "marts/mart_scoring_thresholds",
    "marts/mart_sla_compliance",
    "marts/mart_source_conversion",
    "marts/mart_source_revenue",
    "marts/mart_weekly_kpis",
    "marts/mart_win_rates",
    "ml/lead_model_training",
    "ml/lead_predictions",
    "raw/activities",
    "raw/companies",
    "raw/deals",
    "raw/leads",
    "reference/activity_type_map",
    "reference/aging_thresholds",
    "reference/attribution_models",
    "reference/country_aliases",
    "reference/deal_stage_map",
    "reference/disposable_email_domains",
    "reference/free_email_domains",
    "reference/funnel_targets",
    "reference/fx_rates",
    "reference/holidays",
    "reference/industry_map",
    "reference/job_title_seniority",
    "reference/lead_source_map",
    "reference/reps",
    "reference/revenue_targets",
    "reference/role_email_prefixes",
    "reference/routing_rules",
    "reference/score_bands",
    "reference/scoring_models",
    "reference/scoring_rules",
    "reference/sla_policies",
    "reference/suppression_list",
    "reference/touch_channel_rules",
    "staging/stg_activities",
    "staging/stg_companies",
    "staging/stg_deal_versions",
    "staging/stg_deals",
    "staging/stg_lead_versions",
    "staging/stg_leads",
    "weekly_funnel_report",
]


def test_asset_graph_snapshot() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    assert keys == ASSET_KEYS
    # ingest keys are the dbt source keys, so staging depends on them directly
    assert {p.to_user_string() for p in graph.get(_key("staging/stg_leads")).parent_keys} >= {"raw/leads"}
    assert {p.to_user_string() for p in graph.get(_key("analytics_db")).parent_keys} >= {
        "staging/stg_leads",
        "staging/stg_activities",
        "staging/stg_deals",
        "staging/stg_companies",
    }
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups["raw/leads"] == "raw"
    assert groups["staging/stg_leads"] == "staging"
    assert groups["reference/reps"] == "reference"
    assert groups["analytics_db"] == "publish"
    assert groups["intermediate/int_leads__clustered"] == "intermediate"
    assert groups["marts/dim_leads"] == "marts"
    assert groups["ml/lead_predictions"] == "intermediate"
    # the predictive challenger is two dbt Python models: trained, then scored, then read by the score history
    assert "ml/lead_model_training" in {p.to_user_string() for p in graph.get(_key("ml/lead_predictions")).parent_keys}
    parents = {p.to_user_string() for p in graph.get(_key("marts/fct_lead_score_history")).parent_keys}
    assert "ml/lead_predictions" in parents
    assert "intermediate/int_lead_score_instants" in {
        p.to_user_string() for p in graph.get(_key("ml/lead_predictions")).parent_keys
    }


def test_checks_jobs_and_schedule_snapshot(dbt_manifest: Path) -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    checks = {c.to_user_string() for c in graph.asset_check_keys}
    # every dbt test is a Dagster asset check, the singular ones that read several models included
    # (dagster-dbt logs a test it cannot attach to one model as a mere observation)
    manifest = json.loads(dbt_manifest.read_text())
    dbt_tests = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    assert dbt_tests == {c.name for c in graph.asset_check_keys if not c.name.startswith("gx_")}
    assert "staging/stg_activities:stg_activities_keeps_every_raw_record" in checks
    gx = sorted(c for c in checks if ":gx_" in c)
    assert gx == [
        "raw/activities:gx_activities_suite",
        "raw/companies:gx_companies_suite",
        "raw/deals:gx_deals_suite",
        "raw/leads:gx_leads_suite",
    ]
    from orchestration.checks import gx_checks

    assert all(spec.blocking for checks_def in gx_checks for spec in checks_def.check_specs)
    assert "staging/stg_leads:unique_stg_leads_lead_key" in checks
    assert "staging/stg_deals:not_null_stg_deals_deal_stage" in checks
    assert [j.name for j in defs.jobs] == ["refresh_all", "weekly_report"]
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.default_status.value == "STOPPED"
    # the report reads the published file in its own job, Mondays 07:00, after (not inside) the refresh
    refresh = defs.resolve_job_def("refresh_all").asset_layer.executable_asset_keys
    assert _key("weekly_funnel_report") not in refresh and _key("analytics_db") in refresh
    report = defs.resolve_schedule_def("weekly_funnel_report")
    assert (report.cron_schedule, report.execution_timezone, report.default_status.value) == (
        "0 7 * * 1",
        "UTC",
        "STOPPED",
    )
    assert report.job_name == "weekly_report"


def _key(user_string: str):
    from dagster import AssetKey

    return AssetKey(user_string.split("/"))


def test_dbt_build_args() -> None:
    assert dbt_build_args() == ["build"]
    assert dbt_build_args(full_refresh=True) == ["build", "--full-refresh"]
    assert dbt_build_args(extra_vars={"b": 1, "a": "x"}) == ["build", "--vars", '{"a": "x", "b": 1}']


def test_a_model_that_errors_is_named_with_duckdbs_words_and_the_setting_to_change(tmp_path: Path) -> None:
    """dagster-dbt only reports "exit code 1": the run summary must say which model failed and why."""
    from orchestration.dbt import node_errors

    spill = (
        "Runtime Error in model stg_activities (models/staging/stg_activities.sql)\n  Out of Memory Error: failed "
        "to offload data block of size 256.0 KiB (736.0 KiB/976.5 KiB used).\nThis limit was set by the "
        "'max_temp_directory_size' setting."
    )
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.leadflow.stg_leads", "status": "success", "message": "OK"},
                    {"unique_id": "model.leadflow.stg_activities", "status": "error", "message": spill},
                    {"unique_id": "test.leadflow.not_null_x.1a2b", "status": "fail", "message": "Got 3 results"},
                    {"unique_id": "model.leadflow.dim_leads", "status": "error", "message": "Binder Error: no col"},
                ]
            }
        )
    )
    errors = node_errors(results)
    assert len(errors) == 2
    assert errors[0].startswith(
        "stg_activities failed: the disk or temp folder is full (LEADFLOW_TEMP_DIR, LEADFLOW_MAX_TEMP_SIZE; "
    )
    assert "failed to offload data block" in errors[0]
    assert errors[1] == "dim_leads failed: Binder Error: no col"
    assert node_errors(tmp_path / "missing.json") == []


def test_dbt_sources_document_exactly_the_landing_contract() -> None:
    sources = yaml.safe_load((ROOT / "models/staging/_raw__sources.yml").read_text())["sources"][0]
    documented = {t["name"]: [c["name"] for c in t["columns"]] for t in sources["tables"]}
    for name, contract in CONTRACTS.items():
        assert documented[name] == list(contract.columns) + list(LINEAGE_COLUMNS)


def test_dagster_dev_loads_without_an_activated_venv() -> None:
    """`dagster dev` prepares the dbt project with plain `dbt`; the venv's bin is not on PATH for a user
    who runs .venv/bin/leadflow ui without activating it."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PATH": "/usr/bin:/bin", "DAGSTER_IS_DEV_CLI": "1"}
    code = "from orchestration.definitions import defs; print(len(defs.resolve_asset_graph().get_all_asset_keys()))"
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == str(len(ASSET_KEYS))


def test_every_published_pii_column_is_tagged() -> None:
    """A column that holds an address, a name, a phone or an IP in an analyst schema must carry
    `config: {meta: {pii: true}}`, or LEADFLOW_PII_MASKED would publish it in clear."""
    import json
    import re

    from orchestration.project import ensure_manifest

    manifest = json.loads(ensure_manifest().read_text())
    looks_personal = re.compile(r"(^|_)(email|first_name|last_name|phone|ip_address|match_evidence)$")
    untagged = [
        f"{node['schema']}.{node['name']}.{name}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] in ("staging", "marts")
        for name, column in node["columns"].items()
        if looks_personal.search(name)
        and not name.startswith(("is_", "has_"))  # flags about the value, not the value
        and not (column.get("meta") or {}).get("pii")
    ]
    assert untagged == []


def test_dbt_resource_assumes_the_version_the_dbt_executable_prints() -> None:
    """LeadflowDbtCli skips dagster-dbt's `dbt --version` at every step; the version it assumes instead must be
    the one the dbt it runs reports (dagster-dbt picks dbt Core or Fusion code paths from it)."""
    resource = dbt_resource()
    printed = subprocess.run([dbt_executable(), "--version"], capture_output=True, text=True, check=True).stdout
    installed = re.search(r"installed: (\S+)", printed)
    assert installed is not None, printed
    assert installed.group(1) == str(resource._cli_version)


def test_dbt_resource_overrides_what_dagster_dbt_still_calls() -> None:
    """The two start-up costs are skipped by overriding private dagster-dbt names; an upgrade that renames them
    would silently bring the cost back, so fail here instead."""
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._initialize_dbt_core_adapter(" in source
    assert "self._cli_version" in source
    assert dbt_resource()._initialize_dbt_core_adapter(["build"]) is None


_DUMP_GRAPH = """
import json, sys
{first}
from orchestration.definitions import defs
import dagster_dbt.compat

graph = defs.resolve_asset_graph()
assets = {{}}
for key in graph.get_all_asset_keys():
    node = graph.get(key)
    assets[key.to_user_string()] = [
        sorted(p.to_user_string() for p in node.parent_keys), sorted(c.to_user_string() for c in node.check_keys),
        node.group_name, node.description, sorted(node.metadata), sorted(node.tags.items()), sorted(node.kinds),
        node.code_version, node.owners,
    ]
checks = {{
    key.to_user_string(): [
        spec.blocking, spec.description, sorted(d.asset_key.to_user_string() for d in spec.additional_deps),
        sorted(spec.metadata),
    ]
    for key in graph.asset_check_keys
    for spec in [graph.get_check_spec(key)]
}}
job = sorted(k.to_user_string() for k in defs.resolve_job_def("refresh_all").asset_layer.executable_asset_keys)
print(json.dumps({{
    "dbt_core_seen": dagster_dbt.compat.DBT_PYTHON_VERSION is not None,
    "dbt_imported": "dbt" in sys.modules,
    "graph": {{"assets": assets, "checks": checks, "job": job}},
}}, default=str))
"""


def test_dagster_dbt_without_dbt_core_gives_the_same_asset_graph() -> None:
    """orchestration/dagster_dbt_loaded.py hides dbt-core from dagster-dbt in the Dagster process (~2.5 s a run);
    the asset graph, its checks and the refresh job must be exactly those dagster-dbt builds with dbt-core."""

    def dump(first: str) -> dict[str, Any]:
        proc = subprocess.run(
            [sys.executable, "-c", _DUMP_GRAPH.format(first=first)],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.splitlines()[-1])

    hidden = dump("")
    seen = dump("import dagster_dbt  # first: dagster-dbt loads with dbt-core")
    assert (hidden["dbt_core_seen"], hidden["dbt_imported"]) == (False, False)
    assert (seen["dbt_core_seen"], seen["dbt_imported"]) == (True, True)  # the other path was taken
    assert len(hidden["graph"]["assets"]) == len(ASSET_KEYS) and len(hidden["graph"]["checks"]) > 300
    assert hidden["graph"] == seen["graph"]


def test_only_where_files_are_and_memory_stay_out_of_dbts_partial_parse_check() -> None:
    """leadflow-dbt drops the database path and the config options (spill folder, memory limit) from the values
    dbt compares before trusting a partial parse; everything else must still count. Models that read these
    through `target` would then see stale values, so none may."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials

    from orchestration.dbt_cli import _install_location_free_profile_hash

    _install_location_free_profile_hash()
    _install_location_free_profile_hash()  # twice: the patch must not wrap itself
    credentials = DuckDBCredentials(
        database="warehouse",
        schema="main",
        path="/somewhere/warehouse.duckdb",
        config_options={"temp_directory": "/somewhere/tmp", "memory_limit": "4GB"},
        settings={"TimeZone": "UTC"},
    )
    compared = dict(credentials.connection_info())
    assert "path" not in compared and "config_options" not in compared
    assert compared["database"] == "warehouse" and compared["schema"] == "main"
    assert compared["settings"] == {"TimeZone": "UTC"}
    reads_them = re.compile(r"target\s*\.\s*(path|config_options)")
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("models", "macros", "tests/dbt")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in (".sql", ".yml", ".py") and reads_them.search(path.read_text())
    ]
    assert readers == []


def test_dbt_serialises_a_debug_event_only_when_something_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """leadflow-dbt drops debug events before dbt builds their message when no logger writes debug and no
    callback but dbt's warning tracker listens; anything else must reach loggers and callbacks as before."""
    import io

    import dbt_common.events.event_manager as event_manager
    from dbt.adapters.events.types import SQLQuery
    from dbt.events.types import MainReportVersion
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.logger import LineFormat, LoggerConfig

    from orchestration.dbt_cli import _install_unread_debug_event_skip

    _install_unread_debug_event_skip()
    _install_unread_debug_event_skip()  # twice: the patch must not wrap itself
    built: list[str] = []
    build_message = event_manager.msg_from_base_event

    def counting(event, level=None):  # type: ignore[no-untyped-def]
        built.append(type(event).__name__)
        return build_message(event, level=level)

    monkeypatch.setattr(event_manager, "msg_from_base_event", counting)

    def fire_both(level: EventLevel, callback=None) -> str:  # type: ignore[no-untyped-def]
        manager = event_manager.EventManager()
        stream = io.StringIO()
        manager.add_logger(LoggerConfig(name="stdout", line_format=LineFormat.Json, level=level, output_stream=stream))
        if callback:
            manager.add_callback(callback)
        manager.fire_event(SQLQuery(conn_name="model.x", sql="select 1", node_info={}))
        manager.fire_event(MainReportVersion(version="1.11", log_version=3))
        return stream.getvalue()

    written = fire_both(EventLevel.INFO)
    assert built == ["MainReportVersion"] and "SQLQuery" not in written and "MainReportVersion" in written
    built.clear()
    written = fire_both(EventLevel.DEBUG)  # --debug, or a debug log file
    assert built == ["SQLQuery", "MainReportVersion"] and "SQLQuery" in written
    heard: list[str] = []
    built.clear()
    fire_both(EventLevel.INFO, lambda msg: heard.append(msg.info.name))  # a listener dbt does not know
    assert heard == ["SQLQuery", "MainReportVersion"] and built == heard


def test_dbt_builds_an_events_message_only_when_the_event_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """leadflow-dbt defers each event's protobuf message to its first read: a dropped debug event is never
    built, and a read or a write of any field sees the same message dbt would have built at once."""
    import dbt_common.events.base_types as base_types
    from dbt.adapters.events.types import SQLQuery
    from dbt_common.events.base_types import msg_from_base_event

    from orchestration.dbt_cli import _install_lazy_event_messages, _install_unread_debug_event_skip

    eager = SQLQuery(conn_name="model.x", sql="select 1", node_info={"unique_id": "model.x"}).to_dict()
    _install_unread_debug_event_skip()
    _install_lazy_event_messages()
    _install_lazy_event_messages()  # twice: the patch must not wrap itself
    parsed: list[str] = []
    parse = base_types.ParseDict

    def counting(js_dict, message, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(type(message).__name__)
        return parse(js_dict, message, *args, **kwargs)

    monkeypatch.setattr(base_types, "ParseDict", counting)

    event = SQLQuery(conn_name="model.x", sql="select 1", node_info={"unique_id": "model.x"})
    assert parsed == []
    assert event.sql == "select 1" and parsed == ["SQLQuery"]  # built on the first read, once
    assert event.to_dict() == eager and parsed == ["SQLQuery"]
    written = SQLQuery(conn_name="model.x", sql="select 1", node_info={})
    written.sql = "select 2"  # a write first builds the message, then sets the field on it
    assert written.to_dict()["sql"] == "select 2" and written.conn_name == "model.x"
    assert msg_from_base_event(written).data.sql == "select 2"
    # what the debug-event skip drops is never built
    parsed.clear()
    import dbt_common.events.event_manager as event_manager

    event_manager.EventManager().fire_event(SQLQuery(conn_name="model.x", sql="select 3", node_info={}))
    assert parsed == []


def test_dbt_reads_every_query_result_with_one_type_tester_per_column_set() -> None:
    """leadflow-dbt keeps one agate type tester per set of text columns instead of a new one per result;
    tables come out typed exactly as with a new tester each time."""
    from datetime import date, datetime
    from decimal import Decimal

    from dbt_common.clients import agate_helper

    original = agate_helper.build_type_tester
    rows = [["1", 2, "2026-01-05", "2026-01-05 10:00:00", "true", "x", None], ["null", 3.5, "", None, "false", "", "7"]]
    columns = ["a", "b", "c", "d", "e", "f", "g"]
    expected = agate_helper.table_from_rows(rows, columns, text_only_columns=["a", "f"])
    expected_other = agate_helper.table_from_rows(rows, columns, text_only_columns=["g"])
    from orchestration.dbt_cli import _install_shared_type_testers

    _install_shared_type_testers()
    _install_shared_type_testers()  # twice: the patch must not wrap itself
    assert agate_helper.build_type_tester is not original
    shared = agate_helper.table_from_rows(rows, columns, text_only_columns=["a", "f"])
    again = agate_helper.table_from_rows(rows, columns, text_only_columns=["a", "f"])
    other = agate_helper.table_from_rows(rows, columns, text_only_columns=["g"])
    for table, like in ((shared, expected), (again, expected), (other, expected_other)):
        assert [type(t).__name__ for t in table.column_types] == [type(t).__name__ for t in like.column_types]
        assert [tuple(r) for r in table.rows] == [tuple(r) for r in like.rows]
    assert shared.rows[0]["c"] == date(2026, 1, 5) and shared.rows[0]["d"] == datetime(2026, 1, 5, 10)
    assert shared.rows[1]["a"] == "null" and shared.rows[1]["b"] == Decimal("3.5")  # text stays text
    # another column set gets its own tester: there "a" is a number and "null" a null, "g" stays text
    assert (other.rows[0]["a"], other.rows[1]["a"], other.rows[1]["g"]) == (Decimal("1"), None, "7")
    info = agate_helper.build_type_tester.cache_info()
    assert info.currsize >= 2 and info.hits >= 1


def test_a_new_data_folder_starts_dbt_from_the_projects_parse(tmp_path: Path) -> None:
    """The first dbt step in a new data folder used to parse the whole project (~5-8 s); seeded with the
    project's parse it only checks files. dbt says which it did in its own log."""
    from orchestration.dbt_cli import seed_partial_parse
    from orchestration.project import dbt_project, ensure_manifest

    ensure_manifest()
    target = tmp_path / "dbt-target"
    assert seed_partial_parse(dbt_project.manifest_path.parent, target)
    assert not seed_partial_parse(dbt_project.manifest_path.parent, target)  # never over a folder's own parse
    env = {
        **os.environ,
        "LEADFLOW_WAREHOUSE_PATH": str(tmp_path / "elsewhere" / "warehouse.duckdb"),
        "LEADFLOW_TEMP_DIR": str(tmp_path / "elsewhere" / "tmp"),
        "LEADFLOW_MEMORY_LIMIT": "3GB",
    }
    proc = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--target-path",
            str(target),
            "--log-format",
            "json",
            "--log-level",
            "debug",
            "--log-path",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    events = [json.loads(line)["info"]["name"] for line in proc.stdout.splitlines() if line.startswith("{")]
    assert not (tmp_path / "dbt.log").exists()  # dbt's own log file is off unless DBT_LOG_LEVEL_FILE asks
    assert "UnableToPartialParse" not in events
    assert "PartialParsingEnabled" in events or "PartialParsingSkipParsing" in events, events


def _numbers_job(*, failing_check: bool) -> Any:
    """One asset with a passing check (and, asked for, a failing one): a run that stores every kind of event."""
    from dagster import AssetCheckResult, Definitions, asset, asset_check, define_asset_job

    # no annotations: Dagster resolves them at decoration, and this module's are strings
    @asset
    def numbers():
        return 3

    @asset_check(asset=numbers)
    def numbers_positive():
        return AssetCheckResult(passed=True)

    @asset_check(asset=numbers)
    def numbers_even():
        return AssetCheckResult(passed=False)

    checks = [numbers_positive, numbers_even] if failing_check else [numbers_positive]
    return Definitions(assets=[numbers], asset_checks=checks, jobs=[define_asset_job("all")]).resolve_job_def("all")


def test_the_run_instance_records_dagster_events_from_any_thread_on_one_connection() -> None:
    """`leadflow run` records its events in orchestration/instance.py's storage: Dagster's in-memory one keeping
    its connection open. Runs in the creating thread must store and read back every event without opening
    connections per event; a run in another thread must still work (SQLite connections cannot cross threads)."""
    import threading

    import sqlalchemy
    from dagster import DagsterEventType

    from orchestration.instance import ephemeral_instance

    job = _numbers_job(failing_check=False)
    instance = ephemeral_instance()
    connects: list[int] = []
    sqlalchemy.event.listen(instance.event_log_storage._engine, "connect", lambda *_: connects.append(1))

    def run_and_count() -> dict[str, int]:
        result = job.execute_in_process(instance=instance)
        assert result.success
        logs = instance.all_logs(result.run_id)
        return {
            kind.value: sum(1 for e in logs if e.dagster_event and e.dagster_event.event_type == kind)
            for kind in (
                DagsterEventType.ASSET_MATERIALIZATION,
                DagsterEventType.ASSET_CHECK_EVALUATION,
                DagsterEventType.STEP_SUCCESS,
            )
        }

    expected = {"ASSET_MATERIALIZATION": 1, "ASSET_CHECK_EVALUATION": 1, "STEP_SUCCESS": 2}
    assert run_and_count() == expected
    assert connects  # its connection, and a look at which tables exist
    connects.clear()
    assert run_and_count() == expected
    assert connects == []  # Dagster's own storage opens one per event stored or read
    counted: list[dict[str, int]] = []
    other = threading.Thread(target=lambda: counted.append(run_and_count()))
    other.start()
    other.join()
    assert counted == [expected]
    assert len(instance.get_runs()) == 3


def test_the_run_instance_skips_the_planned_events_and_keeps_every_result() -> None:
    """The run's store drops the events that only announce what a run will do (one per model and dbt test); the
    results themselves are stored and read back as Dagster stores them: materializations, and check
    evaluations with their outcome (inserted without the planned row Dagster would have updated)."""
    from dagster import AssetCheckKey, AssetKey, DagsterEventType
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

    from orchestration.instance import ephemeral_instance

    job = _numbers_job(failing_check=True)
    numbers = AssetKey("numbers")
    instance = ephemeral_instance()
    result = job.execute_in_process(instance=instance)
    kinds = [e.dagster_event.event_type for e in instance.all_logs(result.run_id) if e.dagster_event]
    assert DagsterEventType.ASSET_MATERIALIZATION_PLANNED not in kinds
    assert DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED not in kinds
    assert kinds.count(DagsterEventType.ASSET_MATERIALIZATION) == 1
    assert kinds.count(DagsterEventType.ASSET_CHECK_EVALUATION) == 2
    outcomes = {}
    for name in ("numbers_positive", "numbers_even"):
        history = instance.event_log_storage.get_asset_check_execution_history(AssetCheckKey(numbers, name), limit=5)
        assert [record.run_id for record in history] == [result.run_id]
        outcomes[name] = history[0].status
    assert outcomes == {
        "numbers_positive": AssetCheckExecutionRecordStatus.SUCCEEDED,
        "numbers_even": AssetCheckExecutionRecordStatus.FAILED,
    }
    assert instance.get_latest_materialization_event(numbers) is not None
