"""Benchmark: generate, ingest, dbt build and the whole run on generated data; figures to docs/performance.md.

Each phase runs in its own child process so its peak memory is the child's own (``wait4`` rusage,
which includes the dbt subprocess it waited for). The pipeline's per-step timings (from Dagster's event
log, saved in last_run.json) and dbt's run_results.json split a run into ingest, quality gate, dbt work
(the challenger's training among it), publish and overhead: overhead = whole run − (ingest + gate + dbt node
execution + publish), i.e. Python/Dagster start-up, dbt start-up and parsing, and step scheduling.
"Ingested and staged" is measured from the start of the first run to the moment the last staging model or
staging test finished, by dbt's own timestamps.

A new whole run of a size becomes that size's table; the run it replaces and the changes measured since stay
in the page's history (``earlier_runs``, ``earlier_changes``).

    .venv/bin/python bench/run.py --size L          # writes bench/results/L.json and docs/performance.md
    .venv/bin/python bench/run.py --leads 20000     # a quick look, not written to the docs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
REPORT = ROOT / "docs" / "performance.md"


def timed(cmd: list[str], env: dict[str, str], label: str) -> dict[str, Any]:
    print(f"[bench] {label}: {' '.join(cmd[-4:])}", file=sys.stderr, flush=True)
    started_epoch = time.time()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=None, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stdout = proc.stdout.read() if proc.stdout else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        print(stdout, file=sys.stderr)
        raise SystemExit(f"[bench] {label} failed with exit status {proc.returncode}")
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "stdout": stdout,
        "started_epoch": started_epoch,
    }


def machine_facts() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def dbt_results(state_dir: Path) -> list[dict[str, Any]]:
    """Node results of the last run's dbt step (it keeps its run_results.<step>.json)."""
    results: list[dict[str, Any]] = []
    for path in sorted((state_dir / "dbt-target").glob("run_results.*.json")):
        results += json.loads(path.read_text())["results"]
    return results


def dbt_epoch(timestamp: str) -> float:
    """A dbt artifact timestamp ("2026-11-26T20:38:00.123456Z") as Unix seconds."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def dbt_node_seconds(state_dir: Path) -> dict[str, float]:
    by_type: dict[str, float] = {}
    for node in dbt_results(state_dir):
        kind = node["unique_id"].split(".")[0]
        by_type[kind] = by_type.get(kind, 0.0) + float(node.get("execution_time") or 0.0)
    return {k: round(v, 2) for k, v in by_type.items()}


def dbt_busy_seconds(state_dir: Path) -> float:
    """Wall time during which at least one dbt node ran: the union of the nodes' intervals. With one dbt thread it
    is the sum of their times; with more (LEADFLOW_DBT_THREADS) a sum would count overlapping nodes twice."""
    spans = []
    for node in dbt_results(state_dir):
        times = [
            (dbt_epoch(t["started_at"]), dbt_epoch(t["completed_at"]))
            for t in node.get("timing", [])
            if t.get("started_at") and t.get("completed_at")
        ]
        if times:
            spans.append((min(a for a, _ in times), max(b for _, b in times)))
    busy, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            busy += stop - max(start, end)
            end = stop
    return busy


def domain_seconds(
    state_dir: Path, domain: str | tuple[str, ...], extra_models: tuple[str, ...] = ()
) -> dict[str, Any]:
    """dbt time of business domains: the models under */<domain>/ (plus extra_models), and their tests."""
    domains = (domain,) if isinstance(domain, str) else domain
    manifest = json.loads((state_dir / "dbt-target" / "manifest.json").read_text())
    results = dbt_results(state_dir)
    models = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and (any(d in node["fqn"] for d in domains) or node["name"] in extra_models)
    }
    tests = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and set(node["depends_on"]["nodes"]) & models
    }
    by_node = {r["unique_id"]: float(r.get("execution_time") or 0.0) for r in results}
    per_model = {uid.split(".")[-1]: round(by_node.get(uid, 0.0), 2) for uid in sorted(models)}
    return {
        "models_s": round(sum(by_node.get(uid, 0.0) for uid in models), 2),
        "tests_s": round(sum(by_node.get(uid, 0.0) for uid in tests), 2),
        "per_model_s": per_model,
    }


# The predictive challenger's two Python models (orchestration/scoring.py), run inside the dbt build.
CHALLENGER = ("lead_model_training", "lead_predictions")


def challenger_seconds(state_dir: Path) -> float:
    return sum(
        float(r.get("execution_time") or 0.0)
        for r in dbt_results(state_dir)
        if r["unique_id"].startswith("model.") and r["unique_id"].split(".")[-1] in CHALLENGER
    )


def score_history_seconds(state_dir: Path, predictive_s: float) -> dict[str, Any]:
    """What fct_lead_score_history needs for every model version: its scoring-folder ancestors and itself
    (the challenger's models among them) and their tests."""
    manifest = json.loads((state_dir / "dbt-target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    target = next(
        uid for uid, n in nodes.items() if n["resource_type"] == "model" and n["name"] == "fct_lead_score_history"
    )
    models, frontier = {target}, [target]
    while frontier:
        for parent in nodes[frontier.pop()]["depends_on"]["nodes"]:
            node = nodes.get(parent)
            if node and node["resource_type"] == "model" and "scoring" in node["fqn"] and parent not in models:
                models.add(parent)
                frontier.append(parent)
    tests = {uid for uid, n in nodes.items() if n["resource_type"] == "test" and set(n["depends_on"]["nodes"]) & models}
    by_node = {r["unique_id"]: float(r.get("execution_time") or 0.0) for r in dbt_results(state_dir)}
    models_s = sum(by_node.get(uid, 0.0) for uid in models)
    tests_s = sum(by_node.get(uid, 0.0) for uid in tests)
    return {
        "models": sorted(uid.split(".")[-1] for uid in models),
        "models_s": round(models_s, 2),
        "tests_s": round(tests_s, 2),
        "predictive_s": round(predictive_s, 2),
        "total_s": round(models_s + tests_s, 2),
        "challenger_in_models": True,
    }


DAILY_FILE = re.compile(r"_(\d{4}-\d{2}-\d{2})\.")


def hold_back_last_days(landing: Path, held_back: Path, days: int) -> tuple[Path, list[str]]:
    """Move the generator's last daily files aside, to land them after the first runs (one more day)."""
    dated = {m.group(1) for p in landing.rglob("*.*") if (m := DAILY_FILE.search(p.name))}
    last = sorted(dated)[-days:]
    for path in sorted(landing.rglob("*.*")):
        match = DAILY_FILE.search(path.name)
        if match and match.group(1) in last:
            target = held_back / path.relative_to(landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
    return held_back, last


def incremental_seconds(state_dir: Path) -> dict[str, float]:
    """The incremental models' own time in the last run (dbt's run_results)."""
    manifest = json.loads((state_dir / "dbt-target" / "manifest.json").read_text())
    incremental = {
        uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"
        and n["config"].get("materialized") == "incremental"
    }  # fmt: skip
    return {
        r["unique_id"].split(".")[-1]: round(float(r.get("execution_time") or 0.0), 2)
        for r in dbt_results(state_dir)
        if r["unique_id"] in incremental
    }


def compare_with_pandas(out: Path) -> dict[str, Any]:
    """Funnel cohort counts, SLA compliance and first-touch attribution by DuckDB and by pandas, each in its
    own process on the same exported inputs; the results must agree (bench/compare_pandas.py)."""
    measured = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "compare_pandas.py"), "--measure", str(out / "warehouse.duckdb"),
         "--out", str(out / "compare")],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(measured.stdout)


def staged_seconds(state_dir: Path, started_epoch: float) -> dict[str, Any]:
    """Wall time from starting `leadflow run` until the staging layer was built and tested: the moment the last
    staging model, or test of staging models only, finished (dbt's own node timestamps). Everything the run did
    before then counts (start-up, ingest, gates, seeds, and any other node dbt ran in between), so this is the
    time until analysts' staging tables are ready, not a sum of selected parts."""
    manifest = json.loads((state_dir / "dbt-target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    staging = {uid for uid, n in nodes.items() if n["resource_type"] == "model" and "staging" in n["fqn"]}
    models = {uid for uid, n in nodes.items() if n["resource_type"] == "model"}
    # a test of staging reads staging models only (and seeds); one that also reads a mart tests the mart
    staging_tests = {
        uid for uid, n in nodes.items() if n["resource_type"] == "test"
        and (parents := set(n["depends_on"]["nodes"]) & models) and parents <= staging
    }  # fmt: skip
    wanted = staging | staging_tests
    results = dbt_results(state_dir)
    finished = [
        dbt_epoch(t["completed_at"])
        for r in results
        if r["unique_id"] in wanted
        for t in r.get("timing", [])
        if t.get("name") == "execute" and t.get("completed_at")
    ]
    built = {r["unique_id"] for r in results} & wanted
    return {
        "seconds": round(max(finished) - started_epoch, 2) if finished else None,
        "models": len(staging),
        "tests": len(staging_tests),
        "nodes_found": len(built),
    }


def split_run(summary: dict[str, Any], wall: float, state_dir: Path) -> dict[str, Any]:
    steps = summary["step_seconds"]
    ingest = sum(v for k, v in steps.items() if k.startswith("raw__") and "_gx_" not in k)
    gate = sum(v for k, v in steps.items() if "_gx_" in k)
    dbt_step = steps.get("leadflow_dbt_assets", 0.0)
    publish = steps.get("analytics_db", 0.0)
    if summary.get("up_to_date_with"):
        # nothing changed since the last publish: dbt never started, and its run_results are the previous run's
        nodes: dict[str, float] = {}
        dbt_work = predictive = 0.0
        parts = {
            "dbt_parse_and_cache_s": 0.0,
            "dbt_steps_other_s": round(dbt_step, 2),
            "outside_steps_s": round(wall - sum(steps.values()), 2),
        }
    else:
        nodes = dbt_node_seconds(state_dir)
        dbt_work = dbt_busy_seconds(state_dir)
        predictive = challenger_seconds(state_dir)  # part of dbt_work
        parts = overhead_parts(state_dir, wall, steps, dbt_step, dbt_work)
    return {
        "skipped_unchanged": bool(summary.get("up_to_date_with")),
        "ingest_s": round(ingest, 2),
        "quality_gate_s": round(gate, 2),
        "dbt_step_s": round(dbt_step, 2),
        "dbt_node_execution_s": round(dbt_work, 2),
        "dbt_nodes_s": nodes,
        "predictive_s": round(predictive, 2),
        # results written before 2026-11-27's afternoon had the challenger as a Dagster step between two dbt steps
        "challenger_in_dbt": True,
        "publish_s": round(publish, 2),
        "ingest_and_staging_s": round(ingest + gate + dbt_step, 2),
        "overhead_s": round(wall - ingest - gate - dbt_work - publish, 2),
        "overhead_parts_s": parts,
    }


def overhead_parts(
    state_dir: Path, wall: float, steps: dict[str, float], dbt_step: float, dbt_work: float
) -> dict[str, float]:
    """Where the overhead goes: dbt's start-up inside its process (parse, cache) before the first node; the rest
    of the dbt steps that is not node execution (interpreter start, between nodes, Dagster's handling of dbt's
    events, the final checkpoint); and everything outside the steps (imports, run creation, the summary)."""
    startup = 0.0
    for path in sorted((state_dir / "dbt-target").glob("run_results.*.json")):
        results = json.loads(path.read_text())
        starts = [t["started_at"] for r in results["results"] for t in r.get("timing", []) if t.get("started_at")]
        if starts:
            startup += dbt_epoch(min(starts)) - dbt_epoch(results["metadata"]["invocation_started_at"])
    return {
        "dbt_parse_and_cache_s": round(startup, 2),
        "dbt_steps_other_s": round(dbt_step - dbt_work - startup, 2),
        "outside_steps_s": round(wall - sum(steps.values()), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["S", "M", "L"], default="L")
    parser.add_argument("--leads", type=int, help="exact lead records instead of a size (not written to the docs)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="scratch folder (deleted first)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder afterwards")
    args = parser.parse_args()

    label = f"n{args.leads}" if args.leads else args.size
    out = Path(args.out) / label
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {**os.environ, "LEADFLOW_DATA_DIR": str(out)}
    for name in list(env):
        if name.startswith("LEADFLOW_") and name not in ("LEADFLOW_DATA_DIR", "LEADFLOW_MEMORY_LIMIT"):
            env.pop(name)
    cli = [sys.executable, "-m", "orchestration.cli"]

    size_args = ["--leads", str(args.leads)] if args.leads else ["--size", args.size]
    gen = timed([*cli, "generate", *size_args, "--seed", str(args.seed), "--out", str(out)], env, "generate")
    manifest = json.loads((out / "ground_truth" / "manifest.json").read_text())
    landing_mb = round(sum(p.stat().st_size for p in (out / "landing").rglob("*.*")) / 2**20, 1)
    held_back, held_days = hold_back_last_days(out / "landing", out / "held_back", days=2)

    # dbt parses the project once per checkout or code change (orchestration/project.py), whichever command comes
    # first; a fresh checkout's first run would otherwise count that one-off parse as every run's overhead.
    parse = timed(
        [sys.executable, "-c", "from orchestration.project import ensure_manifest; ensure_manifest()"],
        env,
        "dbt parse of the project (once per checkout or code change)",
    )
    run1 = timed([*cli, "run", "--quiet"], env, "first run (everything new)")
    summary1 = json.loads((out / ".leadflow" / "last_run.json").read_text())
    split1 = split_run(summary1, run1["seconds"], out / ".leadflow")
    staged = staged_seconds(out / ".leadflow", run1["started_epoch"])
    staged["domain"] = domain_seconds(out / ".leadflow", "staging")
    rows_loaded = sum(v["rows_loaded"] for v in summary1["loaded_this_run"].values())
    rows_read = sum(v["rows_read"] for v in summary1["loaded_this_run"].values())

    identity = domain_seconds(out / ".leadflow", "identity", ("stg_lead_versions",))
    scoring = domain_seconds(out / ".leadflow", "scoring")
    scoring["predictive_step_s"] = split1["predictive_s"]
    scoring["score_history"] = score_history_seconds(out / ".leadflow", split1["predictive_s"])
    operations = domain_seconds(out / ".leadflow", ("routing", "sla", "aging"))
    operations["figures"] = operations_figures(out / "analytics.duckdb")
    funnel = domain_seconds(out / ".leadflow", ("funnel", "attribution"), ("stg_deal_versions",))
    funnel["figures"] = funnel_figures(out / "analytics.duckdb")
    reporting = domain_seconds(out / ".leadflow", "reporting")
    report_run = timed([*cli, "report", "--out", str(out / "reports")], env, "weekly report")
    reporting["report_s"] = report_run["seconds"]
    reporting["report_peak_rss_mb"] = report_run["peak_rss_mb"]
    # in a child process: this one must stay small, or Linux reports its peak as every later child's (ru_maxrss
    # keeps the parent's high-water mark across fork and exec)
    evaluated = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from orchestration.evaluate import "
         "evaluate_identity as e; print(e(Path(sys.argv[1]), Path(sys.argv[2])).to_json())",
         str(out / "analytics.duckdb"), str(out / "ground_truth")],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    identity["scores"] = {
        k: v for k, v in json.loads(evaluated.stdout).items() if k not in ("recall_by_duplicate_kind",)
    }

    run2 = timed([*cli, "run", "--quiet"], env, "second run (no new files)")
    summary2 = json.loads((out / ".leadflow" / "last_run.json").read_text())
    split2 = split_run(summary2, run2["seconds"], out / ".leadflow")

    # the days held back land, as a daily schedule would find them: an incremental run
    for path in sorted(held_back.rglob("*.*")):
        target = out / "landing" / path.relative_to(held_back)
        path.replace(target)
    run3 = timed([*cli, "run", "--quiet"], env, "third run (the held-back days)")
    summary3 = json.loads((out / ".leadflow" / "last_run.json").read_text())
    split3 = split_run(summary3, run3["seconds"], out / ".leadflow")
    new_rows = sum(v["rows_read"] for v in summary3["loaded_this_run"].values())
    new_activities = summary3["loaded_this_run"].get("activities", {}).get("rows_read", 0)
    all_activities = new_activities + summary1["loaded_this_run"]["activities"]["rows_read"]
    one_more_day = {
        "days": held_days,
        "seconds": run3["seconds"],
        "peak_rss_mb": run3["peak_rss_mb"],
        **split3,
        "rows_read": new_rows,
        "share_of_rows_pct": round(100.0 * new_rows / (new_rows + rows_read), 2),
        "share_of_activities_pct": round(100.0 * new_activities / all_activities, 2),
        "pct_of_first_run": round(100.0 * run3["seconds"] / run1["seconds"], 1),
        "incremental_s": incremental_seconds(out / ".leadflow"),
        "success": summary3["success"],
    }
    versus_pandas = compare_with_pandas(out)

    result = {
        "size": label,
        "machine": machine_facts(),
        "counts": {entity: v["rows"] for entity, v in manifest["entities"].items()},
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "generate": {k: v for k, v in gen.items() if k not in ("stdout", "started_epoch")},
        "project_parse": {k: v for k, v in parse.items() if k not in ("stdout", "started_epoch")},
        "first_run": {
            "seconds": run1["seconds"],
            "peak_rss_mb": run1["peak_rss_mb"],
            **split1,
            "staged": staged,
            "ingest_rows_per_s": round(rows_read / split1["ingest_s"]) if split1["ingest_s"] else None,
            "success": summary1["success"],
        },
        "identity": identity,
        "scoring": scoring,
        "operations": operations,
        "funnel": funnel,
        "reporting": reporting,
        "second_run": {"seconds": run2["seconds"], "peak_rss_mb": run2["peak_rss_mb"], **split2},
        "one_more_day": one_more_day,
        "versus_pandas": versus_pandas,
        "landing_mb": landing_mb,
        "warehouse_mb": round((out / "warehouse.duckdb").stat().st_size / 2**20, 1),
        "analytics_mb": round((out / "analytics.duckdb").stat().st_size / 2**20, 1),
    }
    result["commit"] = git_commit()
    print(json.dumps(result, indent=2))
    if not args.leads:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{label}.json"
        if path.exists():
            result = carry_history(json.loads(path.read_text()), result)
        path.write_text(json.dumps(result, indent=2) + "\n")
        write_report()
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return 0


def operations_figures(analytics: Path) -> dict[str, Any]:
    """The routing and SLA figures a RevOps reviewer checks first, read from the published marts."""
    import duckdb

    con = duckdb.connect(str(analytics), read_only=True)
    try:
        row = con.execute(
            """
            select
                (select count(*) from marts.fct_lead_assignments where event_type = 'initial'),
                (select count(*) from marts.fct_lead_assignments where event_type = 'requeue'),
                (select round(100.0 * count(*) filter (where rule_id = 'fallback') / count(*), 2)
                 from marts.fct_lead_assignments where event_type = 'initial'),
                (select round(100.0 * count(*) filter (where sla_status = 'met')
                        / count(*) filter (where sla_status in ('met', 'breached')), 1)
                 from marts.fct_lead_sla where sla_type = 'first_response'),
                (select round(median(response_minutes), 1) from marts.fct_lead_sla where sla_type = 'first_response'),
                (select count(*) from marts.fct_lead_escalations)
            """
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    names = ("assignments", "requeues", "fallback_pct", "first_response_compliance_pct",
             "median_business_minutes_to_first_response", "escalations")  # fmt: skip
    return dict(zip(names, row, strict=True))


def funnel_figures(analytics: Path) -> dict[str, Any]:
    """Funnel and attribution figures, read from the published marts."""
    import duckdb

    con = duckdb.connect(str(analytics), read_only=True)
    try:
        row = con.execute(
            """
            select
                (select count(*) from marts.fct_lead_lifecycle),
                (select count(*) from marts.fct_lead_lifecycle where opportunity_at is not null),
                (select count(*) from marts.fct_attribution_credit),
                (select sum(attributed_revenue) from marts.fct_attribution_credit
                 where attribution_model = 'u_shaped')
            """
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return {"persons": row[0], "with_opportunity": row[1], "credit_rows": row[2], "won_revenue": float(row[3] or 0)}


def funnel_section(r: dict[str, Any]) -> str:
    funnel = r.get("funnel")
    if not funnel:
        return ""
    total = funnel["models_s"] + funnel["tests_s"]
    per_model = ", ".join(f"{k} {v:.1f} s" for k, v in funnel["per_model_s"].items())
    f = funnel["figures"]
    return f"""
Funnel and attribution (dbt models under `funnel/`, `attribution/` and `stg_deal_versions`, first run):
**{funnel["models_s"]:.1f} s** of models + {funnel["tests_s"]:.1f} s of their tests = {total:.1f} s
({verdict(total, 90)}). Per model: {per_model}.
Figures: {f["persons"]:,} persons in the lifecycle, {f["with_opportunity"]:,} with an opportunity,
{f["credit_rows"]:,} attribution credit rows, {f["won_revenue"]:,.2f} of closed-won revenue attributed
under every model.
"""


def reporting_section(r: dict[str, Any]) -> str:
    rep = r.get("reporting")
    if not rep:
        return ""
    return f"""
Weekly report: `mart_weekly_kpis` (dbt models under `reporting/`) {rep["models_s"]:.1f} s + {rep["tests_s"]:.1f} s
of tests in the run; `leadflow report` (one week and the calibration page, charts rendered to SVG)
{rep["report_s"]:.1f} s, peak {rep["report_peak_rss_mb"]:,.0f} MB.
"""


def operations_section(r: dict[str, Any]) -> str:
    ops = r.get("operations")
    if not ops:
        return ""
    total = ops["models_s"] + ops["tests_s"]
    per_model = ", ".join(f"{k} {v:.1f} s" for k, v in ops["per_model_s"].items())
    f = ops["figures"]
    return f"""
Routing, SLA and aging (dbt models under `routing/`, `sla/`, `aging/`, first run):
**{ops["models_s"]:.1f} s** of models + {ops["tests_s"]:.1f} s of their tests = {total:.1f} s
({verdict(total, 90)}). Per model: {per_model}.
Figures: {f["assignments"]:,} initial assignments, {f["requeues"]:,} re-queues, fallback {f["fallback_pct"]}%,
first-response SLA compliance {f["first_response_compliance_pct"]}%, median
{f["median_business_minutes_to_first_response"]} business minutes to first response, {f["escalations"]:,}
reminders and escalations.
"""


def incremental_section(r: dict[str, Any]) -> str:
    day = r.get("one_more_day")
    if not day:
        return ""
    f = r["first_run"]
    models = ", ".join(f"{k} {v:.1f} s" for k, v in day["incremental_s"].items())
    challenger = (
        f"{day['dbt_node_execution_s']:.1f} s, of which the challenger {day['predictive_s']:.1f} s)"
        if day.get("challenger_in_dbt")
        else f"{day['dbt_node_execution_s']:.1f} s), challenger {day['predictive_s']:.1f} s"
    )
    return f"""
One more day, incremental (the generator's last {len(day["days"])} daily files, {", ".join(day["days"])}, held back
from the first run and landed after it: {day["rows_read"]:,} rows = {day["share_of_rows_pct"]}% of all rows,
{day["share_of_activities_pct"]}% of the activities): **{day["seconds"]:.1f} s = {day["pct_of_first_run"]}% of the
first run's {f["seconds"]:.1f} s** (target < 10%: {"met" if day["pct_of_first_run"] < 10 else "**missed**"}).
Of it: ingest {day["ingest_s"]:.1f} s, gates {day["quality_gate_s"]:.1f} s, dbt {day["dbt_step_s"]:.1f} s (nodes
{challenger}, publish {day["publish_s"]:.1f} s, overhead {day["overhead_s"]:.1f} s.
Incremental models in that run: {models}.
"""


def pandas_section(r: dict[str, Any]) -> str:
    vp = r.get("versus_pandas")
    if not vp:
        return ""
    d, pd_ = vp["duckdb"], vp["pandas"]
    rows = ", ".join(f"{k} {v:,}" for k, v in vp["input_rows"].items())
    diffs = vp["differences"]
    agree = all(v == 0 for k, v in diffs.items() if not k.endswith("_rows"))
    return f"""
DuckDB versus straightforward pandas (`bench/compare_pandas.py`): funnel cohort counts, SLA compliance and
first-touch attribution, computed by each engine in its own process from the same Parquet inputs ({rows}).

| engine | wall time | peak memory |
|---|---:|---:|
| DuckDB | {d["seconds"]:.1f} s | {d["peak_rss_mb"]:,.0f} MB |
| pandas | {pd_["seconds"]:.1f} s | {pd_["peak_rss_mb"]:,.0f} MB |

DuckDB is **{vp["speedup"]}x faster** (target >= 3x: {"met" if vp["speedup"] >= 3 else "**missed**"}) and pandas
needs **{vp["memory_ratio"]}x the memory** (target >= 3x: {"met" if vp["memory_ratio"] >= 3 else "**missed**"}).
The two engines' results {"agree on every row" if agree else "**differ**"} ({diffs["funnel_cohort_rows"]:,} cohort rows,
{diffs["sla_compliance_rows"]:,} SLA rows, {diffs["first_touch_rows"]:,} channels).
"""


def xl_section() -> str:
    """XL is not measured on this machine; say why with L's figures, and what the spill run showed."""
    path = RESULTS / "L.json"
    if not path.exists():
        return ""
    r = json.loads(path.read_text())
    disk = shutil.disk_usage(ROOT)
    scales = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("scale-*.json"))]
    biggest = max(scales, key=lambda sc: sc["rows_read"], default=None)
    if biggest:
        # measured at the largest size run here, grown in proportion to the rows
        factor = 10 * r["rows_read"] / biggest["rows_read"]
        files_gb = factor * (biggest["landing_mb"] + biggest["warehouse_mb"] + 2 * biggest["analytics_mb"]) / 1024
        spill_gb = factor * biggest["peak_temp_mb"] / 1024
        basis = f"the {biggest['leads']:,}-lead run below"
    else:
        files_gb = 10 * (r.get("landing_mb", 0) + r["warehouse_mb"] + 2 * r["analytics_mb"]) / 1024
        spill_gb, basis = 0.0, "L"
    spill = f", and about {spill_gb:,.0f} GB spilled at once" if spill_gb else ""
    memory = (
        f" Memory is not what stops it: the generator's peak grew from {r['generate']['peak_rss_mb']:,.0f} MB at L to "
        f"{biggest['generate']['peak_rss_mb']:,.0f} MB at {biggest['rows_read'] / r['rows_read']:.1f} times L's rows, "
        "and the run keeps within `LEADFLOW_MEMORY_LIMIT` by spilling."
        if biggest
        else ""
    )
    text = f"""## Size XL (10M leads, 200M activities, 1M deals): not measured

Not run here: the disk is too small. By {basis}, XL needs about {files_gb:,.0f} GB of files (landing files,
working warehouse, and the analytics file twice while a new one replaces the old){spill}; this disk has
{disk.free / 2**30:,.0f} GiB free.{memory}
"""
    for spill in sorted(RESULTS.glob("spill-*.json")):
        sp = json.loads(spill.read_text())
        outcome = "completed" if sp["success"] else "**failed**"
        text += f"""
What XL would put to the test, DuckDB keeping within its memory limit by spilling, is measured on L at XL's
data-to-memory ratio (`bench/spill.py`): L with `LEADFLOW_MEMORY_LIMIT={sp["memory_limit"]}` {outcome} in
{sp["seconds"]:,.1f} s (versus {r["first_run"]["seconds"]:,.1f} s with 12GB), peak process memory
{sp["peak_rss_mb"]:,.0f} MB, up to {sp["peak_temp_mb"]:,.0f} MB spilled to `LEADFLOW_TEMP_DIR` at once.
"""
    for scale in scales:
        text += scale_paragraph(scale, r)
    return text


def scale_paragraph(sc: dict[str, Any], r: dict[str, Any]) -> str:
    """The largest run the disk holds (bench/scale.py), phase by phase beside L, and what it implies for XL."""
    f, lf = sc["first_run"], r["first_run"]
    data = sc["rows_read"] / r["rows_read"]
    phases = [("whole first run", "seconds"), ("ingest", "ingest_s"), ("gates", "quality_gate_s"),
              ("dbt build", "dbt_step_s"), ("challenger", "predictive_s"), ("publish", "publish_s")]  # fmt: skip
    rows = "".join(
        f"| {name} | {lf[key]:,.1f} s | {f[key]:,.1f} s | x{f[key] / lf[key]:.2f} |\n"
        for name, key in phases
        if lf[key]
    )
    day, outcome = sc["one_more_day"], "completed" if f["success"] and sc["one_more_day"]["success"] else "**failed**"
    counts = ", ".join(f"{k} {v:,}" for k, v in sc["counts"].items() if isinstance(v, int))
    # time ~ rows^k, k fitted on L and this size; XL has ten times L's rows
    k = math.log(f["seconds"] / lf["seconds"]) / math.log(data)
    xl_seconds = f["seconds"] * (10 * r["rows_read"] / sc["rows_read"]) ** k
    return f"""
The largest size this disk holds was run as well (`bench/scale.py --leads {sc["leads"]:,}`): {counts}, that is
{data:.2f} times L's {r["rows_read"]:,} landing rows ({sc["rows_read"]:,}), generated in
{sc["generate"]["seconds"]:,.0f} s with a peak of {sc["generate"]["peak_rss_mb"]:,.0f} MB. With
`LEADFLOW_MEMORY_LIMIT={sc["memory_limit"]}` both runs {outcome}; peak process memory {f["peak_rss_mb"]:,.0f} MB,
up to {sc["peak_temp_mb"]:,.0f} MB spilled at once; landing {sc["landing_mb"]:,.0f} MB, warehouse
{sc["warehouse_mb"]:,.0f} MB, analytics file {sc["analytics_mb"]:,.0f} MB.

| phase | L | {sc["leads"]:,} leads | growth (data x{data:.2f}) |
|---|---:|---:|---:|
{rows}
Staging done after {f["staged_s"]:,.1f} s (L: {lf["staged"]["seconds"]:,.1f} s). One more day
({day["rows_read"]:,} rows) took {day["seconds"]:,.1f} s, {day["pct_of_first_run"]:.1f}% of the first run. Growing
as it did from L to this size (time ~ rows^{k:.2f}), an XL first run would take about {xl_seconds / 60:,.0f} min: an
extrapolation, not a measurement.
"""


def staging_line(f: dict[str, Any]) -> str:
    domain = (f.get("staged") or {}).get("domain")
    if not domain:
        return ""
    per_model = ", ".join(f"{k} {v:.1f} s" for k, v in domain["per_model_s"].items())
    return (
        f"Staging models (first run): {domain['models_s']:.1f} s, their tests {domain['tests_s']:.1f} s. "
        f"Per model: {per_model}.\n"
    )


def staged_history_line(r: dict[str, Any]) -> str:
    """The staged figure moves with the host's speed as much as with the code, so the table's one run is shown
    beside the earlier whole runs' figures and their generate times (the same generator work every time)."""
    earlier = [e for e in r.get("earlier_runs") or [] if e.get("staged_s") is not None]
    staged = (r["first_run"].get("staged") or {}).get("seconds")
    if not earlier or staged is None:
        return ""
    runs = ", ".join(
        f"{e['staged_s']:.1f} s ({e.get('commit') or e['measured']}, generate {e['generate_s']:.1f} s)" for e in earlier
    )
    return (
        f"Ingested and staged in the earlier whole benchmarks below (older code, other phases of the host): {runs}; "
        f"in the table's run {staged:.1f} s (generate {r['generate']['seconds']:.1f} s).\n"
    )


def overhead_line(f: dict[str, Any]) -> str:
    parts = f.get("overhead_parts_s")
    if not parts:
        return ""
    return (
        f"Overhead of the first run, by where it goes: outside the steps (imports, run creation, summary) "
        f"{parts['outside_steps_s']:.1f} s; dbt parsing and cache before its first node "
        f"{parts['dbt_parse_and_cache_s']:.1f} s; the rest of the dbt steps beyond node execution (dbt's interpreter "
        f"start, between nodes, Dagster handling dbt's events, closing the warehouse) "
        f"{parts['dbt_steps_other_s']:.1f} s.\n"
    )


def verdict(seconds: float, target: float) -> str:
    return f"target < {target:g} s: {'met' if seconds < target else '**missed**'}"


def identity_section(r: dict[str, Any]) -> str:
    identity = r.get("identity")
    if not identity:
        return ""
    total = identity["models_s"] + identity["tests_s"]
    sc = identity["scores"]
    per_model = ", ".join(f"{k} {v:.1f} s" for k, v in identity["per_model_s"].items())
    return f"""
Identity resolution (dbt models under `identity/` and `stg_lead_versions`, first run):
**{identity["models_s"]:.1f} s** of models + {identity["tests_s"]:.1f} s of their tests = {total:.1f} s
({verdict(total, 60)}). Per model: {per_model}.
Against the ground truth: duplicate pairs precision {sc["pair_precision"]:.4f}, recall {sc["pair_recall"]:.4f}
({sc["true_positive_pairs"]:,} of {sc["true_pairs"]:,} pairs); false merges of people sharing a domain
{sc["false_merges_sharing_domain"]:,}; spam precision {sc["spam_precision"]:.4f}, recall {sc["spam_recall"]:.4f};
existing customers precision {sc["customer_precision"]:.4f}, recall {sc["customer_recall"]:.4f}.
"""


def scoring_section(r: dict[str, Any]) -> str:
    scoring = r.get("scoring")
    if not scoring:
        return ""
    history = scoring["score_history"]
    inside = history.get("challenger_in_models")
    total = scoring["models_s"] + scoring["tests_s"] + (0.0 if inside else scoring["predictive_step_s"])
    per_model = ", ".join(f"{k} {v:.1f} s" for k, v in scoring["per_model_s"].items())
    sums = (
        f"{history['models_s']:.1f} s of models (the challenger's training and scoring {history['predictive_s']:.1f} s"
        f" of them)\n+ {history['tests_s']:.1f} s of tests"
        if inside
        else f"{history['models_s']:.1f} s of models + {history['tests_s']:.1f} s of tests + "
        f"{history['predictive_s']:.1f} s challenger"
    )
    return f"""
Score history for every model version (`fct_lead_score_history` and the scoring models it needs:
{", ".join(history["models"])}; their tests{"" if inside else "; the challenger's training and scoring step"}),
first run: {sums} = **{history["total_s"]:.1f} s** ({verdict(history["total_s"], 90)}).
The whole scoring domain, adding current scores and the calibration marts: {total:.1f} s. Per model: {per_model}.
"""


def second_run_note(s: dict[str, Any]) -> str:
    if s.get("skipped_unchanged"):
        note = (
            f"nothing changed: models, tests, challenger and publish skipped (ingest {s['ingest_s']:.1f} s, "
            f"gates {s['quality_gate_s']:.1f} s)"
        )
        if "replaces" in s:  # measured after the rest of the section: say when, and what it was before
            note += (
                f"; measured {s['measured']} when the skip was added (rebuilding everything it took "
                f"{s['replaces']['seconds']:.1f} s)"
            )
        return note
    return f"overhead {s['overhead_s']:.1f} s"


def git_commit() -> str | None:
    """The checkout's commit, marked when it has uncommitted changes, so a result says what code it measured."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True)  # fmt: skip
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+uncommitted" if dirty.stdout.strip() else "")


def run_digest(r: dict[str, Any]) -> dict[str, Any]:
    """The few figures of a whole run that its issue targets judge, kept when a newer run replaces it."""
    f = r["first_run"]
    day = r.get("one_more_day") or {}
    return {
        "measured": r["machine"]["date"],
        "commit": r.get("commit"),
        "generate_s": r["generate"]["seconds"],
        "first_run_s": f["seconds"],
        "ingest_s": f["ingest_s"],
        "staged_s": (f.get("staged") or {}).get("seconds"),
        "overhead_s": f["overhead_s"],
        "second_run_s": r["second_run"]["seconds"],
        "one_more_day_s": day.get("seconds"),
        "one_more_day_pct": day.get("pct_of_first_run"),
    }


def carry_history(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A new whole run replaces the table's figures but not what was measured before it: the replaced run
    joins ``earlier_runs`` and the changes measured after it join ``earlier_changes``."""
    return {
        **new,
        "earlier_runs": [*old.get("earlier_runs", []), run_digest(old)],
        "earlier_changes": [*old.get("earlier_changes", []), *old.get("later_changes", [])],
    }


def earlier_section(r: dict[str, Any]) -> str:
    """Whole runs the table's run replaced, and the changes measured between them, oldest first."""
    runs, changes = r.get("earlier_runs") or [], r.get("earlier_changes") or []
    if not runs and not changes:
        return ""
    text = (
        f"\n### Before the run above\n\nEarlier whole {r['size']} benchmarks (a host's speed varies between runs, even "
        "within a day: compare `generate`):\n\n"
    )
    for e in runs:
        staged = f", ingested and staged {e['staged_s']:.1f} s" if e.get("staged_s") is not None else ""
        day = (
            f", one more day {e['one_more_day_s']:.1f} s = {e['one_more_day_pct']:.1f}% of the first run"
            if e.get("one_more_day_s") is not None
            else ""
        )
        commit = f" ({e['commit']})" if e.get("commit") else ""
        text += (
            f"- {e['measured']}{commit}: generate {e['generate_s']:.1f} s, first run {e['first_run_s']:.1f} s "
            f"(ingest {e['ingest_s']:.1f} s{staged}, overhead {e['overhead_s']:.1f} s), run with no new files "
            f"{e['second_run_s']:.1f} s{day}.\n"
        )
    if changes:
        text += (
            "\nChanges measured since the first of those runs, each against the code just before it, back to back on\n"
            f"one host (on the same {r['size']} landing files unless the entry says otherwise):\n\n"
            + "\n".join(change_line(c) for c in changes)
            + "\n"
        )
    return text


def change_line(c: dict[str, Any]) -> str:
    return f"- {c['measured']}, {c['what']}: {c['before_s']:.1f} s before, {c['after_s']:.1f} s after ({c['detail']})."


def later_changes_section(r: dict[str, Any]) -> str:
    """Changes measured after the section's run, each against the code before it, back to back on the same
    data and host (the hosts' speed varies over a day, so only such pairs compare; bench/ingest.py measures
    ingest alone). The figures above stay the run's own."""
    changes = r.get("later_changes") or []
    if not changes:
        return ""
    return (
        "\nMeasured later, each change against the code just before it, back to back on one host (on the same L\n"
        "landing files unless the entry says otherwise; the table keeps the figures of the run above):\n\n"
        + "\n".join(change_line(c) for c in changes)
        + "\n"
    )


def latest_targets_section(r: dict[str, Any]) -> str:
    """The table's run may predate later changes: the last whole L benchmark recorded with a change (its
    ``targets``: name -> [value, target, unit]) says where each issue target stands now."""
    latest = next((c for c in reversed(r.get("later_changes") or []) if c.get("targets")), None)
    if latest is None:
        return ""
    items = "; ".join(
        f"{name} **{value:.1f}{unit}** (target < {target:g}{unit}: {'met' if value < target else 'missed'})"
        for name, (value, target, unit) in latest["targets"].items()
    )
    return f"\nLatest whole L benchmark ({latest['measured']}, after the last change listed below): {items}.\n"


def parse_row(r: dict[str, Any]) -> str:
    p = r.get("project_parse")
    if not p:
        return ""
    return (
        f"\n| dbt parse of the project (once per checkout or code change, before the first run) | {p['seconds']:.1f} s "
        f"| {p['peak_rss_mb']:,.0f} MB | |"
    )


def write_report() -> None:
    sections = []
    for path in sorted(p for p in RESULTS.glob("*.json") if not p.name.startswith(("spill-", "scale-"))):
        r = json.loads(path.read_text())
        m, f, s, g = r["machine"], r["first_run"], r["second_run"], r["generate"]
        overhead = f["overhead_s"]
        notes = staging_line(f) + staged_history_line(r) + overhead_line(f)
        staged = (f.get("staged") or {}).get("seconds")
        staged_row = (
            f"| · **ingested and staged** (from `leadflow run` to the last staging model and test done) "
            f"| **{staged:.1f} s** | | {verdict(staged, 120)} |\n"
            if staged is not None
            else ""
        )
        counts = ", ".join(f"{k} {v:,}" for k, v in r["counts"].items() if isinstance(v, int))
        build = "the challenger included" if f.get("challenger_in_dbt") else "both steps"
        commit = f" (code {r['commit']})" if r.get("commit") else ""
        sections.append(
            f"""## Size {r["size"]}

Measured {m["date"]}{commit} on {m["cores"]} cores ({m["cpu"]}), {m["memory_gib"]} GiB, Python {m["python"]},
DuckDB {m["duckdb"]}. Generated: {counts}.

| phase | wall time | peak memory | throughput |
|---|---:|---:|---|
| generate | {g["seconds"]:.1f} s | {g["peak_rss_mb"]:,.0f} MB | |{parse_row(r)}
| first run, whole (`leadflow run`) | {f["seconds"]:.1f} s | {f["peak_rss_mb"]:,.0f} MB | {r["rows_read"]:,} rows read |
| · ingest (4 raw assets) | {f["ingest_s"]:.1f} s | | {f["ingest_rows_per_s"]:,} rows/s |
| · Great Expectations gates | {f["quality_gate_s"]:.1f} s | | |
| · dbt build, {build} (seeds, models, tests) | {f["dbt_step_s"]:.1f} s | | nodes {f["dbt_node_execution_s"]:.1f} s |
| · publish analytics file | {f["publish_s"]:.1f} s | | {r["analytics_mb"]:,.0f} MB file |
{staged_row}| · ingest + gates + the whole dbt build, {build} | {f["ingest_and_staging_s"]:.1f} s | | |
| · **orchestration overhead** (Dagster + dbt start-up) | **{overhead:.1f} s** | | {verdict(overhead, 15)} |
| second run, no new files | {s["seconds"]:.1f} s | {s["peak_rss_mb"]:,.0f} MB | {second_run_note(s)} |

dbt node execution by type (first run): {", ".join(f"{k} {v:.1f} s" for k, v in f["dbt_nodes_s"].items())}.
{notes}Landing files: {r.get("landing_mb", 0):,.0f} MB; working warehouse file: {r["warehouse_mb"]:,.0f} MB.
{latest_targets_section(r)}{later_changes_section(r)}{incremental_section(r)}{pandas_section(r)}{identity_section(r)}{scoring_section(r)}{operations_section(r)}{funnel_section(r)}{reporting_section(r)}{earlier_section(r)}"""
        )
    sections.append(xl_section())
    REPORT.write_text(
        "# Performance\n\n"
        "Figures written by `bench/run.py` (`make bench` runs size L). Each phase runs in its own process; peak\n"
        "memory is that process's maximum resident set, including the dbt subprocess. Overhead is the whole\n"
        "run minus ingest, gate, dbt node execution, the challenger's training (its own step in runs measured\n"
        "before the afternoon of 2026-11-27, dbt nodes since) and publish: Python and Dagster start-up, dbt\n"
        "start-up and parsing, and step scheduling; not dbt's parse of the whole project, done once per checkout or\n"
        "code change, which the benchmark runs before the first run (its own line, in runs since 2026-12-07; before,\n"
        "a fresh checkout's first run included it). The second run finds no new files\n"
        "(and, with the same code and settings, skips the models and publish: docs/incremental.md); the third\n"
        "lands the days held back from the first (docs/incremental.md).\n\n" + "\n".join(sections)
    )


if __name__ == "__main__":
    raise SystemExit(main())
