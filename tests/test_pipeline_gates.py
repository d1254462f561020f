"""The whole Dagster job on a small landing folder: values in staging, gates that block, published data that
stays untouched, and analysts who keep querying while a run is in progress."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.run import RunSummary, format_summary, run_pipeline
from orchestration.settings import ROOT, Settings
from tests.conftest import settings_for
from tests.landing import minimal_landing, write_csv, write_parquet


def _published(settings: Settings) -> tuple[str, list[tuple]]:
    """The publish run id and every row of every published staging table."""
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        run_id = con.execute("select run_id from main.leadflow_publish").fetchone()[0]
        rows = []
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'staging' order by 1"
        ).fetchall():
            rows.append((table, sorted(map(str, con.execute(f"select * from staging.{table}").fetchall()))))
        return run_id, rows
    finally:
        con.close()


def _failed_checks(summary: RunSummary) -> list[str]:
    return [c.check for c in summary.checks_failed]


@pytest.fixture(scope="module")
def first_run_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunSummary]:
    """One first run for the whole module: each test starts from a copy of its data folder. A run on two leads
    costs ~40 s (dbt start-up and ~80 models), the copy well under a second, and every path the run keeps
    (load log, quarantine, state) is relative to the data folder or rebuilt from the settings."""
    data_dir = tmp_path_factory.mktemp("first_run") / "data"
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = settings_for(data_dir, monkeypatch)
        minimal_landing(settings.landing_dir)
        summary = run_pipeline(settings)
    assert summary.success, summary.to_json()
    return data_dir, summary


@pytest.fixture
def first_run(settings: Settings, first_run_folder: tuple[Path, RunSummary]) -> RunSummary:
    template, summary = first_run_folder
    shutil.copytree(template, settings.data_dir, dirs_exist_ok=True)
    return summary


def test_run_builds_typed_staging_from_landing_values(
    settings: Settings, first_run: RunSummary, dbt_manifest: Path
) -> None:
    assert first_run.published
    assert first_run.loaded_this_run["leads"] == {
        "files": 1,
        "rows_read": 2,
        "rows_loaded": 2,
        "rows_rejected": 0,
        "rows_quarantined": 0,
    }
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    leads = con.execute(
        "select lead_key, email, email_domain, country_code, employee_count, created_at::varchar "
        "from staging.stg_leads order by lead_key"
    ).fetchall()
    assert leads == [
        ("hubspot:L1", "ana.silva@acme.com", "acme.com", "BR", 120, "2026-01-05 10:00:00"),
        # 09:30 at -05:00 is 14:30 UTC; SWE is Sweden's ISO-3 code
        ("hubspot:L2", "bo@beta.io", "beta.io", "SE", 40, "2026-01-06 14:30:00"),
    ]
    deal = con.execute(
        "select deal_stage, deal_stage_raw, amount, version_count, updated_at::varchar from staging.stg_deals"
    ).fetchall()
    assert deal == [("Proposal", "Proposal/Quote", 15000, 2, "2026-01-20 12:00:00")]
    activity_types = con.execute(
        "select activity_id, activity_type, is_rep_touch from staging.stg_activities order by 1"
    ).fetchall()
    assert activity_types == [("A1", "form_submit", False), ("A2", "email_sent", True), ("A3", "demo_request", False)]
    # raw, intermediate and ml (the challenger's training and predictions) stay private
    private = "select count(*) from duckdb_tables() where schema_name in ('raw', 'intermediate', 'ml')"
    assert con.execute(private).fetchone()[0] == 0
    # every published column (staging and marts) is documented in schema.yml, and the docs travel with the tables
    manifest = json.loads(dbt_manifest.read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    published = [n for n in models if n["schema"] not in ("intermediate", "ml")]
    assert {n["schema"] for n in published} == {"staging", "marts"}
    for node in published:
        actual = [r[0] for r in con.execute(f"describe {node['schema']}.{node['name']}").fetchall()]
        documented = {c for c, spec in node["columns"].items() if spec["description"].strip()}
        assert set(actual) == documented, node["name"]
    comment = con.execute(
        "select comment from duckdb_columns() where table_name = 'stg_leads' and column_name = 'country_code'"
    ).fetchone()[0]
    assert "ISO-2" in comment
    con.close()


def test_too_few_outcomes_to_train_skip_the_challenger_without_loading_scikit_learn(
    settings: Settings, first_run: RunSummary
) -> None:
    """Two leads cannot train the predictive challenger: the version is recorded as skipped with the reason,
    and training never imports scikit-learn (~3 s a run; most test runs and a first day's data train nothing)."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    rows = con.execute("select model_version, metadata, model from ml.lead_model_training").fetchall()
    con.close()
    assert rows and all(model is None for _, _, model in rows)
    for info in (json.loads(metadata) for _, metadata, _ in rows):
        assert info["status"] == "skipped" and "too few to train" in info["reason"]
    probe = (
        "import json, sys, duckdb\n"
        "from orchestration.scoring import train\n"
        f"con = duckdb.connect({str(settings.warehouse_path)!r}, read_only=True)\n"
        "rows = train(con).fetchall()\n"
        "print(json.dumps([[r[0], json.loads(r[2])['status'], r[3] is None] for r in rows]))\n"
        "print('sklearn' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    versions, imported = proc.stdout.splitlines()
    assert sorted(json.loads(versions)) == [[version, "skipped", True] for version, _, _ in sorted(rows)]
    assert imported == "False"


def test_rerun_without_new_files_loads_nothing_and_keeps_the_published_file(
    settings: Settings, first_run: RunSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.inputs import current_publish
    from orchestration.run import format_summary
    from orchestration.status import collect_status, format_status

    before = _published(settings)
    dbt_results = settings.state_dir / "dbt-target" / "run_results.leadflow_dbt_assets.json"
    first_results = dbt_results.read_bytes()
    # In a fresh process, as the CLI runs it: this test's process imported Great Expectations long ago.
    probe = (
        "import sys\n"
        "from orchestration import progress\n"
        "from orchestration.run import run_pipeline\n"
        "progress.enable()\n"
        "run_pipeline()\n"
        "print('great_expectations' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    second = RunSummary(**json.loads((settings.state_dir / "last_run.json").read_text()))
    assert second.success and not second.published
    assert second.loaded_this_run == {}
    # every raw row passed its gate in the first run: the gates pass without loading GX (seconds of imports)
    assert second.checks_passed == 4
    for entity in ("activities", "companies", "deals", "leads"):
        assert f"gx       {entity}: passed (no rows loaded since the last validated load)" in proc.stderr
    assert proc.stdout.strip() == "False"
    # nothing it was built from changed: no model, test, challenger or publish ran, and the file is the same one
    assert second.up_to_date_with == first_run.run_id
    assert "analytics_db" not in second.step_seconds
    assert dbt_results.read_bytes() == first_results  # dbt never started
    assert second.skipped_steps == [] and second.checks_failed == []
    assert _published(settings) == before
    assert f"nothing changed since run {first_run.run_id}" in format_summary(second)
    assert f"nothing changed since run {first_run.run_id}" in format_status(collect_status(settings))

    # a publish setting is an input too: masking PII, or another salt, means the published file is not current
    assert current_publish(settings) == first_run.run_id
    monkeypatch.setenv("LEADFLOW_PII_MASKED", "1")
    assert current_publish(Settings.from_env()) is None
    monkeypatch.setenv("LEADFLOW_PII_MASKED", "0")
    monkeypatch.setenv("LEADFLOW_PII_SALT", "pepper")
    assert current_publish(Settings.from_env()) is None
    # so is any new row in raw, and a published file that is not the one recorded
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into raw._gate_log values ('leads', 'by-hand', now())")
    assert current_publish(settings) is None
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("delete from raw._gate_log where load_id = 'by-hand'")
    assert current_publish(settings) == first_run.run_id
    settings.analytics_path.unlink()
    assert current_publish(settings) is None
    # (--full-refresh never skips: test_e2e.py's full rebuild follows a run with no new files and publishes)


def test_raw_gate_failure_blocks_downstream_quarantines_and_keeps_published_data(
    settings: Settings, first_run: RunSummary, capfd: pytest.CaptureFixture[str]
) -> None:
    published_before = _published(settings)
    write_csv(
        settings.landing_dir / "deals" / "deals_2026-02.csv",
        ["deal_id", "lead_id", "created_at", "stage", "amount", "currency"],
        [[f"D{i}", "L2", "2026-02-01", "Qualified", "lots", "USD"] for i in range(10, 20)],
    )
    capfd.readouterr()
    failed = run_pipeline(settings)
    # Dagster's error lines and stack traces go to the run's log, not ahead of the summary in the terminal
    assert "dagster - ERROR" not in capfd.readouterr().err
    assert "dagster - ERROR" in Path(failed.log_path).read_text(encoding="utf-8")

    assert not failed.success and not failed.published
    assert _failed_checks(failed) == ["gx_deals_suite"]
    description = failed.checks_failed[0].description
    assert "amount" in description and "lots" in description
    assert "leadflow_dbt_assets" in failed.skipped_steps
    assert "analytics_db" in failed.skipped_steps
    assert _published(settings) == published_before
    assert [q["file"] for q in failed.quarantined_this_run] == ["deals/deals_2026-02.csv"]
    # its 10 rows were read, then taken back out of raw: the counts still add up, here and in `leadflow status`
    assert failed.loaded_this_run["deals"] == {
        "files": 0, "rows_read": 10, "rows_loaded": 0, "rows_rejected": 0, "rows_quarantined": 10
    }  # fmt: skip
    text = format_summary(failed)
    assert "10 read =           0 loaded +       0 rejected + 10 in files the raw gate quarantined" in text
    assert (
        "step failed: raw__deals_gx_deals_suite: 1 blocking asset check failed with ERROR severity: "
        "raw/deals: gx_deals_suite\n" in text
    )
    assert f"NOT published: {settings.analytics_path} still holds the previous good data" in text
    from orchestration.status import collect_status, format_status

    landing = collect_status(settings)["landing"]
    assert landing["rows_read"] == landing["rows_loaded"] + landing["rows_rejected"] + landing["rows_quarantined"]
    assert landing["rows_quarantined"] == 10
    assert "+ 10 in files the raw gate quarantined" in format_status(collect_status(settings))
    # the bad batch is out of raw, so the next run neither re-fails nor lets it through unvalidated
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    assert con.execute("select count(*) from raw.deals where deal_id = 'D10'").fetchone()[0] == 0
    con.close()
    assert (settings.quarantine_dir / "deals" / "deals_2026-02.csv").exists()
    recovered = run_pipeline(settings)
    assert recovered.success and recovered.published


def test_a_failed_first_run_does_not_claim_earlier_published_data(settings: Settings) -> None:
    minimal_landing(settings.landing_dir)
    write_csv(
        settings.landing_dir / "deals" / "deals_2026-02.csv",
        ["deal_id", "lead_id", "created_at", "stage", "amount", "currency"],
        [[f"D{i}", "L2", "2026-02-01", "Qualified", "lots", "USD"] for i in range(10, 20)],
    )
    failed = run_pipeline(settings)
    assert not failed.success and not settings.analytics_path.exists()
    assert f"NOT published: nothing has been published at {settings.analytics_path} yet" in format_summary(failed)


def test_rows_of_a_run_killed_before_its_gate_are_validated_by_the_next_run(
    settings: Settings, first_run: RunSummary
) -> None:
    from orchestration.ingest import ingest_entity
    from orchestration.resources import connect

    published_before = _published(settings)
    write_csv(
        settings.landing_dir / "deals" / "deals_2026-05.csv",
        ["deal_id", "lead_id", "created_at", "stage", "amount", "currency"],
        [[f"K{i}", "L2", "2026-05-01", "Qualified", "unknown", "USD"] for i in range(10)],
    )
    # a run that committed its ingest and died before the gate ran
    with connect(settings.warehouse_path, memory_limit="1GB") as con:
        assert (
            ingest_entity(con, "deals", settings.landing_dir, settings.quarantine_dir, "killed-run").rows_loaded == 10
        )

    after = run_pipeline(settings)
    assert after.loaded_this_run == {}  # nothing new to load, yet the unvalidated rows are gated
    assert _failed_checks(after) == ["gx_deals_suite"]
    assert not after.published and _published(settings) == published_before
    assert [q["file"] for q in after.quarantined_this_run] == []  # quarantined under the killed run's load
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    assert con.execute("select count(*) from raw.deals where deal_id like 'K%'").fetchone()[0] == 0
    status = con.execute("select status from raw._load_log where source_file = 'deals/deals_2026-05.csv'").fetchone()
    con.close()
    assert status == ("quarantined",)
    assert run_pipeline(settings).published


def test_dbt_test_failure_blocks_publish_and_keeps_published_data(settings: Settings, first_run: RunSummary) -> None:
    published_before = _published(settings)
    write_csv(
        settings.landing_dir / "deals" / "deals_2026-03.csv",
        ["deal_id", "lead_id", "created_at", "stage", "amount", "currency"],
        [["D2", "L2", "2026-03-01", "Verbal Commit", "900", "USD"]],  # a stage the map does not know
    )
    failed = run_pipeline(settings)

    assert not failed.success and not failed.published
    # the first model with the mapped stage is stg_deal_versions: its not_null test stops the run
    assert "not_null_stg_deal_versions_deal_stage" in _failed_checks(failed)
    assert "analytics_db" in failed.skipped_steps
    assert _published(settings) == published_before


READER = """
import duckdb, json, os, sys, time
path, stop, out, mode = sys.argv[1:5]
query = ("select (select count(*) from staging.stg_leads)::varchar || '/' || "
         "(select count(*) from staging.stg_activities)::varchar")
session = duckdb.connect(path, read_only=True) if mode == "session" else None
seen, errors, queries = set(), [], 0
while not os.path.exists(stop):
    try:
        con = session or duckdb.connect(path, read_only=True)
        seen.add(con.execute(query).fetchone()[0])
        queries += 1
        if session is None:
            con.close()
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.05)
json.dump({"seen": sorted(seen), "errors": errors, "queries": queries}, open(out, "w"))
"""


def test_readers_keep_working_during_a_run_and_see_old_or_new_never_partial(
    settings: Settings, first_run: RunSummary, tmp_path: Path
) -> None:
    """An analyst's open session keeps its snapshot; new sessions see the old or the new file. Each reader
    is its own process: DuckDB shares one instance per file within a process."""
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(settings.analytics_path), str(stop), str(tmp_path / mode), mode]
        )
        for mode in ("session", "fresh")
    }
    try:
        time.sleep(1.5)
        write_csv(
            settings.landing_dir / "leads" / "leads_2026-02.csv",
            ["lead_id", "source_system", "created_at", "email"],
            [["L3", "hubspot", "2026-02-01T08:00:00Z", "cy@gamma.dev"]],
        )
        write_csv(
            settings.landing_dir / "activities" / "activities_2026-02.csv",
            ["activity_id", "lead_id", "source_system", "activity_type", "occurred_at"],
            [["A4", "L3", "hubspot", "Form Submission", "2026-02-01T08:00:00Z"]],
        )
        second = run_pipeline(settings)
        time.sleep(1.5)
    finally:
        stop.touch()
        for reader in readers.values():
            reader.wait(timeout=60)
    session = json.loads((tmp_path / "session").read_text())
    fresh = json.loads((tmp_path / "fresh").read_text())
    assert second.success
    assert session["errors"] == [] and fresh["errors"] == []
    assert session["queries"] > 20 and fresh["queries"] > 20  # they kept querying through the whole run
    assert session["seen"] == ["2/3"]  # the open session keeps its snapshot
    assert fresh["seen"] == ["2/3", "3/4"]  # new sessions see the old or the new file, never a mix


def test_status_reports_the_quarantined_file_and_rejected_rows(settings: Settings, first_run: RunSummary) -> None:
    from orchestration.status import collect_status, format_status

    (settings.landing_dir / "leads" / "broken.csv").write_text("lead_id,created_at\nX,2026-01-01,extra\n")
    (settings.landing_dir / "leads" / "leads_2026-05.json").write_text('[{"lead_id": "L10"}]')  # not a landing type
    (settings.landing_dir / "leads" / "2026-06").mkdir()
    (settings.landing_dir / "leads" / ".DS_Store").write_text("")
    write_csv(
        settings.landing_dir / "leads" / "leads_2026-04.csv",
        ["lead_id", "created_at"],
        [["L9", "yesterday"]],
    )
    run_pipeline(settings)
    text = format_status(collect_status(settings))
    assert "leads/broken.csv: cannot be parsed as CSV" in text
    assert "rejected leads.created_at: 1 row, e.g. leads/leads_2026-04.csv row 1" in text
    assert "Last run succeeded" in text
    assert "2 item(s) not read" in text and "leads/2026-06/, leads/leads_2026-05.json" in text
    # the malformed file never stops the leadership report
    from orchestration.report import build_report

    report = build_report(settings.analytics_path, settings.reports_dir, "2026-W02")
    assert report.kpis["new_leads"] == 2 and report.report.exists()


def test_a_full_spill_folder_in_any_step_is_reported_with_the_leadflow_settings(tmp_path: Path) -> None:
    """Ingest and dbt (the challenger included) word their own resource errors; the quality gate and publish
    raise DuckDB's. The summary must name LEADFLOW_* settings for those too: here DuckDB's real error, as Dagster
    records it."""
    import traceback

    from orchestration.run import step_error_message

    con = duckdb.connect(
        str(tmp_path / "x.duckdb"), config={"temp_directory": str(tmp_path / "tmp"), "max_temp_directory_size": "1MB"}
    )
    con.execute("set memory_limit = '30MB'")
    with pytest.raises(duckdb.OutOfMemoryException) as caught:
        con.execute("create table t as select md5(i::varchar) as a from range(3000000) r(i) order by a")
    recorded = "".join(traceback.format_exception_only(caught.value))  # what Dagster's error info holds

    message = step_error_message(recorded)
    assert message.startswith("the disk or temp folder is full (LEADFLOW_TEMP_DIR, LEADFLOW_MAX_TEMP_SIZE"), message
    assert "Out of Memory Error: failed to offload data block" in message
    assert "OutOfMemoryException" not in message
    # dbt's failures arrive already explained: not twice
    assert step_error_message(message) == message
    # anything else passes through, without the exception's Python path
    assert step_error_message("dagster._core.definitions.events.Failure: stg_leads failed: syntax") == (
        "stg_leads failed: syntax"
    )


def test_an_unwritable_temp_folder_fails_clearly_and_leaves_published_data(
    settings: Settings, first_run: RunSummary, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orchestration.cli import main

    before = _published(settings)
    blocker = settings.data_dir / "a-file-not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("LEADFLOW_TEMP_DIR", str(blocker / "tmp"))
    assert main(["run", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"LEADFLOW_TEMP_DIR = {blocker / 'tmp'} is not a writable folder" in err
    assert _published(settings) == before


def test_a_full_temp_disk_during_the_build_fails_clearly_and_leaves_published_data(
    settings: Settings, first_run: RunSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB spills what does not fit in memory to LEADFLOW_TEMP_DIR; a disk that fills up shows as the spill
    cap being reached (by default the cap is the free space itself). A day of a million activities with 150 MB of
    memory and 1 MB of temp space cannot be staged: the run must say so, name the settings, and publish nothing."""
    from orchestration.status import collect_status, format_status

    before = _published(settings)
    write_parquet(
        settings.landing_dir / "activities" / "activities_2026-02-01.parquet",
        "select 'B' || i as activity_id, 'L1' as lead_id, 'hubspot' as source_system, 'Web Visit' as activity_type, "
        "timestamp '2026-02-01' + to_seconds(i) as occurred_at, md5(i::varchar) as page_url from range(1000000) r(i)",
    )
    monkeypatch.setenv("LEADFLOW_MEMORY_LIMIT", "150MB")
    monkeypatch.setenv("LEADFLOW_MAX_TEMP_SIZE", "1MB")
    failed = run_pipeline(Settings.from_env())

    assert not failed.success and not failed.published
    errors = " ".join(step["error"] for step in failed.failed_steps)
    assert "the disk or temp folder is full (LEADFLOW_TEMP_DIR, LEADFLOW_MAX_TEMP_SIZE" in errors, errors
    assert "max_temp_directory_size" in errors
    assert _published(settings) == before
    assert "the disk or temp folder is full" in format_status(collect_status(settings))

    # with room to spill, the same day goes through
    monkeypatch.setenv("LEADFLOW_MAX_TEMP_SIZE", "10GB")
    monkeypatch.setenv("LEADFLOW_MEMORY_LIMIT", "1GB")
    assert run_pipeline(Settings.from_env()).published
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_activities").fetchone()[0] == 1_000_003
