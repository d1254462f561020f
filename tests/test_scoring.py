"""Lead scoring on hand-made data whose scores are computed by hand: every rule operator, decay and
lookback, the inactivity penalty, MQL timing, the fit guardrail, current scores with their reasons, and
no look-ahead (removing a lead's later activities changes none of its earlier scores)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.project import dbt_executable
from orchestration.run import run_pipeline
from orchestration.settings import ROOT, Settings
from tests.conftest import scratch_dbt_env, settings_for
from tests.landing import write_csv

LEADS = [
    ["lead_id", "source_system", "created_at", "email", "first_name", "last_name", "job_title", "company_name",
     "employee_count", "industry", "country"],
    # P: fit 20 (size) + 10 (Software) + 10 (VP) = 40
    ["P1", "hubspot", "2026-01-01T00:00:00Z", "pat@acmefit.com", "Pat", "Lee", "VP Sales", "Acmefit", "120",
     "Software", "US"],
    # Q: outside the supported regions (-20), nothing else: intent alone must not make an MQL
    ["Q1", "hubspot", "2026-01-05T00:00:00Z", "quinn@brfood.com.br", "Quinn", "Souza", "", "Brfood", "", "",
     "Brazil"],
    ["H1", "hubspot", "2026-01-02T00:00:00Z", "hana@later.io", "Hana", "Kim", "", "Later", "", "", "US"],
]  # fmt: skip
ACTIVITY_HEADER = ["activity_id", "lead_id", "source_system", "activity_type", "occurred_at"]
P_ACTIVITIES = [
    ["X1", "P1", "hubspot", "Demo Request", "2026-01-01T01:00:00Z"],
    ["X2", "P1", "hubspot", "email_reply", "2026-01-31T01:00:00Z"],
]
OTHER_ACTIVITIES = [
    *[[f"Q{i}", "Q1", "hubspot", "Demo Request", f"2026-01-05T0{i}:00:00Z"] for i in range(1, 6)],
    # the latest activity in the data: the scoring horizon is 2026-05-01
    ["H9", "H1", "hubspot", "Page View", "2026-05-01T00:00:00Z"],
]
CUTOFF = "2026-01-15 00:00:00"


def _landing(landing: Path, p_activities: list[list[str]]) -> None:
    write_csv(landing / "leads" / "leads_2026-01.csv", LEADS[0], LEADS[1:])
    write_csv(landing / "activities" / "activities_2026.csv", ACTIVITY_HEADER, p_activities + OTHER_ACTIVITIES)
    write_csv(
        landing / "deals" / "deals_2026.csv",
        ["deal_id", "lead_id", "source_system", "created_at", "stage"],
        [["D1", "H1", "hubspot", "2026-03-01T00:00:00Z", "Qualification"]],
    )


def _run(tmp_path_factory: pytest.TempPathFactory, name: str, p_activities: list[list[str]]):
    monkeypatch = pytest.MonkeyPatch()
    settings = settings_for(tmp_path_factory.mktemp(name) / "data", monkeypatch)
    _landing(settings.landing_dir, p_activities)
    summary = run_pipeline(settings)
    assert summary.success, summary.to_json()
    return settings, monkeypatch


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings, monkeypatch = _run(tmp_path_factory, "scoring", P_ACTIVITIES)
    yield settings
    monkeypatch.undo()


@pytest.fixture(scope="module")
def scored_without_later_activities(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    earlier = [a for a in P_ACTIVITIES if a[4].replace("T", " ").rstrip("Z") < CUTOFF]
    assert len(earlier) < len(P_ACTIVITIES)
    settings, monkeypatch = _run(tmp_path_factory, "scoring_cut", earlier)
    yield settings
    monkeypatch.undo()


def _history(settings: Settings, lead_id: str, version: str) -> list[tuple]:
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    rows = con.execute(
        """
        select h.scored_at::varchar, h.fit_points, h.intent_points, h.score, h.score_band, h.is_mql,
               h.is_mql_crossing, h.needs_fit_confirmation, h.changed_by_rules
        from marts.fct_lead_score_history h
        join (select distinct person_id from marts.lead_crosswalk where lead_id = ?) p using (person_id)
        where h.model_version = ?
        order by h.scored_at
        """,
        [lead_id, version],
    ).fetchall()
    con.close()
    return rows


def test_score_history_decays_expires_and_penalises_inactivity_as_computed_by_hand(scored: Settings) -> None:
    rows = _history(scored, "P1", "v1_points")
    assert [r[0] for r in rows] == [
        "2026-01-01 00:00:00",  # created: fit known
        "2026-01-01 01:00:00",  # demo request +15
        "2026-01-31 01:00:00",  # email reply +8; the demo has decayed one half-life (30 days)
        "2026-03-02 01:00:00",  # 30 days without engagement: -10
        "2026-04-01 01:00:00",  # demo (90-day lookback) and reply (60-day lookback) expire together
    ]
    expected_intent = [0, 15, 15 * 0.5 + 8, 15 * 0.25 + 8 * 0.5 - 10, -10]
    for row, intent in zip(rows, expected_intent, strict=True):
        assert row[1] == 40
        assert row[2] == pytest.approx(intent, abs=1e-6)
        assert row[3] == pytest.approx(40 + intent, abs=1e-4)
    assert [r[4] for r in rows] == ["working", "immediate", "immediate", "working", "working"]
    # MQL (v1 threshold 50) the moment the demo request lands, and only then
    assert [r[6] for r in rows] == [False, True, False, False, False]
    # what moved the score each time, sorted and comma-separated
    assert [r[8] for r in rows] == [
        "fit_director_plus,fit_icp_industry,fit_size_50_500,lead_created",
        "intent_demo_request",
        "intent_email_reply",
        "intent_no_engagement_30d",
        "intent_demo_request,intent_email_reply",
    ]


def test_intent_alone_never_makes_an_mql_without_fit(scored: Settings) -> None:
    rows = _history(scored, "Q1", "v1_points")
    peak = max(rows, key=lambda r: r[3])
    assert peak[1] == -20 and peak[3] > 50  # five demo requests: 75 intent points, score above 50
    assert not any(r[5] for r in rows)  # never an MQL
    assert peak[7]  # flagged for fit confirmation instead


def test_dim_leads_shows_the_active_version_with_mql_time_and_reasons(scored: Settings) -> None:
    con = duckdb.connect(str(scored.analytics_path), read_only=True)
    row = con.execute(
        """select score_model_version, lead_score, score_band, mql_at::varchar, score_top_reasons,
                  needs_fit_confirmation
           from marts.dim_leads d
           join (select distinct person_id from marts.lead_crosswalk where lead_id = 'P1') p using (person_id)"""
    ).fetchone()
    v1 = con.execute(
        """select score, top_reasons from marts.fct_lead_scores_current c
           join (select distinct person_id from marts.lead_crosswalk where lead_id = 'P1') p using (person_id)
           where model_version = 'v1_points'"""
    ).fetchone()
    con.close()
    # v2_weighted at 2026-05-01: fit 40/40 -> 40; intent and engagement expired, inactivity clamps to 0
    assert row[:4] == ("v2_weighted", 40, "working", "2026-01-01 01:00:00")  # demo: 40 + 0.4 * 20/40 * 100
    assert row[4] == "fit_size_50_500 +20.0; engagement_no_engagement_30d -10.0; fit_director_plus +10.0"
    assert row[5] is False
    assert v1 == (30, "fit_size_50_500 +20.0; fit_director_plus +10.0; fit_icp_industry +10.0")


def test_removing_later_activities_changes_no_earlier_score(
    scored: Settings, scored_without_later_activities: Settings
) -> None:
    for version in ("v1_points", "v2_weighted"):
        for lead in ("P1", "Q1", "H1"):
            full = _history(scored, lead, version)
            cut = _history(scored_without_later_activities, lead, version)
            assert [r for r in full if r[0] < CUTOFF] == [r for r in cut if r[0] < CUTOFF], (version, lead)
    # and the later activity did matter after the cutoff, so the comparison can fail
    assert _history(scored, "P1", "v1_points") != _history(scored_without_later_activities, "P1", "v1_points")


def test_changed_by_rules_spells_every_rule_whatever_the_mask_width(scored: Settings, tmp_path: Path) -> None:
    """int_lead_score_instants ORs one bit per rule and spells each distinct mask out once. Rebuilt with two bits
    per mask column (eight columns for the sixteen rule ids), it must still give, at every moment, the sorted
    distinct rules of the contributions taking effect then, computed here straight from the contributions."""
    shutil.copyfile(scored.warehouse_path, tmp_path / "warehouse.duckdb")
    env = scratch_dbt_env(tmp_path)
    proc = subprocess.run(
        [dbt_executable(), "run", "--select", "int_lead_score_instants", "--vars", "{leadflow_rule_mask_bits: 2}",
         "--target-path", str(tmp_path / "target"), "--profiles-dir", str(ROOT)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    compiled = next((tmp_path / "target" / "run").rglob("int_lead_score_instants.sql")).read_text()
    assert "rule_mask_7" in compiled and "rule_mask_8" not in compiled
    expected_sql = """
        select person_id, model_version, effective_at as scored_at,
               array_to_string(list_sort(list_distinct(list(rule_id))), ',') as changed_by_rules
        from intermediate.int_lead_score_contributions
        group by all
        order by all
    """
    built_sql = "select person_id, model_version, scored_at, changed_by_rules from intermediate.int_lead_score_instants"
    for warehouse in (scored.warehouse_path, tmp_path / "warehouse.duckdb"):
        con = duckdb.connect(str(warehouse), read_only=True)
        expected = con.execute(expected_sql).fetchall()
        built = con.execute(built_sql + " order by all").fetchall()
        con.close()
        assert built == expected, warehouse
    assert any("," in row[3] for row in expected)  # moments with several rules were compared


def test_predictive_version_is_skipped_with_a_reason_when_outcomes_are_too_few(scored: Settings) -> None:
    con = duckdb.connect(str(scored.warehouse_path), read_only=True)
    metadata = json.loads(con.execute("select metadata from ml.lead_model_training").fetchone()[0])
    predictions = con.execute("select count(*) from ml.lead_predictions").fetchone()[0]
    con.close()
    assert metadata["status"] == "skipped" and "too few" in metadata["reason"]
    assert predictions == 0


CASES = [
    # operator, rule value, text, number, expected
    ("eq", "Software", "software", None, True),
    ("eq", "Software", "Healthcare", None, False),
    ("eq", "Software", None, None, False),
    ("neq", "Software", "Healthcare", None, True),
    ("neq", "Software", "SOFTWARE", None, False),
    ("in", "Software|Financial Services", "financial services", None, True),
    ("in", "Software|Financial Services", "Retail", None, False),
    ("not_in", "NA|EMEA|APAC", "LATAM", None, True),
    ("not_in", "NA|EMEA|APAC", "emea", None, False),
    ("not_in", "NA|EMEA|APAC", None, None, False),
    ("contains", "/pricing", "https://www.lumenary.io/Pricing?plan=pro", None, True),
    ("contains", "/pricing", "https://www.lumenary.io/demo", None, False),
    ("gt", "3", "4", 4.0, True),
    ("gt", "3", "3", 3.0, False),
    ("gte", "3", "3", 3.0, True),
    ("gte", "3", "2", 2.0, False),
    ("lt", "50", "49", 49.0, True),
    ("lt", "50", "50", 50.0, False),
    ("lte", "50", "50", 50.0, True),
    ("lte", "50", "51", 51.0, False),
    ("between", "50|500", "50", 50.0, True),
    ("between", "50|500", "500", 500.0, True),
    ("between", "50|500", "501", 501.0, False),
    ("between", "50|500", None, None, False),
    ("is_null", "", None, None, True),
    ("is_null", "", "x", None, False),
    ("not_null", "", "x", None, True),
    ("not_null", "", None, None, False),
    ("unknown_operator", "x", "x", None, False),
]


def test_every_rule_operator(tmp_path: Path) -> None:
    """rule_matches, compiled by dbt exactly as the models use it, on a table of hand-written cases."""

    def literal(value: object) -> str:
        if value is None:
            return "null"
        return str(value) if isinstance(value, float) else "'" + str(value).replace("'", "''") + "'"

    rows = ", ".join(
        f"({i}, {literal(o)}, {literal(v)}, {literal(t)}, cast({literal(n)} as double))"
        for i, (o, v, t, n, _) in enumerate(CASES)
    )
    inline = (
        f"select case_id, {{{{ rule_matches('operator', 'rule_value', 'text_value', 'number_value') }}}} as matched "
        f"from (values {rows}) as cases(case_id, operator, rule_value, text_value, number_value) order by case_id"
    )
    env = scratch_dbt_env(tmp_path)
    proc = subprocess.run(
        [dbt_executable(), "show", "--inline", inline, "--limit", "-1", "--output", "json", "--log-format", "json",
         "--target-path", str(tmp_path / "target"), "--profiles-dir", str(ROOT)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    preview = next(
        json.loads(line)["data"]["preview"]
        for line in proc.stdout.splitlines()
        if line.startswith("{") and "preview" in json.loads(line).get("data", {})
    )
    result = {r["case_id"]: r["matched"] for r in json.loads(preview)}
    assert result == {i: expected for i, (*_, expected) in enumerate(CASES)}
    with (ROOT / "seeds" / "scoring_rules.csv").open(newline="") as handle:
        seed_operators = {row["operator"] for row in csv.DictReader(handle)}
    tested = {c[0] for c in CASES}
    assert seed_operators - {""} <= tested
