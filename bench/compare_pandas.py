"""The same three core marts computed by DuckDB and by straightforward pandas, on the same inputs.

The question a team asks before adopting a warehouse: would a notebook do? Both engines start from the
same Parquet files (persons with their funnel stage times, resolved activities, deals; exported from a
built warehouse by :func:`export_inputs`, untimed) and compute the same three results:

- funnel cohort counts: per created month, channel and segment, leads / MQLs / SQLs / opportunities / wins and
  the median days from lead to MQL;
- SLA compliance: per created week and team, leads, leads answered by a rep touch, answered within 60 minutes
  (calendar time), compliance % and the median minutes to the first rep touch;
- first-touch attribution: each deal's earliest marketing touch of its person in the 90 days up to the deal's
  creation; deals, won deals and won revenue per channel ("No touch / direct" when there is none).

Each engine runs in its own process (``--engine``) so its peak memory is its own; bench/run.py times both,
checks the results are equal and writes the figures to docs/performance.md.

    .venv/bin/python bench/compare_pandas.py --measure WAREHOUSE --out DIR [--save bench/results/L.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESPONSE_MINUTES = 60
LOOKBACK_DAYS = 90
NO_TOUCH = "No touch / direct"


def export_inputs(warehouse: Path, folder: Path) -> dict[str, int]:
    """Write the three inputs from a built warehouse; returns their row counts."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    queries = {
        "persons": """select person_id, created_at, mql_at, sql_at, opportunity_at, won_at, channel, segment, team
                      from marts.fct_lead_lifecycle""",
        "activities": """select person_id, activity_type, is_marketing_touch, is_rep_touch, occurred_at,
                                coalesce(channel, 'unknown') as channel
                         from intermediate.int_activities__resolved where person_id is not null""",
        "deals": """select deal_key, person_id, created_at, is_won, cast(amount_reporting as double) as amount_reporting
                    from marts.fct_deals where person_id is not null""",
    }
    counts = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, sql in queries.items():
            con.execute(f"copy ({sql}) to '{folder / name}.parquet' (format parquet)")
            counts[name] = con.execute(f"select count(*) from '{folder / name}.parquet'").fetchone()[0]
    return counts


def run_duckdb(inputs: Path, out: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    p, a, d = (f"read_parquet('{inputs / n}.parquet')" for n in ("persons", "activities", "deals"))
    con.execute(
        f"""
        copy (
            select date_trunc('month', created_at) as cohort_month, channel, segment, count(*) as leads,
                   count(mql_at) as mqls, count(sql_at) as sqls, count(opportunity_at) as opportunities,
                   count(won_at) as wins,
                   median(date_diff('second', created_at, mql_at) / 86400.0) as median_days_to_mql
            from {p} group by all
        ) to '{out / "funnel_cohort.parquet"}' (format parquet)
        """
    )
    con.execute(
        f"""
        copy (
            with first_touch as (
                select p.person_id, min(a.occurred_at) as answered_at
                from {p} p join {a} a on a.person_id = p.person_id
                where a.is_rep_touch and a.occurred_at >= p.created_at
                group by p.person_id
            ),
            leads as (
                select date_trunc('week', p.created_at) as created_week, p.team,
                       date_diff('second', p.created_at, f.answered_at) / 60.0 as response_minutes
                from {p} p left join first_touch f on f.person_id = p.person_id
            )
            select created_week, team, count(*) as leads, count(response_minutes) as answered,
                   count(*) filter (where response_minutes <= {RESPONSE_MINUTES}) as met,
                   100.0 * count(*) filter (where response_minutes <= {RESPONSE_MINUTES}) / count(*)
                       as compliance_pct,
                   median(response_minutes) as median_response_minutes
            from leads group by all
        ) to '{out / "sla_compliance.parquet"}' (format parquet)
        """
    )
    con.execute(
        f"""
        copy (
            with touches as (
                select d.deal_key, a.channel, a.occurred_at
                from {d} d join {a} a on a.person_id = d.person_id
                where a.is_marketing_touch and a.occurred_at <= d.created_at
                  and a.occurred_at >= d.created_at - interval {LOOKBACK_DAYS} day
            ),
            first_touch as (
                select deal_key, arg_min(channel, (occurred_at, channel)) as channel from touches group by deal_key
            )
            select coalesce(f.channel, '{NO_TOUCH}') as channel, count(*) as deals,
                   count(*) filter (where d.is_won) as won_deals,
                   coalesce(sum(d.amount_reporting) filter (where d.is_won), 0) as won_revenue
            from {d} d left join first_touch f on f.deal_key = d.deal_key
            group by all
        ) to '{out / "first_touch.parquet"}' (format parquet)
        """
    )


def run_pandas(inputs: Path, out: Path) -> None:
    """What an analyst would write: read the files, merge, group."""
    import pandas as pd

    persons = pd.read_parquet(inputs / "persons.parquet")
    activities = pd.read_parquet(inputs / "activities.parquet")
    deals = pd.read_parquet(inputs / "deals.parquet")

    cohort = persons.assign(
        cohort_month=persons["created_at"].dt.to_period("M").dt.start_time,
        days_to_mql=(persons["mql_at"] - persons["created_at"]).dt.total_seconds() / 86400.0,
    )
    funnel = (
        cohort.groupby(["cohort_month", "channel", "segment"], dropna=False)
        .agg(
            leads=("person_id", "size"),
            mqls=("mql_at", "count"),
            sqls=("sql_at", "count"),
            opportunities=("opportunity_at", "count"),
            wins=("won_at", "count"),
            median_days_to_mql=("days_to_mql", "median"),
        )
        .reset_index()
    )
    funnel.to_parquet(out / "funnel_cohort.parquet")

    rep = activities.loc[activities["is_rep_touch"], ["person_id", "occurred_at"]]
    rep = rep.merge(persons[["person_id", "created_at"]], on="person_id")
    rep = rep[rep["occurred_at"] >= rep["created_at"]]
    answered = rep.groupby("person_id")["occurred_at"].min().rename("answered_at").reset_index()
    leads = persons[["person_id", "created_at", "team"]].merge(answered, on="person_id", how="left")
    leads["response_minutes"] = (leads["answered_at"] - leads["created_at"]).dt.total_seconds() / 60.0
    leads["created_week"] = leads["created_at"].dt.to_period("W-SUN").dt.start_time
    leads["met"] = leads["response_minutes"] <= RESPONSE_MINUTES
    sla = (
        leads.groupby(["created_week", "team"], dropna=False)
        .agg(
            leads=("person_id", "size"),
            answered=("response_minutes", "count"),
            met=("met", "sum"),
            median_response_minutes=("response_minutes", "median"),
        )
        .reset_index()
    )
    sla["compliance_pct"] = 100.0 * sla["met"] / sla["leads"]
    sla.to_parquet(out / "sla_compliance.parquet")

    marketing = activities.loc[activities["is_marketing_touch"], ["person_id", "channel", "occurred_at"]]
    touches = deals[["deal_key", "person_id", "created_at"]].merge(marketing, on="person_id")
    touches = touches[
        (touches["occurred_at"] <= touches["created_at"])
        & (touches["occurred_at"] >= touches["created_at"] - pd.Timedelta(days=LOOKBACK_DAYS))
    ]
    first = touches.sort_values(["deal_key", "occurred_at", "channel"]).drop_duplicates("deal_key")
    credited = deals.merge(first[["deal_key", "channel"]], on="deal_key", how="left")
    credited["channel"] = credited["channel"].fillna(NO_TOUCH)
    credited["won_amount"] = credited["amount_reporting"].where(credited["is_won"], 0)
    attribution = (
        credited.groupby("channel")
        .agg(deals=("deal_key", "size"), won_deals=("is_won", "sum"), won_revenue=("won_amount", "sum"))
        .reset_index()
    )
    attribution.to_parquet(out / "first_touch.parquet")


def compare(left: Path, right: Path) -> dict[str, int]:
    """Rows that differ between the two engines' results, per mart (numbers within 1e-6 relative)."""
    import duckdb
    import pandas as pd

    con = duckdb.connect()
    differ = {}
    for name in ("funnel_cohort", "sla_compliance", "first_touch"):
        a = con.execute(f"select * from '{left / name}.parquet'").df()
        b = con.execute(f"select * from '{right / name}.parquet'").df()
        keys = [c for c in a.columns if not pd.api.types.is_numeric_dtype(a[c]) or pd.api.types.is_bool_dtype(a[c])]
        merged = a.merge(b, on=keys, how="outer", suffixes=("_l", "_r"), indicator=True)
        bad = merged["_merge"] != "both"
        for column in a.columns:
            if column in keys:
                continue
            x, y = merged[f"{column}_l"].astype(float), merged[f"{column}_r"].astype(float)
            close = ((x - y).abs() <= 1e-6 * y.abs().clip(lower=1)) | (x.isna() & y.isna())
            bad |= ~close
        differ[name] = int(bad.sum()) if len(a) == len(b) else max(len(a), len(b))
        differ[f"{name}_rows"] = len(a)
    return differ


def own_peak_mb() -> float:
    """This process's own peak resident memory. Not getrusage: Linux carries the parent's high-water mark
    across fork and exec into ru_maxrss, so a child of a big process would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def measure(warehouse: Path, workdir: Path) -> dict[str, Any]:
    """Export the inputs, run each engine in its own process, check they agree; wall time seen from here,
    peak memory as each engine process reports its own."""
    script = [sys.executable, str(Path(__file__).resolve())]
    inputs = workdir / "inputs"
    exported = subprocess.run(
        [*script, "--export", str(warehouse), "--inputs", str(inputs)], check=True, capture_output=True, text=True
    )
    figures: dict[str, Any] = {"input_rows": json.loads(exported.stdout)}
    for engine in ("duckdb", "pandas"):
        print(f"[bench] three marts with {engine}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        done = subprocess.run(
            [*script, "--engine", engine, "--inputs", str(inputs), "--out", str(workdir / engine)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        report = json.loads(done.stdout)
        figures[engine] = {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": report["peak_rss_mb"]}
    figures["differences"] = compare(workdir / "duckdb", workdir / "pandas")
    figures["speedup"] = round(figures["pandas"]["seconds"] / figures["duckdb"]["seconds"], 1)
    figures["memory_ratio"] = round(figures["pandas"]["peak_rss_mb"] / figures["duckdb"]["peak_rss_mb"], 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["duckdb", "pandas"], help="compute the three marts with this engine")
    parser.add_argument("--export", metavar="WAREHOUSE", help="write the inputs from this warehouse file")
    parser.add_argument("--measure", metavar="WAREHOUSE", help="export, run both engines, compare; print figures")
    parser.add_argument("--inputs", help="folder with persons/activities/deals .parquet")
    parser.add_argument("--out", help="folder for the three results (--engine) or the work (--measure)")
    parser.add_argument("--save", metavar="RESULTS_JSON", help="with --measure: store the figures in this bench result")
    args = parser.parse_args()
    if args.export:
        print(json.dumps(export_inputs(Path(args.export), Path(args.inputs))))
        return 0
    if args.measure:
        figures = measure(Path(args.measure), Path(args.out))
        print(json.dumps(figures, indent=2))
        if args.save:
            saved = json.loads(Path(args.save).read_text())
            saved["versus_pandas"] = figures
            Path(args.save).write_text(json.dumps(saved, indent=2) + "\n")
        return 0
    if not (args.engine and args.inputs and args.out):
        parser.error("--engine needs --inputs and --out")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    (run_duckdb if args.engine == "duckdb" else run_pandas)(Path(args.inputs), out)
    compute_s = round(time.perf_counter() - started, 2)
    print(json.dumps({"engine": args.engine, "compute_s": compute_s, "peak_rss_mb": own_peak_mb()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
