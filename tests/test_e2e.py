"""End to end on generated S data: generate → ingest → gates → dbt → publish, checked against the generator's
ground truth and against figures computed independently from the landing files."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.run import RunSummary, run_pipeline
from orchestration.settings import ROOT, Settings
from tests.conftest import settings_for

SEED = 7


ENTITIES = ("leads", "activities", "deals", "companies")
DAILY_FILE = re.compile(r"_(\d{4}-\d{2}-\d{2})\.")


@dataclass
class E2ERuns:
    settings: Settings
    truth: Path
    batches: list[list[str]]  # landing files (entity/name) of each daily batch, in load order
    incremental: list[RunSummary]  # one run per batch
    incremental_copy: Path  # the published file after the last batch, kept before the full rebuild
    full: RunSummary  # `leadflow run --full-refresh` over the same raw data


def _batches(landing: Path) -> list[list[str]]:
    """The generator writes monthly files, then one file per day for the last week: the history first, then
    the days in two batches, the way a daily schedule would find them."""
    files = sorted(f"{e}/{p.name}" for e in ENTITIES for p in (landing / e).iterdir())
    days = sorted({m.group(1) for f in files if (m := DAILY_FILE.search(f))})
    half = days[len(days) // 2]
    history = [f for f in files if not DAILY_FILE.search(f)]
    first_days = [f for f in files if (m := DAILY_FILE.search(f)) and m.group(1) < half]
    last_days = [f for f in files if (m := DAILY_FILE.search(f)) and m.group(1) >= half]
    return [history, first_days, last_days]


@pytest.fixture(scope="module")
def e2e_runs(tmp_path_factory: pytest.TempPathFactory) -> E2ERuns:
    """Generated S data loaded in three daily batches, one incremental run each, then a full rebuild."""
    from orchestration.generate import generate

    monkeypatch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("e2e")
    generated = root / "generated"
    generate(out=generated, size="S", seed=SEED)
    settings = settings_for(root / "data", monkeypatch)
    batches = _batches(generated / "landing")
    runs = []
    for batch in batches:
        for name in batch:
            (settings.landing_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(generated / "landing" / name, settings.landing_dir / name)
        runs.append(run_pipeline(settings))
    incremental_copy = root / "incremental.duckdb"
    shutil.copy2(settings.analytics_path, incremental_copy)
    full = run_pipeline(settings, full_refresh=True)
    yield E2ERuns(settings, generated / "ground_truth", batches, runs, incremental_copy, full)
    monkeypatch.undo()


@pytest.fixture(scope="module")
def e2e(e2e_runs: E2ERuns) -> tuple[Settings, RunSummary, Path]:
    return e2e_runs.settings, e2e_runs.full, e2e_runs.truth


def _landing_rows(landing: Path, entity: str) -> pd.DataFrame:
    """Read every landing file of an entity independently of ingest: plain DuckDB readers, lower-cased names."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    frames = []
    for path in sorted((landing / entity).iterdir()):
        name = path.name
        if name.endswith(".parquet"):
            frame = con.execute(f"select * from read_parquet('{path}')").df()
        elif name.endswith(".jsonl"):
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            frame = con.execute(f"select * from read_csv('{path}', all_varchar = true, header = true)").df()
        frame.columns = [c.lower() for c in frame.columns]
        frame["landing_file"] = f"{entity}/{name}"
        frames.append(frame)
    con.close()
    return pd.concat(frames, ignore_index=True)


def _warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def test_run_succeeds_with_every_gate_passing_on_realistic_data(e2e_runs: E2ERuns) -> None:
    for summary in [*e2e_runs.incremental, e2e_runs.full]:
        assert summary.success and summary.published, summary.to_json()
        assert summary.checks_failed == [] and summary.failed_steps == []
        assert summary.checks_passed >= 60


def test_staging_is_built_and_tested_before_any_model_built_on_it(e2e_runs: E2ERuns) -> None:
    """The full rebuild's own node timings: no model outside models/staging starts before the last staging
    model, and the last test that reads only staging models, has finished (orchestration/dbt_cli.py). Without
    the scheduling patch, three models (int_leads__validated among them) ran before stg_deals' tests."""
    target = e2e_runs.settings.state_dir / "dbt-target"
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    models = {uid for uid, node in nodes.items() if node["resource_type"] == "model"}
    staging = {uid for uid in models if nodes[uid]["original_file_path"].startswith("models/staging/")}
    staging_tests = {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "test"
        and (parents := set(node["depends_on"]["nodes"]) & models) <= staging
        and parents
    }
    results = json.loads((target / "run_results.leadflow_dbt_assets.json").read_text())["results"]

    def seconds(result: dict, edge: str) -> float:
        execute = next(t for t in result["timing"] if t["name"] == "execute")
        return datetime.fromisoformat(execute[edge].replace("Z", "+00:00")).timestamp()

    ran = {r["unique_id"]: r for r in results if any(t["name"] == "execute" for t in r["timing"])}
    assert staging <= set(ran) and len(staging_tests & set(ran)) >= 30
    staged = max(seconds(ran[uid], "completed_at") for uid in ran.keys() & (staging | staging_tests))
    early = sorted(uid for uid in ran.keys() & (models - staging) if seconds(ran[uid], "started_at") < staged)
    assert early == []
    assert len(models - staging) >= 40


def test_rows_read_equal_landing_rows_and_loaded_plus_rejected(e2e_runs: E2ERuns) -> None:
    settings = e2e_runs.settings
    con = _warehouse(settings)
    for entity in ENTITIES:
        landing_count = len(_landing_rows(settings.landing_dir, entity))
        loaded = con.execute(f"select count(*) from raw.{entity}").fetchone()[0]
        rejected = con.execute("select count(*) from raw._rejected_rows where entity = ?", [entity]).fetchone()[0]
        read = [run.loaded_this_run.get(entity, {}).get("rows_read", 0) for run in e2e_runs.incremental]
        assert sum(read) == landing_count, entity
        # every batch brought rows of each entity (a day may have no new company)
        assert entity == "companies" or all(read), (entity, read)
        assert loaded + rejected == landing_count, entity
    con.close()


def test_rejected_rows_are_exactly_the_generated_bad_rows(e2e) -> None:
    settings, _, truth = e2e
    expected = (
        pd.read_parquet(truth / "lead_records.parquet")
        .dropna(subset=["expected_reject_reason"])
        .assign(column=lambda f: f["expected_reject_reason"].str.split(":").str[0])
    )
    con = _warehouse(settings)
    actual = con.execute(
        "select source_file, row_number, column_name from raw._rejected_rows where entity = 'leads'"
    ).fetchall()
    con.close()
    assert len(expected) > 0
    assert sorted(actual) == sorted(
        zip(expected["landing_file"], expected["file_row"].astype(int), expected["column"], strict=True)
    )


def test_staged_leads_match_ground_truth_times_versions_and_countries(e2e) -> None:
    settings, _, truth = e2e
    records = pd.read_parquet(truth / "lead_records.parquet")
    good = records[records["expected_reject_reason"].isna()].copy()
    # the contract: a blank updated_at means created_at
    good["updated_at_utc"] = good["updated_at_utc"].fillna(good["created_at_utc"])
    expected = good.groupby(["source_system", "lead_id"]).agg(
        created_at=("created_at_utc", "min"), updated_at=("updated_at_utc", "max"), versions=("lead_id", "size")
    )
    persons = pd.read_parquet(truth / "persons.parquet")[["person_id", "country_code"]]
    record_person = good.drop_duplicates(["source_system", "lead_id"]).merge(persons, on="person_id")

    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    staged = con.execute(
        "select source_system, lead_id, created_at, updated_at, version_count, country_code, country_raw, "
        "invalid_fields from staging.stg_leads"
    ).df()
    con.close()
    merged = staged.merge(expected.reset_index(), on=["source_system", "lead_id"], suffixes=("", "_truth"))

    assert len(staged) == len(expected) == len(merged)
    # every mixed-offset timestamp became the true UTC instant, and the latest version won
    assert (merged["created_at"] == merged["created_at_truth"]).all()
    assert (merged["updated_at"] == merged["updated_at_truth"]).all()
    assert (merged["version_count"] == merged["versions"]).all()
    # every spelling of a country maps to the person's true ISO-2 code
    with_country = staged.dropna(subset=["country_raw"]).merge(
        record_person[["source_system", "lead_id", "country_code"]],
        on=["source_system", "lead_id"],
        suffixes=("", "_truth"),
    )
    assert len(with_country) > 1000
    assert (with_country["country_code"] == with_country["country_code_truth"]).all()
    assert not staged["invalid_fields"].fillna("").str.contains("country").any()


def test_staged_deals_show_the_latest_version_stage(e2e) -> None:
    settings, _, truth = e2e
    deals = pd.read_parquet(truth / "deals.parquet")
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    staged = con.execute("select deal_id, deal_stage, version_count from staging.stg_deals").df()
    con.close()
    merged = staged.merge(deals, on="deal_id")
    assert len(merged) == len(deals) == len(staged)
    assert (merged["deal_stage"] == merged["last_stage"]).all()
    assert (merged["version_count"] == merged["versions"]).all()
    assert set(merged["deal_stage"]) == {"Qualified", "Proposal", "Negotiation", "Won", "Lost"}


def test_unknown_activity_types_are_kept_as_other_and_counted(e2e) -> None:
    settings, summary, _ = e2e
    landing = _landing_rows(settings.landing_dir, "activities")
    known = set(pd.read_csv(ROOT / "seeds" / "activity_type_map.csv")["source_value"])
    unknown = (~landing["activity_type"].str.strip().str.lower().isin(known)).sum()
    assert unknown > 0
    assert summary.unknown_activity_types == unknown
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    other = con.execute("select count(*) from staging.stg_activities where activity_type = 'other'").fetchone()[0]
    staged = con.execute("select count(*) from staging.stg_activities").fetchone()[0]
    con.close()
    assert other == unknown
    assert staged == landing.drop_duplicates(["source_system", "activity_id"]).shape[0]


def test_extra_columns_reach_staging(e2e) -> None:
    settings, _, _ = e2e
    landing = _landing_rows(settings.landing_dir, "leads")
    extras = [c for c in landing.columns if c not in {"landing_file"} and c.startswith(("hs_", "crm_lead"))]
    assert extras, "the generator writes extra lead columns"
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    keys = {
        key
        for (key,) in con.execute(
            "select distinct unnest(json_keys(extra_attributes)) from staging.stg_leads "
            "where extra_attributes is not null"
        ).fetchall()
    }
    con.close()
    assert set(extras) <= keys


def test_identity_resolution_meets_precision_and_recall_on_ground_truth(e2e) -> None:
    from orchestration.evaluate import evaluate_identity

    settings, _, truth = e2e
    scores = evaluate_identity(settings.analytics_path, truth)
    assert scores.unmatched_rows == 0
    assert scores.true_pairs > 500  # S has real duplicates of every kind to find
    assert set(scores.recall_by_duplicate_kind) == {
        "email_case_whitespace", "other_source_system", "plus_address", "domain_fuzzy_name",
        "same_external_id", "no_email_name_phone", "gmail_dots",
    }  # fmt: skip
    assert scores.pair_precision >= 0.995 and scores.pair_recall >= 0.98, scores.to_json()
    assert scores.false_merges_sharing_domain == 0
    assert scores.spam_precision >= 0.98 and scores.spam_recall >= 0.95, scores.to_json()


def test_dim_leads_has_one_row_per_resolved_person_and_keeps_spam(e2e) -> None:
    settings, _, truth = e2e
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    persons, unique_persons, spam, crosswalk_persons = con.execute(
        "select count(*), count(distinct person_id), count(*) filter (where is_spam),"
        " (select count(distinct person_id) from marts.lead_crosswalk) from marts.dim_leads"
    ).fetchone()
    statuses = dict(con.execute("select lead_status, count(*) from marts.dim_leads group by 1").fetchall())
    con.close()
    true_persons = (
        duckdb.connect()
        .execute(
            f"select count(distinct person_id) from read_parquet('{truth / 'lead_records.parquet'}')"
            " where expected_reject_reason is null"
        )
        .fetchone()[0]
    )
    assert persons == unique_persons == crosswalk_persons
    # every spam record is its own person in the truth, and stays its own person here
    assert abs(persons - true_persons) <= 0.005 * true_persons
    assert spam > 0 and statuses["Disqualified"] == spam
    assert statuses["Customer Success Review"] > 0 and statuses["New"] > statuses["Needs Info"] > 0


def test_funnel_cohort_counts_match_an_independent_pandas_computation(e2e) -> None:
    """Monthly cohort counts of mart_funnel_cohort recomputed with pandas from the persons, their resolved
    activities and their deals (the person links are identity resolution's, tested above)."""
    settings, _, _ = e2e
    con = _warehouse(settings)
    persons = con.execute("select person_id, created_at, mql_at from marts.dim_leads where not is_spam").df()
    acts = con.execute(
        "select person_id, activity_type, new_status, occurred_at from intermediate.int_activities__resolved"
    ).df()
    deals = con.execute(
        """
        select p.person_id, d.created_at, d.is_won, coalesce(d.closed_at, d.updated_at) as closed_at
        from staging.stg_deals d join intermediate.int_deals__persons p using (deal_key)
        where p.person_id is not null
        """
    ).df()
    mart = con.execute(
        """
        select cohort_start, sum(leads), sum(mqls), sum(sals), sum(sqls), sum(opportunities), sum(wins)
        from marts.mart_funnel_cohort where cohort_grain = 'month' group by 1 order by 1
        """
    ).fetchall()
    con.close()

    sal = acts[
        (acts.activity_type == "sales_accepted")
        | ((acts.activity_type == "status_change") & (acts.new_status == "SAL"))
    ]
    sql = acts[(acts.activity_type == "status_change") & (acts.new_status == "SQL")]
    frame = persons.set_index("person_id")
    frame["sal"] = sal.groupby("person_id").occurred_at.min()
    frame["sql"] = sql.groupby("person_id").occurred_at.min()
    frame["opportunity"] = deals.groupby("person_id").created_at.min()
    frame["won"] = deals[deals.is_won].groupby("person_id").closed_at.min()
    frame["month"] = frame.created_at.dt.to_period("M").dt.start_time.dt.date
    expected = (
        frame.groupby("month")
        .agg(
            leads=("created_at", "size"),
            mqls=("mql_at", "count"),
            sals=("sal", "count"),
            sqls=("sql", "count"),
            opportunities=("opportunity", "count"),
            wins=("won", "count"),
        )
        .reset_index()
    )
    assert [tuple(int(v) if i else v for i, v in enumerate(r)) for r in mart] == [
        tuple(r) for r in expected.itertuples(index=False)
    ]
    assert expected.opportunities.sum() > 0 and expected.wins.sum() > 0


def test_no_model_reads_the_clock() -> None:
    """A cohort's numbers change only when new events arrive, never with the day the report runs: no model
    reads the wall clock (as-of times come from the data or from vars)."""
    import re

    clock = re.compile(r"\b(current_date|current_timestamp|now\s*\(|today\s*\(|get_current_time)", re.IGNORECASE)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "models").rglob("*.sql") if clock.search(p.read_text())]
    assert offenders == []


def test_pii_masked_publish_hashes_every_tagged_column(e2e, tmp_path: Path) -> None:
    """LEADFLOW_PII_MASKED publishes the schema.yml-tagged columns as salted SHA-256: the hashes are those of the
    clear values, and no address or phone number of the warehouse appears anywhere in the masked file."""
    import hashlib

    from orchestration.project import dbt_project
    from orchestration.publish import pii_columns, publish

    settings, _, _ = e2e
    mask = pii_columns(dbt_project.manifest_path)
    assert mask[("marts", "dim_leads")] == ["email", "first_name", "last_name", "phone"]
    assert mask[("staging", "stg_leads")] == ["email", "first_name", "last_name", "phone", "ip_address"]
    target = tmp_path / "masked.duckdb"
    publish(settings.warehouse_path, target, run_id="pii-test", mask=mask, salt="s3cret", temp_dir=tmp_path)
    with _warehouse(settings) as con:
        clear = con.execute("select person_id, email, phone from marts.dim_leads order by person_id").fetchall()
        secrets = {v for (v,) in con.execute("select email from staging.stg_leads where email like '%@%'").fetchall()}
        secrets |= {v for (v,) in con.execute("select phone from staging.stg_leads where len(phone) >= 7").fetchall()}
    masked_con = duckdb.connect(str(target), read_only=True)
    try:
        masked = masked_con.execute("select person_id, email, phone from marts.dim_leads order by person_id").fetchall()

        def digest(value: str | None) -> str | None:
            return None if value is None else hashlib.sha256(("s3cret" + value).encode()).hexdigest()

        assert masked == [(p, digest(e), digest(ph)) for p, e, ph in clear]
        assert masked_con.execute("select pii_masked from main.leadflow_publish").fetchone() == (True,)
        masked_con.execute("create temp table secrets (v varchar)")
        masked_con.executemany("insert into secrets values (?)", [[v] for v in secrets])
        columns = masked_con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where schema_name in ('staging', 'marts') and data_type = 'VARCHAR'"
        ).fetchall()
        leaks = [
            f"{s}.{t}.{c}"
            for s, t, c in columns
            if masked_con.execute(f'select count(*) from {s}.{t} where "{c}" in (select v from secrets)').fetchone()[0]
        ]
        evidence = masked_con.execute("select count(*) from marts.lead_crosswalk where match_evidence like '%@%'")
        assert len(secrets) > 1000 and leaks == [] and evidence.fetchone()[0] == 0
    finally:
        masked_con.close()


def _differences(con: duckdb.DuckDBPyConnection, left: str, right: str) -> dict[str, int]:
    """Rows of each published table that differ between two databases. Rows are paired after sorting on every
    column; doubles match within 1e-9 relative (an average over rows summed in another order may differ in its
    last bits, and rounding would only move the problem to the rounding boundary); everything else exactly."""
    tables = con.execute(
        f"select schema_name, table_name from duckdb_tables() where database_name = '{left}' "
        "and schema_name in ('staging', 'marts', 'reference') order by 1, 2"
    ).fetchall()
    differ = {}
    for schema, table in tables:
        columns = con.execute(
            "select column_name, data_type in ('DOUBLE', 'FLOAT') from duckdb_columns() "
            "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
            [left, schema, table],
        ).fetchall()
        exact = [f'"{name}"' for name, is_double in columns if not is_double]
        doubles = [f'"{name}"' for name, is_double in columns if is_double]
        order = ", ".join(exact + [f"round({d}, 4)" for d in doubles])
        unequal = [f"l.{c} is distinct from r.{c}" for c in exact] + [
            f"(l.{d} is null) <> (r.{d} is null) or abs(l.{d} - r.{d}) > 1e-9 * greatest(1, abs(l.{d}))"
            for d in doubles
        ]
        count = con.execute(
            f"""
            with l as (select *, row_number() over (order by {order}) as _n from {left}.{schema}.{table}),
            r as (select *, row_number() over (order by {order}) as _n from {right}.{schema}.{table})
            select count(*) from l full join r on l._n = r._n
            where l._n is null or r._n is null or {" or ".join(f"({u})" for u in unequal)}
            """
        )
        differ[f"{schema}.{table}"] = count.fetchone()[0]
    return differ


def test_incremental_runs_after_daily_batches_equal_a_full_rebuild_on_every_published_table(
    e2e_runs: E2ERuns,
) -> None:
    dbt_step = ["leadflow_dbt_assets"]
    # the first run had nothing to add to; the daily runs really were incremental; --full-refresh rebuilt all
    assert e2e_runs.incremental[0].full_refresh_steps == dbt_step
    assert [run.full_refresh_steps for run in e2e_runs.incremental[1:]] == [[], []]
    assert e2e_runs.full.full_refresh_steps == dbt_step
    con = duckdb.connect()
    con.execute(f"attach '{e2e_runs.incremental_copy}' as incremental (read_only)")
    con.execute(f"attach '{e2e_runs.settings.analytics_path}' as rebuilt (read_only)")
    incremental = _differences(con, "incremental", "rebuilt")
    rebuilt = _differences(con, "rebuilt", "incremental")
    assert set(incremental) == set(rebuilt)
    assert len(incremental) > 60 and sum(1 for t in incremental if t.startswith("marts.")) > 30
    assert {t: n for t, n in incremental.items() if n} == {}
    rows = con.execute("select count(*) from incremental.staging.stg_activities").fetchone()[0]
    assert rows > 50_000


def test_late_arriving_activities_in_a_daily_file_are_staged_like_any_other(e2e_runs: E2ERuns) -> None:
    """A daily export carries activities that happened weeks before its day: the incremental run stages them
    (and the equality above shows every mart counts them as a full rebuild does)."""
    last_batch = [f for f in e2e_runs.batches[-1] if f.startswith("activities/")]
    first_day = min(DAILY_FILE.search(f).group(1) for f in last_batch)
    files = ", ".join(f"'{f}'" for f in last_batch)
    with duckdb.connect(str(e2e_runs.incremental_copy), read_only=True) as con:
        late, landed = con.execute(
            f"select count(*) filter (where occurred_at < timestamp '{first_day}'), count(*) "
            f"from staging.stg_activities where source_file in ({files})"
        ).fetchone()
    assert late > 100 and landed > late
