"""The weekly leadership funnel report and the RevOps scoring calibration page.

Both are static, self-contained HTML files: charts are Vega-Lite specs (Altair) rendered to SVG by
vl-convert at build time and inlined, so a report opens from an archive, an email attachment or a file
share with no network and no JavaScript. Every number is read from the published analytics file with
plain SQL on the marts (never recomputed in Python), so the report and an analyst's query always agree.

Layout on disk (``reports_dir``, default ``reports/`` beside the data folder)::

    reports/index.html                 every week built so far, newest first
    reports/2026-W46/index.html        the funnel report of that ISO week
    reports/2026-W46/calibration.html  the RevOps calibration page as of that build
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
NO_DATA = '<div class="no-data">no data</div>'


class ReportError(Exception):
    """A report cannot be built (no analytics file, a malformed week): the message says what to do."""


def parse_week(text: str) -> dt.date:
    """``YYYY-Www`` (ISO week) to its Monday."""
    match = WEEK_PATTERN.match(text.strip())
    if not match:
        raise ReportError(f"week must look like 2026-W07 (ISO year, 'W', two-digit week), got {text!r}")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ReportError(f"{text!r} is not a week of ISO year {year}: {exc}") from None


def week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def previous_week(today: dt.date) -> dt.date:
    """Monday of the last complete ISO week before ``today`` (what a Monday-morning schedule reports on)."""
    return today - dt.timedelta(days=today.weekday() + 7)


# --- reading the marts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    kind: str  # count, money, pct, minutes
    higher_is_better: bool


KPIS = [
    Kpi("new_leads", "New leads", "count", True),
    Kpi("mqls", "MQLs", "count", True),
    Kpi("sqls", "SQLs", "count", True),
    Kpi("opportunities", "Opportunities", "count", True),
    Kpi("won_revenue", "Won revenue", "money", True),
    Kpi("mql_to_sql_pct", "MQL → SQL", "pct", True),
    Kpi("median_speed_to_lead_minutes", "Median speed to lead (business time)", "minutes", False),
    Kpi("sla_compliance_pct", "SLA compliance", "pct", True),
    Kpi("stale_leads", "Stale leads", "count", False),
]

KPI_SQL = f"select week_start, {', '.join(k.key for k in KPIS)} from marts.mart_weekly_kpis where week_start = ?"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def read_kpis(con: duckdb.DuckDBPyConnection, monday: dt.date) -> dict[str, float | None]:
    row = con.execute(KPI_SQL, [monday]).fetchone()
    if row is None:
        return {k.key: None for k in KPIS}
    return {k.key: _number(v) for k, v in zip(KPIS, row[1:], strict=True)}


def format_value(kind: str, value: float | None, currency: str = "USD") -> str:
    if value is None:
        return "no data"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "money":
        return f"{currency} {value:,.0f}"
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "minutes":
        return f"{value:,.0f} min" if value < 120 else f"{value / 60:,.1f} h"
    raise ValueError(kind)


def format_delta(kpi: Kpi, value: float | None, previous: float | None) -> tuple[str, str]:
    """Week-over-week change as text and a CSS class (good, bad, flat, none)."""
    if value is None or previous is None:
        return "no data for the week before", "none"
    diff = value - previous
    if kpi.kind == "pct":
        text = f"{diff:+.1f} pts"
    elif previous == 0:
        text = f"{diff:+,.0f}"
    else:
        text = f"{100 * diff / abs(previous):+.1f}%"
    if abs(diff) < 1e-9:
        return f"{text} vs last week", "flat"
    good = (diff > 0) == kpi.higher_is_better
    arrow = "▲" if diff > 0 else "▼"
    return f"{arrow} {text} vs last week", "good" if good else "bad"


# --- charts ---------------------------------------------------------------------------------------------------


def _svg(chart: Any) -> str:
    import vl_convert

    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    return svg[svg.index("<svg") :]


def _chart_or_no_data(frame: pd.DataFrame, draw: Callable[[pd.DataFrame], Any]) -> str:
    if frame.empty:
        return NO_DATA
    return f'<div class="chart">{_svg(draw(frame))}</div>'


def _alt() -> Any:
    import altair as alt

    alt.data_transformers.disable_max_rows()
    return alt


def funnel_chart(frame: pd.DataFrame) -> Any:
    alt = _alt()
    base = alt.Chart(frame).encode(
        y=alt.Y("stage:N", sort=list(frame["stage"]), title=None),
        x=alt.X("entered:Q", title="persons entering the stage this week"),
    )
    bars = base.mark_bar(color="#2b6cb0")
    labels = base.mark_text(align="left", dx=4).encode(text=alt.Text("entered:Q", format=","))
    return (bars + labels).properties(width=520, height=220)


def trend_chart(frame: pd.DataFrame, goal: float) -> Any:
    """One point per week, labelled by its Monday: on a time axis Vega put its ticks on Sundays, between points."""
    alt = _alt()
    weeks = frame.assign(week=pd.to_datetime(frame["week_start"]).dt.strftime("%d %b"))
    line = (
        alt.Chart(weeks)
        .mark_line(point=True, color="#2b6cb0")
        .encode(
            x=alt.X("week:O", sort=None, title="week starting (Monday)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("mql_to_sql_pct:Q", title="MQL → SQL %"),
            tooltip=[alt.Tooltip("week:O", title="week of"), alt.Tooltip("mql_to_sql_pct:Q", format=".1f")],
        )
    )
    rule = alt.Chart(pd.DataFrame({"goal": [goal]})).mark_rule(color="#c05621", strokeDash=[6, 4]).encode(y="goal:Q")
    return (line + rule).properties(width=520, height=220)


def revenue_chart(frame: pd.DataFrame) -> Any:
    alt = _alt()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("channel:N", title=None, sort="-x"),
            x=alt.X("revenue:Q", title="won revenue"),
            color=alt.Color("model:N", title="attribution model", legend=alt.Legend(orient="bottom")),
            yOffset="model:N",
        )
        .properties(width=440, height=alt.Step(9))
    )


def aging_chart(frame: pd.DataFrame) -> Any:
    alt = _alt()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("aging_bucket:N", sort=alt.SortField("aging_bucket_order"), title="time in status"),
            y=alt.Y("leads:Q", title="active leads"),
            color=alt.Color("lead_status:N", title="status", legend=alt.Legend(orient="bottom", columns=4)),
        )
        .properties(width=440, height=220)
    )


def sla_chart(frame: pd.DataFrame) -> Any:
    alt = _alt()
    base = alt.Chart(frame).encode(
        y=alt.Y("team:N", title=None, sort="-x"),
        x=alt.X("compliance_pct:Q", title="first-response SLA met, %", scale=alt.Scale(domain=[0, 100])),
    )
    labels = base.mark_text(align="left", dx=4).encode(text=alt.Text("compliance_pct:Q", format=".1f"))
    return (base.mark_bar(color="#2f855a") + labels).properties(width=480, height=alt.Step(24))


def reasons_chart(frame: pd.DataFrame) -> Any:
    alt = _alt()
    base = alt.Chart(frame).encode(
        y=alt.Y("reason:N", title=None, sort="-x"),
        x=alt.X("persons:Q", title="persons disqualified, last 4 weeks"),
    )
    labels = base.mark_text(align="left", dx=4).encode(text="persons:Q")
    return (base.mark_bar(color="#9b2c2c") + labels).properties(width=480, height=alt.Step(22))


def calibration_chart(frame: pd.DataFrame) -> Any:
    alt = _alt()
    diagonal = alt.Chart(pd.DataFrame({"p": [0.0, 1.0]})).mark_line(color="#a0aec0", strokeDash=[4, 4])
    diagonal = diagonal.encode(x="p:Q", y="p:Q")
    curve = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("mean_predicted:Q", title="predicted win probability", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("observed_win_rate:Q", title="observed win rate", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("model_version:N", title="model version"),
        )
    )
    return (diagonal + curve).properties(width=360, height=300)


def lift_chart(frame: pd.DataFrame) -> Any:
    alt = _alt()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("decile:O", title="score decile (1 = highest scores)"),
            y=alt.Y("lift:Q", title="lift (win rate / average)"),
            color=alt.Color("model_version:N", title="model version"),
            xOffset="model_version:N",
        )
        .properties(width=420, height=260)
    )


def gap_chart(frame: pd.DataFrame) -> Any:
    alt = _alt()
    long = frame.melt(
        id_vars=["model_version", "created_quarter"],
        value_vars=["avg_score_won", "avg_score_lost"],
        var_name="outcome",
        value_name="average_score",
    )
    long["outcome"] = long["outcome"].map({"avg_score_won": "closed-won", "avg_score_lost": "closed-lost"})
    # one panel per model version: their score scales differ (points vs probability x 100)
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("created_quarter:T", title="quarter created"),
            y=alt.Y("average_score:Q", title="average score at creation"),
            color=alt.Color(
                "outcome:N", scale=alt.Scale(domain=["closed-won", "closed-lost"], range=["#2f855a", "#c53030"])
            ),
        )
        .properties(width=260, height=220)
        .facet(column=alt.Column("model_version:N", title="model version"))
        .resolve_scale(y="independent")
    )


# --- pages -----------------------------------------------------------------------------------------------------

STYLE = """
body { font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; margin: 0; color: #1a202c;
       background: #f7fafc; }
header { background: #1a365d; color: white; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; opacity: .85; }
header a { color: #bee3f8; }
main { padding: 24px 32px; max-width: 1200px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
.kpi { background: white; border-radius: 8px; padding: 14px 16px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
.kpi .label { font-size: 13px; color: #4a5568; }
.kpi .value { font-size: 26px; font-weight: 600; margin: 4px 0; }
.kpi .delta { font-size: 13px; }
header .partial { color: #fbd38d; }
.delta.good { color: #2f855a; } .delta.bad { color: #c53030; } .delta.flat, .delta.none { color: #718096; }
section { background: white; border-radius: 8px; padding: 16px 20px; margin-top: 16px;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
section h2 { font-size: 17px; margin: 0 0 4px; }
section p.note { font-size: 13px; color: #4a5568; margin: 0 0 8px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 0 16px; }
.chart svg { max-width: 100%; height: auto; }
.no-data { padding: 24px; text-align: center; color: #718096; background: #edf2f7; border-radius: 6px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e2e8f0; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.current { background: #fefcbf; font-weight: 600; }
footer { padding: 16px 32px; font-size: 12px; color: #718096; }
"""


def _page(title: str, subtitle: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><header><h1>{html.escape(title)}</h1><p>{subtitle}</p></header>"
        f"<main>{body}</main><footer>Built by leadflow from the published analytics file; every figure is a query "
        "on its marts (docs/report.md).</footer></body></html>\n"
    )


def _section(title: str, note: str, content: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2><p class='note'>{html.escape(note)}</p>{content}</section>"


def _table(frame: pd.DataFrame, formats: dict[str, str], current: pd.Series | None = None) -> str:
    if frame.empty:
        return NO_DATA
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = []
    for i, record in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                text = "–"
            elif column in formats:
                text = format(value, formats[column])
            else:
                text = str(value)
            cells.append(f"<td>{html.escape(text)}</td>")
        css = " class='current'" if current is not None and bool(current.iloc[i]) else ""
        rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


@dataclass
class ReportResult:
    week: str
    report: Path
    calibration: Path
    index: Path
    kpis: dict[str, float | None] = field(default_factory=dict)


REVENUE_WEEKS = 12


def won_revenue_by_channel(con: duckdb.DuckDBPyConnection, monday: dt.date) -> pd.DataFrame:
    """Revenue of the deals won in the REVENUE_WEEKS weeks to the end of ``monday``'s week, by channel and model."""
    return con.execute(
        """
        select c.channel, case c.attribution_model when 'u_shaped' then 'U-shaped'
            when 'first_touch' then 'first touch' else 'last touch' end as model,
            sum(c.attributed_revenue) as revenue
        from marts.fct_attribution_credit c join marts.fct_deals d using (deal_key)
        where d.is_won and c.attribution_model in ('u_shaped', 'first_touch', 'last_touch')
            and d.closed_at >= $start and d.closed_at < $end
        group by all having sum(c.attributed_revenue) > 0 order by channel, model
        """,
        {
            "start": monday - dt.timedelta(weeks=REVENUE_WEEKS - 1),
            "end": monday + dt.timedelta(weeks=1),
        },
    ).df()


def _funnel_report(con: duckdb.DuckDBPyConnection, monday: dt.date, currency: str, goal: float) -> tuple[str, dict]:
    label = week_label(monday)
    sunday = monday + dt.timedelta(days=6)
    kpis = read_kpis(con, monday)
    before = read_kpis(con, monday - dt.timedelta(days=7))
    tiles = []
    for kpi in KPIS:
        value = kpis[kpi.key]
        delta, css = format_delta(kpi, value, before[kpi.key])
        raw = "" if value is None else repr(value)
        tiles.append(
            f"<div class='kpi' data-kpi='{kpi.key}' data-value='{raw}'><div class='label'>{kpi.label}</div>"
            f"<div class='value'>{html.escape(format_value(kpi.kind, value, currency))}</div>"
            f"<div class='delta {css}'>{html.escape(delta)}</div></div>"
        )
    funnel = con.execute(
        """
        select stage, sum(entered) as entered from marts.mart_funnel_flow
        where week_start = ? and stage in ('lead', 'mql', 'sal', 'sql', 'opportunity', 'won')
        group by stage, stage_number order by stage_number
        """,
        [monday],
    ).df()
    trend = con.execute(
        """
        select week_start, mql_to_sql_pct from marts.mart_weekly_kpis
        where week_start between ? - interval 77 day and ? and mql_to_sql_pct is not null order by week_start
        """,
        [monday, monday],
    ).df()
    revenue = won_revenue_by_channel(con, monday)
    aging = con.execute(
        """
        select lead_status, aging_bucket, aging_bucket_order, sum(leads) as leads, max(as_of) as as_of
        from marts.mart_lead_aging where is_active_status group by all order by aging_bucket_order
        """
    ).df()
    sla = con.execute(
        """
        select breakdown_value as team, compliance_pct from marts.mart_sla_compliance
        where week_start = ? and sla_type = 'first_response' and breakdown = 'team' and compliance_pct is not null
        order by team
        """,
        [monday],
    ).df()
    reasons = con.execute(
        """
        select coalesce(disqualification_reason, '(none given)') as reason, count(*) as persons
        from marts.fct_lead_lifecycle
        where disqualified_at >= ? - interval 21 day and disqualified_at < ? + interval 7 day
        group by 1 order by persons desc, reason limit 8
        """,
        [monday, monday],
    ).df()
    as_of = "" if aging.empty else f" as of {pd.Timestamp(aging['as_of'].max()):%Y-%m-%d %H:%M} UTC"
    body = (
        f"<div class='kpis'>{''.join(tiles)}</div>"
        + "<div class='grid'>"
        + _section("Funnel", "Persons entering each stage during the week.", _chart_or_no_data(funnel, funnel_chart))
        + _section(
            "MQL → SQL, weekly trend",
            f"Share of each week's new MQLs that reached SQL so far; dashed line: the {goal:g}% goal.",
            _chart_or_no_data(trend, lambda f: trend_chart(f, goal)),
        )
        + _section(
            "Won revenue by channel",
            f"Deals won in the {REVENUE_WEEKS} weeks to this week's end, credited by U-shaped, first-touch and "
            "last-touch attribution.",
            _chart_or_no_data(revenue, revenue_chart),
        )
        + _section(
            "Lead aging", f"Active leads by time in their current status{as_of}.", _chart_or_no_data(aging, aging_chart)
        )
        + _section(
            "SLA compliance by team",
            "First-response SLAs started this week, met / (met + breached).",
            _chart_or_no_data(sla, sla_chart),
        )
        + _section(
            "Top disqualification reasons",
            "Persons disqualified in the 4 weeks to this week's end.",
            _chart_or_no_data(reasons, reasons_chart),
        )
        + "</div>"
    )
    # A week the data does not cover to its end (built with --week for the current week, or before the export of
    # its last days): its counts are not comparable with the full week before, which the banner says.
    partial = con.execute(
        "select stale_measured_at from marts.mart_weekly_kpis where week_start = ? and is_partial_week", [monday]
    ).fetchone()
    banner = (
        f"<strong class='partial'>Partial week: the data ends {pd.Timestamp(partial[0]):%a %d %b %Y %H:%M} UTC; "
        "counts and changes against the full week before are incomplete.</strong> · "
        if partial
        else ""
    )
    subtitle = (
        banner + f"{monday:%a %d %b %Y} – {sunday:%a %d %b %Y} (UTC) · "
        f"<a href='calibration.html'>Scoring calibration</a> · <a href='../index.html'>All reports</a>"
    )
    return _page(f"Weekly funnel report {label}", subtitle, body), kpis


def _calibration_page(con: duckdb.DuckDBPyConnection, monday: dt.date) -> str:
    summary = con.execute(
        """
        select model_version, scored_as_of, persons, won, roc_auc, ks_statistic, brier_score, score_gap
        from marts.mart_scoring_calibration order by model_version
        """
    ).df()
    reliability = con.execute(
        """
        select model_version, mean_predicted, observed_win_rate from marts.mart_scoring_reliability
        where persons > 0 and scored_as_of = 'peak' order by model_version, probability_bin
        """
    ).df()
    deciles = con.execute(
        "select model_version, decile, lift from marts.mart_scoring_deciles where scored_as_of = 'peak' order by all"
    ).df()
    gap = con.execute(
        """
        select model_version, created_quarter, avg_score_won, avg_score_lost from marts.mart_scoring_quarterly_gap
        where avg_score_won is not null and avg_score_lost is not null order by all
        """
    ).df()
    thresholds = con.execute(
        """
        select model_version, threshold, mql_volume, won_mqls, precision_won, recall_won, is_current_threshold
        from marts.mart_scoring_thresholds order by model_version, threshold
        """
    ).df()
    current = thresholds.pop("is_current_threshold") if not thresholds.empty else None
    body = (
        _section(
            "Model versions",
            "Discrimination and calibration of every scoring model version against closed-won outcomes.",
            _table(summary, {"roc_auc": ".3f", "ks_statistic": ".3f", "brier_score": ".4f", "score_gap": ".1f"}),
        )
        + "<div class='grid'>"
        + _section(
            "Calibration curve",
            "Observed win rate against predicted probability per tenth (peak score before the outcome); the dashed "
            "diagonal is perfect calibration.",
            _chart_or_no_data(reliability, calibration_chart),
        )
        + _section(
            "Decile lift",
            "Win rate of each score decile (peak score) over the average.",
            _chart_or_no_data(deciles, lift_chart),
        )
        + "</div>"
        + _section(
            "Closed-won vs closed-lost score gap over time",
            "Average score at creation of persons whose deal was won and of those whose deals were lost, by the "
            "quarter they were created in; lines drawing together mean the model needs recalibrating.",
            _chart_or_no_data(gap, gap_chart),
        )
        + _section(
            "Thresholds",
            "MQL volume, precision and recall on closed-won at each candidate threshold; highlighted: the threshold "
            "in force (seeds/scoring_models.csv).",
            _table(thresholds, {"threshold": ".0f", "precision_won": ".3f", "recall_won": ".3f"}, current),
        )
    )
    subtitle = f"Built with the report of {week_label(monday)} · <a href='index.html'>Funnel report</a>"
    return _page("Scoring calibration (RevOps)", subtitle, body)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_index(reports_dir: Path) -> Path:
    weeks = sorted((p.name for p in reports_dir.iterdir() if p.is_dir() and WEEK_PATTERN.match(p.name)), reverse=True)
    items = "".join(
        f"<tr><td><a href='{w}/index.html'>{w}</a></td><td><a href='{w}/calibration.html'>calibration</a></td>"
        f"<td>{parse_week(w):%d %b %Y}</td></tr>"
        for w in weeks
    )
    table = (
        f"<table><thead><tr><th>week</th><th>RevOps</th><th>starts</th></tr></thead><tbody>{items}</tbody></table>"
        if weeks
        else NO_DATA
    )
    path = reports_dir / "index.html"
    _write_atomically(path, _page("leadflow reports", f"{len(weeks)} weekly reports", _section("Weeks", "", table)))
    return path


def latest_complete_week(con: duckdb.DuckDBPyConnection) -> dt.date:
    row = con.execute("select max(week_start) from marts.mart_weekly_kpis where not is_partial_week").fetchone()
    if row is None or row[0] is None:
        raise ReportError("the analytics file has no complete week yet; pass --week YYYY-Www")
    return row[0]


def build_report(analytics_path: Path, reports_dir: Path, week: str | dt.date | None = None) -> ReportResult:
    """Build one week's report and calibration page (default: the latest complete week) and refresh the index."""
    if not analytics_path.exists():
        raise ReportError(f"{analytics_path} does not exist yet; run `leadflow run` first")
    with duckdb.connect(str(analytics_path), read_only=True) as con:
        if week is None:
            monday = latest_complete_week(con)
        elif isinstance(week, dt.date):
            monday = week - dt.timedelta(days=week.weekday())
        else:
            monday = parse_week(week)
        label = week_label(monday)
        settings = con.execute(
            "select any_value(reporting_currency), any_value(mql_to_sql_goal_pct) from marts.mart_weekly_kpis"
        ).fetchone()
        currency, goal = (settings[0] or "USD", float(settings[1] or 30)) if settings else ("USD", 30.0)
        report_html, kpis = _funnel_report(con, monday, currency, goal)
        calibration_html = _calibration_page(con, monday)
    folder = reports_dir / label
    report = folder / "index.html"
    calibration = folder / "calibration.html"
    _write_atomically(report, report_html)
    _write_atomically(calibration, calibration_html)
    return ReportResult(label, report, calibration, write_index(reports_dir), kpis)
