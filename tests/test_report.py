"""The weekly report on generated S data: every KPI tile against an independent SQL query on the analytics
file, empty weeks, the index, the Dagster asset and schedule, the CLI, a real browser rendering the pages, the
analyst guide's example queries, Parquet export and the dbt docs site."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.report import (
    KPIS,
    ReportResult,
    build_report,
    format_value,
    parse_week,
    week_label,
    won_revenue_by_channel,
)
from orchestration.run import run_pipeline
from orchestration.settings import ROOT, Settings
from tests.conftest import settings_for

ARTIFACTS = ROOT / "tests" / "artifacts"


@dataclass
class Built:
    settings: Settings
    monday: dt.date
    result: ReportResult


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from orchestration.generate import generate

    monkeypatch = pytest.MonkeyPatch()
    data = tmp_path_factory.mktemp("report") / "data"
    settings = settings_for(data, monkeypatch)
    generate(out=data, n_leads=4000, seed=21)
    summary = run_pipeline(settings)
    assert summary.success, summary.to_json()
    result = build_report(settings.analytics_path, settings.reports_dir)  # the latest complete week
    yield Built(settings, parse_week(result.week), result)
    monkeypatch.undo()


class _Tiles(HTMLParser):
    """Collects the KPI tiles: data-kpi, data-value and the texts of the value and delta elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: dict[str, dict[str, str]] = {}
        self._kpi: str | None = None
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-kpi" in a:
            self._kpi = a["data-kpi"] or ""
            self.tiles[self._kpi] = {"data-value": a.get("data-value") or ""}
        elif self._kpi and tag == "div":
            classes = (a.get("class") or "").split()
            self._field = "value" if "value" in classes else "delta" if "delta" in classes else None

    def handle_data(self, data: str) -> None:
        if self._kpi and self._field:
            self.tiles[self._kpi][self._field] = self.tiles[self._kpi].get(self._field, "") + data

    def handle_endtag(self, tag: str) -> None:
        if self._field:
            self._field = None
        elif tag == "div" and self._kpi and "delta" in self.tiles[self._kpi]:
            self._kpi = None


def _tiles(path: Path) -> dict[str, dict[str, str]]:
    parser = _Tiles()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tiles


def _expected_kpis(settings: Settings, monday: dt.date) -> dict[str, float | None]:
    """The week's numbers straight from the facts (not from mart_weekly_kpis), one plain query each."""
    end = monday + dt.timedelta(days=7)
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:

        def one(sql: str) -> float | None:
            value = con.execute(sql, {"start": monday, "end": end}).fetchone()[0]
            return None if value is None else float(value)

        in_week = "between $start and $end - interval 1 microsecond"
        expected = {
            "new_leads": one(f"select count(*) from marts.fct_lead_lifecycle where created_at {in_week}"),
            "mqls": one(f"select count(*) from marts.fct_lead_lifecycle where mql_at {in_week}"),
            "sqls": one(f"select count(*) from marts.fct_lead_lifecycle where sql_at {in_week}"),
            "opportunities": one(f"select count(*) from marts.fct_lead_lifecycle where opportunity_at {in_week}"),
            "won_revenue": one(
                f"select coalesce(sum(amount_reporting), 0) from marts.fct_deals where is_won and closed_at {in_week}"
            ),
            "mql_to_sql_pct": one(
                "select 100.0 * count(sql_at) / nullif(count(*), 0) from marts.fct_lead_lifecycle "
                f"where mql_at {in_week}"
            ),
            "median_speed_to_lead_minutes": one(
                "select median(response_minutes) from marts.fct_lead_sla "
                f"where sla_type = 'first_response' and started_at {in_week}"
            ),
            "sla_compliance_pct": one(
                "select 100.0 * count(*) filter (where sla_status = 'met') / nullif(count(*) filter "
                "(where sla_status != 'open'), 0) from marts.fct_lead_sla "
                f"where sla_type = 'first_response' and started_at {in_week}"
            ),
        }
    # stale at the week's end: active status then, and no activity in the 14 days before (the private
    # warehouse holds the activities); a correlated max() rather than the mart's ASOF join
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        as_of = con.execute("select max(as_of) from marts.fct_lead_aging").fetchone()[0]
        moment = min(dt.datetime.combine(end, dt.time()), as_of)
        expected["stale_leads"] = float(
            con.execute(
                """
                select count(*) from marts.fct_lead_status_history s
                join reference.aging_thresholds t on t.lead_status = s.lead_status and t.is_active
                where s.entered_at <= $t and (s.exited_at is null or s.exited_at > $t)
                  and coalesce((select max(a.occurred_at) from intermediate.int_activities__resolved a
                                where a.person_id = s.person_id and a.occurred_at <= $t)
                               <= $t - interval 14 day, true)
                """,
                {"t": moment},
            ).fetchone()[0]
        )
    return expected


def test_every_kpi_tile_matches_a_query_on_the_analytics_file(built: Built) -> None:
    tiles = _tiles(built.result.report)
    assert list(tiles) == [k.key for k in KPIS]
    expected = _expected_kpis(built.settings, built.monday)
    before = _expected_kpis(built.settings, built.monday - dt.timedelta(days=7))
    assert expected["new_leads"] and expected["mqls"] and expected["stale_leads"]  # a week with real activity
    for kpi in KPIS:
        tile, value = tiles[kpi.key], expected[kpi.key]
        assert float(tile["data-value"]) == pytest.approx(value, rel=1e-9, abs=1e-9), kpi.key
        assert tile["value"] == format_value(kpi.kind, value, "USD"), kpi.key
    # week-over-week: new leads as a percent change, SLA compliance in points
    change = 100 * (expected["new_leads"] - before["new_leads"]) / before["new_leads"]
    assert f"{change:+.1f}% vs last week" in tiles["new_leads"]["delta"]
    points = expected["sla_compliance_pct"] - before["sla_compliance_pct"]
    assert f"{points:+.1f} pts vs last week" in tiles["sla_compliance_pct"]["delta"]


def test_won_revenue_chart_covers_the_twelve_weeks_to_the_week_end(built: Built) -> None:
    """Each model's credits add up to the deal's amount, so the chart's total per model is the revenue of the deals
    won from the Monday 11 weeks back to this week's end. Checked on a week whose 13th week back had a win (a
    window one week too long would count it)."""
    with duckdb.connect(str(built.settings.analytics_path), read_only=True) as con:
        wins = con.execute("select closed_at, amount_reporting from marts.fct_deals where is_won").fetchall()

        def won(start: dt.date, end: dt.date) -> float:
            return sum(float(a) for t, a in wins if start <= t.date() < end)

        checked = []
        for back in range(30):
            monday = built.monday - dt.timedelta(weeks=back)
            twelve = won(monday - dt.timedelta(weeks=11), monday + dt.timedelta(weeks=1))
            if won(monday - dt.timedelta(weeks=12), monday - dt.timedelta(weeks=11)) == 0:
                continue
            chart = won_revenue_by_channel(con, monday)
            for model in ("U-shaped", "first touch", "last touch"):
                assert chart[chart.model == model].revenue.sum() == pytest.approx(twelve, abs=0.01), (monday, model)
            checked.append(monday)
    assert checked  # the data has such weeks (a win in the 13th week back)


def test_a_partial_week_says_so_and_a_complete_one_does_not(built: Built, tmp_path: Path) -> None:
    with duckdb.connect(str(built.settings.analytics_path), read_only=True) as con:
        last, ends = con.execute(
            "select week_start, stale_measured_at from marts.mart_weekly_kpis where is_partial_week"
        ).fetchone()
    assert last > built.monday  # the default report is of the latest complete week, before the partial one
    assert "Partial week" not in built.result.report.read_text(encoding="utf-8")
    partial = build_report(built.settings.analytics_path, tmp_path, week_label(last))
    assert f"Partial week: the data ends {ends:%a %d %b %Y %H:%M} UTC" in partial.report.read_text(encoding="utf-8")


def test_the_trend_chart_labels_each_point_with_its_monday() -> None:
    import pandas as pd

    from orchestration.report import trend_chart

    mondays = [dt.date(2026, 8, 31) + dt.timedelta(weeks=n) for n in range(12)]
    frame = pd.DataFrame({"week_start": mondays, "mql_to_sql_pct": [30.0 + n for n in range(12)]})
    spec = trend_chart(frame, 30.0).to_dict()
    line = spec["layer"][0]
    assert line["encoding"]["x"]["field"] == "week" and line["encoding"]["x"]["type"] == "ordinal"
    rows = spec["datasets"][line["data"]["name"]]
    assert [r["week"] for r in rows] == [f"{m:%d %b}" for m in mondays]  # one label per point, its Monday


def test_a_week_without_data_renders_no_data(built: Built, tmp_path: Path) -> None:
    result = build_report(built.settings.analytics_path, tmp_path, "2019-W10")
    tiles = _tiles(result.report)
    assert {t["value"] for t in tiles.values()} == {"no data"}
    text = result.report.read_text(encoding="utf-8")
    assert text.count('<div class="no-data">no data</div>') == 5  # every weekly chart; aging is a snapshot
    assert "<svg" in text  # the aging snapshot still has its chart


def test_the_index_lists_every_week_built_newest_first(built: Built) -> None:
    older = week_label(built.monday - dt.timedelta(days=14))
    build_report(built.settings.analytics_path, built.settings.reports_dir, older)
    index = (built.settings.reports_dir / "index.html").read_text(encoding="utf-8")
    weeks = re.findall(r"href='(\d{4}-W\d{2})/index.html'", index)
    assert weeks == sorted(weeks, reverse=True) and {built.result.week, older} <= set(weeks)
    for week in weeks:
        assert (built.settings.reports_dir / week / "calibration.html").exists()


def test_pages_render_in_chromium_without_errors(built: Built) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        try:
            for name, path in (("report", built.result.report), ("calibration", built.result.calibration)):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                errors: list[str] = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                requests: list[str] = []
                page.on("request", lambda r, requests=requests: requests.append(r.url))
                page.goto(path.as_uri())
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                charts = page.eval_on_selector_all(
                    ".chart svg",
                    "nodes => nodes.map(n => [n.getBoundingClientRect().width, n.getBoundingClientRect().height,"
                    " n.querySelectorAll('path, rect, line, text').length])",
                )
                assert errors == [], (name, errors)
                assert [r for r in requests if not r.startswith("file:")] == []  # self-contained
                assert len(charts) == (6 if name == "report" else 3), (name, charts)
                assert all(w > 100 and h > 100 and marks > 10 for w, h, marks in charts), (name, charts)
                page.close()
        finally:
            browser.close()


def test_the_dagster_asset_builds_the_week_it_is_given(built: Built) -> None:
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions

    week = week_label(built.monday - dt.timedelta(days=7))
    job = build_definitions(built.settings).resolve_job_def("weekly_report")
    result = job.execute_in_process(
        run_config={"ops": {"weekly_funnel_report": {"config": {"week": week}}}},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    assert (built.settings.reports_dir / week / "index.html").exists()
    [materialization] = result.asset_materializations_for_node("weekly_funnel_report")
    assert materialization.metadata["week"].value == week


def test_the_monday_schedule_reports_the_week_that_just_ended() -> None:
    from dagster import build_schedule_context

    from orchestration.reporting import weekly_funnel_report_schedule

    monday = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # Monday of 2026-W48
    request = weekly_funnel_report_schedule(build_schedule_context(scheduled_execution_time=monday))
    assert request.run_key == "2026-W47"
    assert request.run_config == {"ops": {"weekly_funnel_report": {"config": {"week": "2026-W47"}}}}
    # Monday 07:00 in Sydney is Sunday 20:00 UTC: the UTC week 2026-W47 has not ended, so the report is of W46
    from zoneinfo import ZoneInfo

    sydney = dt.datetime(2026, 11, 23, 7, 0, tzinfo=ZoneInfo("Australia/Sydney"))
    request = weekly_funnel_report_schedule(build_schedule_context(scheduled_execution_time=sydney))
    assert request.run_key == "2026-W46"


def test_the_cli_builds_a_week_and_explains_a_bad_one(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--week", built.result.week]) == 0
    assert str(built.result.report) in capsys.readouterr().out
    assert main(["report", "--week", "2026-W60"]) == 2
    assert "is not a week of ISO year 2026" in capsys.readouterr().err
    assert main(["report", "--week", "last monday"]) == 2
    assert "week must look like 2026-W07" in capsys.readouterr().err


def test_every_analyst_guide_query_runs(built: Built) -> None:
    guide = (ROOT / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", guide, flags=re.DOTALL)
    assert len(queries) == 10
    with duckdb.connect(str(built.settings.analytics_path), read_only=True) as con:
        for number, query in enumerate(queries, start=1):
            rows = con.execute(query).fetchall()
            assert rows, f"example {number} returned no rows"


def test_export_writes_one_parquet_file_per_table(built: Built, tmp_path: Path) -> None:
    assert main(["export", "--out", str(tmp_path), "--schema", "marts"]) == 0
    with duckdb.connect(str(built.settings.analytics_path), read_only=True) as con:
        tables = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        ]
        assert sorted(p.stem for p in (tmp_path / "marts").glob("*.parquet")) == sorted(tables)
        for table in ("fct_deals", "mart_weekly_kpis"):
            exported = con.execute(f"select count(*) from '{tmp_path / 'marts' / table}.parquet'").fetchone()[0]
            assert exported == con.execute(f"select count(*) from marts.{table}").fetchone()[0] > 0


def test_docs_site_documents_the_marts_and_the_exposures(
    built: Built, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["docs", "--no-serve", "--out", str(tmp_path)]) == 0
    # dbt's lines reach a pipe or a log (not a terminal here) without colour codes
    out = capfd.readouterr().out
    assert "Building catalog" in out and "\x1b[" not in out
    site = (tmp_path / "static_index.html").read_text(encoding="utf-8")
    for name in ("mart_weekly_kpis", "weekly_funnel_report", "scoring_calibration_page"):
        assert name in site
    # the catalog holds every built model and seed with the columns and comments the warehouse has
    # (macros/catalog.sql rewrites dbt-duckdb's filter on them)
    catalog = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    built_nodes = {k for k, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed")}
    assert set(catalog["nodes"]) == built_nodes and catalog["errors"] is None
    with duckdb.connect(str(built.settings.warehouse_path), read_only=True) as con:
        for key, node in catalog["nodes"].items():
            meta = node["metadata"]
            columns = con.execute(
                "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ?",
                [meta["schema"], meta["name"]],
            ).fetchall()
            assert {c: column["comment"] for c, column in node["columns"].items()} == dict(columns), key
