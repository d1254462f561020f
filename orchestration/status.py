"""``leadflow status``: what the last run did and what in the landing data needs fixing.

Reads the last run record, the published file (read-only, like an analyst) and the working
warehouse's load log. While a run holds the working file, status says so instead of failing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from orchestration.contract import CONTRACTS, unsupported_files
from orchestration.erasure import ERASED_REASON
from orchestration.settings import Settings


def _published(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"path": str(path), "exists": False}
    con = duckdb.connect(str(path), read_only=True)
    try:
        run_id, published_at = con.execute("select run_id, published_at from main.leadflow_publish").fetchone()
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() where schema_name <> 'main' order by 1"
        ).fetchall()
        counts = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for (name,) in tables}
    finally:
        con.close()
    return {"path": str(path), "exists": True, "run_id": run_id, "published_at": published_at, "rows": counts}


def _landing_problems(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"available": False, "reason": f"{path} does not exist yet"}
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return {"available": False, "reason": "a run is writing the warehouse right now"}
    try:
        quarantined = [
            {"file": f, "error": e, "copied_to": q, "at": t}
            for f, e, q, t in con.execute(
                "select source_file, error, quarantine_path, loaded_at from raw._load_log "
                "where status = 'quarantined' order by loaded_at, source_file"
            ).fetchall()
        ]
        rejected = [
            {"entity": entity, "column": column, "rows": rows, "example": example}
            for entity, column, rows, example in con.execute(
                """
                select entity, column_name, count(*),
                       min(source_file || ' row ' || row_number || ': ' || reason)
                from raw._rejected_rows
                -- rows of erased persons apart from other problems of the same column: nothing to fix there
                group by entity, column_name, ends_with(reason, ?)
                order by entity, count(*) desc
                """,
                [ERASED_REASON],
            ).fetchall()
        ]
        # rows of files the raw gate quarantined after reading them are counted apart: read = loaded + rejected +
        # quarantined
        files = con.execute(
            "select count(*) filter (where status = 'loaded'), coalesce(sum(rows_read), 0), "
            "coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0), "
            "coalesce(sum(rows_read) filter (where status = 'quarantined'), 0) from raw._load_log"
        ).fetchone()
    except duckdb.Error as exc:
        return {"available": False, "reason": f"no load log yet ({exc.__class__.__name__})"}
    finally:
        con.close()
    return {
        "available": True,
        "files_loaded": files[0],
        "rows_read": files[1],
        "rows_loaded": files[2],
        "rows_rejected": files[3],
        "rows_quarantined": files[4],
        "quarantined_files": quarantined,
        "rejected_rows": rejected,
    }


def _not_read(landing_dir: Path) -> list[str]:
    return [name for entity in CONTRACTS for name in unsupported_files(landing_dir, entity)]


def collect_status(settings: Settings) -> dict[str, Any]:
    last_run_path = settings.state_dir / "last_run.json"
    last_run = json.loads(last_run_path.read_text(encoding="utf-8")) if last_run_path.exists() else None
    lock = settings.state_dir / "run.lock"
    holder = lock.read_text(encoding="utf-8").strip() if lock.exists() else ""
    return {
        "run_in_progress": holder or None,
        "last_run": last_run,
        "published": _published(settings.analytics_path),
        "landing": _landing_problems(settings.warehouse_path),
        "not_read": _not_read(settings.landing_dir),
    }


def format_status(status: dict[str, Any]) -> str:
    lines: list[str] = []
    if status["run_in_progress"]:
        lines.append(f"A run is in progress: {status['run_in_progress']}")
    last = status["last_run"]
    if last is None:
        lines.append("No run yet. Start one with `leadflow run`.")
    else:
        outcome = "succeeded" if last["success"] else "FAILED"
        lines.append(f"Last run {outcome}: {last['run_id']} ({last['started_at']} → {last['finished_at']} UTC)")
        lines.append(f"  checks: {last['checks_passed']} passed, {len(last['checks_failed'])} failed")
        if last.get("up_to_date_with"):
            lines.append(f"  nothing changed since run {last['up_to_date_with']}: models and publish skipped")
        for check in last["checks_failed"]:
            lines.append(f"    FAILED {check['asset']} :: {check['check']}")
            for text in (check.get("description") or "").splitlines()[:8]:
                lines.append(f"      {text}")
        from orchestration.run import step_error_lines

        for step in last["failed_steps"]:
            lines += step_error_lines(step)
        if last.get("log_path"):
            lines.append(f"  log: {last['log_path']}")
    published = status["published"]
    if published["exists"]:
        lines.append(f"Published: {published['path']} (run {published['run_id']}, at {published['published_at']} UTC)")
        shown = {name: count for name, count in published["rows"].items() if not name.startswith("reference.")}
        width = max(map(len, shown), default=0)
        for name, count in shown.items():
            lines.append(f"  {name:<{width}} {count:>12,} rows")
        seeds = len(published["rows"]) - len(shown)
        if seeds:
            # counted, not listed: the run's "N tables published" and `leadflow export` include them
            lines.append(f"  and {seeds} reference.* tables (the RevOps rules in seeds/)")
    else:
        lines.append(f"Nothing published yet at {published['path']}.")
    landing = status["landing"]
    if status.get("not_read"):
        lines.append(
            f"Landing folder: {len(status['not_read'])} item(s) not read (only .csv, .csv.gz, .parquet and .jsonl "
            "files directly in leads/, activities/, deals/, companies/ are): " + ", ".join(status["not_read"])
        )
    if not landing["available"]:
        lines.append(f"Landing data: unavailable ({landing['reason']}).")
        return "\n".join(lines)
    lines.append(
        f"Landing data: {landing['files_loaded']} files loaded, {landing['rows_read']:,} rows read = "
        f"{landing['rows_loaded']:,} loaded + {landing['rows_rejected']:,} rejected"
        + (
            f" + {landing['rows_quarantined']:,} in files the raw gate quarantined"
            if landing["rows_quarantined"]
            else ""
        )
    )
    if landing["quarantined_files"]:
        lines.append(f"  {len(landing['quarantined_files'])} quarantined file(s) to fix and drop again:")
        for q in landing["quarantined_files"]:
            lines.append(f"    {q['error']}")
            lines.append(f"      (copy kept at {q['copied_to']})")
    for r in landing["rejected_rows"]:
        noun = "row" if r["rows"] == 1 else "rows"
        lines.append(f"  rejected {r['entity']}.{r['column']}: {r['rows']:,} {noun}, e.g. {r['example']}")
    if not landing["quarantined_files"] and not landing["rejected_rows"]:
        lines.append("  nothing to fix.")
    return "\n".join(lines)
