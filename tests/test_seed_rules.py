"""RevOps' typos in the rule seeds: each must stop the run with the seed file, the row, the column and the value,
instead of silently never matching (a region's leads all in the fallback queue, hot leads without a band).

The project is copied with edited seeds and only the seeds and tests/dbt/assert_seed_rules_are_consistent.sql
are built, on a scratch warehouse; the summary line is what leadflow's run summary shows for the failed test
(orchestration.dbt.failed_test_rows, reading the failing rows with the test's own SQL).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt import failed_test_rows
from orchestration.project import dbt_executable
from orchestration.settings import ROOT

TEST = "assert_seed_rules_are_consistent"


def _edit(path: Path, key_column: str, key: str, changes: dict[str, str]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    hits = [r for r in rows if r[key_column] == key]
    assert hits, (path.name, key)
    for row in hits:
        row.update(changes)
    _write(path, rows)


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _append(path: Path, row: dict[str, str]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    _write(path, [*rows, {**dict.fromkeys(rows[0], ""), **row}])


def _build(project: Path, warehouse: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    target = project / "target"
    env = {
        **os.environ,
        "LEADFLOW_WAREHOUSE_PATH": str(warehouse),
        "LEADFLOW_TEMP_DIR": str(project / "tmp"),
        "DBT_USE_COLORS": "false",
    }
    proc = subprocess.run(
        [dbt_executable(), "build", "--select", f"resource_type:seed {TEST}", "--indirect-selection", "cautious",
         "--project-dir", str(project),
         "--profiles-dir", str(project), "--target-path", str(target)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return proc, target / "run_results.json"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the dbt project (models, macros, seeds, dbt tests) whose seeds a test may edit."""
    root = tmp_path_factory.mktemp("seed-rules")
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy2(ROOT / name, root / name)
    for folder in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def test_the_shipped_seeds_pass(project: Path, tmp_path: Path) -> None:
    proc, results = _build(project, tmp_path / "warehouse.duckdb")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert failed_test_rows(results, tmp_path / "warehouse.duckdb") == []


def test_typos_in_the_rules_are_named_by_file_row_column_and_value(project: Path, tmp_path: Path) -> None:
    edited = tmp_path / "project"
    shutil.copytree(project, edited)
    seeds = edited / "seeds"
    # from the helper's audit, each a run that succeeded with wrong marts before
    _edit(seeds / "routing_rules.csv", "rule_id", "emea", {"target_team": "emea_sdrs"})
    sizes = {"min_employees": "1000", "max_employees": "100"}
    _edit(seeds / "routing_rules.csv", "rule_id", "na_enterprise_named", sizes)
    _edit(seeds / "routing_rules.csv", "rule_id", "na", {"score_bands": "immediat"})
    with (seeds / "score_bands.csv").open(newline="", encoding="utf-8") as handle:
        bands = list(csv.DictReader(handle))
    for band in bands:
        if band["model_version"] == "v2_weighted" and band["band"] == "working":
            band["min_score"] = "35"  # a gap: 30 to 35 has no band
        if band["model_version"] == "v1_points" and band["band"] == "working":
            band["min_score"] = "15"  # an overlap: 15 to 20 in two bands
    _write(seeds / "score_bands.csv", bands)
    _edit(seeds / "sla_policies.csv", "tier", "demo_request", {"arrival_types": "demo-request"})
    with (seeds / "fx_rates.csv").open(newline="", encoding="utf-8") as handle:
        rates = list(csv.DictReader(handle))
    for rate in rates:
        if (rate["currency"], rate["valid_from"]) == ("EUR", "2024-03-01"):
            rate["rate_to_reporting"] = "-" + rate["rate_to_reporting"]
    _write(seeds / "fx_rates.csv", rates)
    _edit(seeds / "attribution_models.csv", "attribution_model", "w_shaped", {"other_weight": "-0.3"})
    pasted_twice = {"model_version": "v2_weighted", "rule_id": "intent_demo_request", "track": "intent",
                    "activity_type": "demo_request", "points": "20"}  # fmt: skip
    _append(seeds / "scoring_rules.csv", pasted_twice)
    _edit(seeds / "scoring_rules.csv", "rule_id", "engagement_email_click", {"activity_type": "email_clicks"})
    _edit(seeds / "country_aliases.csv", "alias", "usa", {"alias": "USA"})
    _append(seeds / "activity_type_map.csv", {"source_value": "chat started", "activity_type": "chat",
                                              "activity_category": "engagement"})  # fmt: skip
    warehouse = tmp_path / "warehouse.duckdb"

    proc, results = _build(edited, warehouse)

    assert proc.returncode == 1 and "FAIL" in proc.stdout and TEST in proc.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = json.loads(results.read_text())["results"]
        code = next(r for r in runs if r["unique_id"].split(".")[2] == TEST)["compiled_code"]
        problems = {(f, k, c, v) for f, k, c, v, _ in con.execute(code).fetchall()}
    assert problems == {
        ("routing_rules.csv", "emea", "target_team", "emea_sdrs"),
        ("routing_rules.csv", "na_enterprise_named", "min_employees", "1000 (max_employees 100)"),
        ("routing_rules.csv", "na", "score_bands", "immediat"),
        ("scoring_rules.csv", "v2_weighted engagement_email_click", "activity_type", "email_clicks"),
        ("score_bands.csv", "v2_weighted working", "min_score", "35.0"),
        ("score_bands.csv", "v1_points working", "min_score", "15.0"),
        ("sla_policies.csv", "demo_request", "arrival_types", "demo-request"),
        ("fx_rates.csv", "EUR 2024-03-01", "rate_to_reporting", "-1.060400"),
        ("attribution_models.csv", "w_shaped", "other_weight", "-0.3"),
        ("scoring_rules.csv", "v2_weighted intent_demo_request", "rule_id", "intent_demo_request (2 rows)"),
        ("country_aliases.csv", "USA", "alias", "USA"),
        ("activity_type_map.csv", "chat started", "activity_type", "chat"),
    }
    # what the run summary shows: the test, the count and the first rows with every column
    header, *samples = failed_test_rows(results, warehouse)
    assert header == f"test {TEST} failed on 12 rows, e.g.:"
    assert len(samples) == 3
    for line in samples:
        assert line.startswith("  seed_file='") and ", row_key='" in line and ", expected='" in line
    assert samples[1] == (
        "  seed_file='attribution_models.csv', row_key='w_shaped', column_name='other_weight', found='-0.3', "
        "expected='a weight of 0 or more (weights are scaled to 100% per deal)'"
    )


def test_the_canonical_activity_types_are_the_staging_models_accepted_values() -> None:
    """The seed check repeats stg_activities' accepted activity types (SQL cannot read a yml file)."""
    import re

    import yaml

    models = yaml.safe_load((ROOT / "models" / "staging" / "_staging__models.yml").read_text(encoding="utf-8"))
    (stg_activities,) = [m for m in models["models"] if m["name"] == "stg_activities"]
    (column,) = [c for c in stg_activities["columns"] if c["name"] == "activity_type"]
    accepted = next(t["accepted_values"]["arguments"]["values"] for t in column["data_tests"] if "accepted_values" in t)
    sql = (ROOT / "tests" / "dbt" / f"{TEST}.sql").read_text(encoding="utf-8")
    listed = sql.split("keep in step with models/staging/_staging__models.yml")[1].split(")")[1]
    assert re.findall(r"'([a-z_]+)'", listed) == accepted


def test_a_scoring_version_edited_in_place_is_said_in_the_summary(tmp_path: Path) -> None:
    """Editing a published version's rules recomputes its whole history under the same name (the helper's audit:
    v2's average score moved with no word). A new version, the active switch or a description is not an edit."""
    from orchestration.dbt import record_scoring_versions
    from orchestration.run import RunSummary, _collect_warehouse_facts, format_summary

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema reference")
        for table in ("scoring_models", "scoring_rules", "score_bands"):
            con.execute(f"create table reference.{table} as select * from read_csv(?, header = true)",
                        [str(ROOT / "seeds" / f"{table}.csv")])  # fmt: skip
    assert record_scoring_versions(warehouse, "run-1") == []

    with duckdb.connect(str(warehouse)) as con:
        for table in ("scoring_models", "scoring_rules", "score_bands"):
            con.execute(
                f"insert into reference.{table} by name "
                f"select * replace ('v4_weighted' as model_version) from reference.{table} "
                "where model_version = 'v2_weighted'"
            )
        con.execute("update reference.scoring_rules set points = points + 5 where model_version = 'v4_weighted'")
        con.execute("update reference.scoring_models set is_active = (model_version = 'v4_weighted')")
        con.execute("update reference.scoring_models set description = 'reworded' where model_version = 'v1_points'")
    assert record_scoring_versions(warehouse, "run-2") == []

    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update reference.scoring_rules set points = 35 "
            "where model_version = 'v2_weighted' and rule_id = 'intent_demo_request'"
        )
        v1_bands = "update reference.score_bands set {} = 25 where model_version = 'v1_points' and band = '{}'"
        con.execute(v1_bands.format("min_score", "working"))
        con.execute(v1_bands.format("max_score", "nurture"))
    assert record_scoring_versions(warehouse, "run-3") == ["v1_points", "v2_weighted"]
    assert record_scoring_versions(warehouse, "run-4") == []  # said once, in the run that built the edit

    summary = RunSummary(run_id="run-3", started_at="", finished_at="", success=True, published=True,
                         analytics_path="", warehouse_path=str(warehouse))  # fmt: skip
    _collect_warehouse_facts(summary, warehouse)
    assert summary.scoring_versions_edited == ["v1_points", "v2_weighted"]
    assert "  scoring versions edited in place: v1_points, v2_weighted: their score history" in format_summary(summary)


def test_a_build_without_the_scoring_seeds_records_no_version(tmp_path: Path) -> None:
    """A hand-picked build in the Dagster UI may never load the scoring seeds: nothing to compare, no error."""
    from orchestration.dbt import record_scoring_versions

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert record_scoring_versions(warehouse, "run-1") == []
