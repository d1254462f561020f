"""Helpers that write small landing files in every supported format for the tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    text = "\n".join(lines) + "\n"
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_parquet(path: Path, select_sql: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"copy ({select_sql}) to '{path}' (format parquet)")
    con.close()
    return path


def minimal_landing(landing: Path) -> None:
    """A tiny but complete landing folder: two leads, activities, a deal moving through stages."""
    write_csv(
        landing / "leads" / "leads_2026-01.csv",
        ["lead_id", "source_system", "created_at", "email", "first_name", "last_name", "country", "employee_count"],
        [
            ["L1", "hubspot", "2026-01-05T10:00:00Z", " Ana.Silva@Acme.com ", "Ana", "Silva", "Brasil", "120"],
            ["L2", "hubspot", "2026-01-06 09:30:00-05:00", "bo@beta.io", "Bo", "Berg", "SWE", "40"],
        ],
    )
    write_csv(
        landing / "activities" / "activities_2026-01.csv",
        ["activity_id", "lead_id", "source_system", "activity_type", "occurred_at", "direction", "rep_id"],
        [
            ["A1", "L1", "hubspot", "Form Submission", "2026-01-05T10:00:00Z", "inbound", ""],
            ["A2", "L1", "hubspot", "Email Sent", "2026-01-05T10:20:00Z", "outbound", "R101"],
            ["A3", "L2", "hubspot", "Demo Request", "2026-01-06T15:00:00Z", "inbound", ""],
        ],
    )
    write_csv(
        landing / "deals" / "deals_2026-01.csv",
        ["deal_id", "lead_id", "source_system", "created_at", "updated_at", "stage", "amount", "currency"],
        [
            ["D1", "L1", "hubspot", "2026-01-10T12:00:00Z", "2026-01-10T12:00:00Z", "Qualified", "12000", "USD"],
            ["D1", "L1", "hubspot", "2026-01-10T12:00:00Z", "2026-01-20T12:00:00Z", "Proposal/Quote", "15000", "USD"],
        ],
    )
