"""Benchmark ingest alone: load a landing folder into a fresh scratch warehouse, entity by entity.

A whole `leadflow run` on L takes minutes; a change to ingest needs only its own figures, measured back to
back against the code before it on the same host (these 2-core hosts vary by up to 1.7x over a day, so
only figures taken together compare). Run it from each checkout:

    .venv/bin/python bench/ingest.py --landing /tmp/L/landing
    (cd ../other-checkout && /path/to/.venv/bin/python bench/ingest.py --landing /tmp/L/landing)

It prints one JSON object: seconds, rows read and rows/s per entity and in total, and the peak memory of
the process. The scratch warehouse is deleted afterwards; nothing is written to the docs.

`--erased N` measures ingest once persons have been erased (`leadflow forget`): the scratch warehouse starts
with N address keys and N lead-record keys of made-up persons in raw._erased_keys, so every row is checked
against them (none matches).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout this script sits in, not an installed copy of leadflow

from orchestration.contract import CONTRACTS  # noqa: E402
from orchestration.erasure import ERASED_KEYS_TABLE  # noqa: E402
from orchestration.ingest import ensure_raw_schema, ingest_entity  # noqa: E402
from orchestration.resources import connect  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", type=Path, required=True, help="landing folder (one subfolder per entity)")
    parser.add_argument("--memory-limit", default="12GB", help="DuckDB memory limit, as in a run [12GB]")
    parser.add_argument("--erased", type=int, default=0, help="start with N erased persons' keys (default 0)")
    args = parser.parse_args()
    if not args.landing.is_dir():
        parser.error(f"--landing {args.landing}: no such folder")
    scratch = Path(tempfile.mkdtemp(prefix="leadflow-ingest-bench-"))
    figures: dict[str, dict[str, float]] = {}
    try:
        with connect(scratch / "warehouse.duckdb", memory_limit=args.memory_limit, temp_dir=scratch / "tmp") as con:
            if args.erased:
                ensure_raw_schema(con)
                con.execute(
                    f"""
                    insert into {ERASED_KEYS_TABLE}
                    select kind, sha256(kind || '-' || i || '@erased.example'), now()::timestamp
                    from range({args.erased}) as t(i), (values ('email'), ('lead')) as k(kind)
                    """
                )
            for entity in CONTRACTS:
                start = time.perf_counter()
                report = ingest_entity(con, entity, args.landing, scratch / "quarantine", load_id="bench")
                seconds = time.perf_counter() - start
                figures[entity] = {
                    "seconds": round(seconds, 2),
                    "rows_read": report.rows_read,
                    "rows_per_s": round(report.rows_read / seconds) if seconds else 0,
                    "files_quarantined": len(report.quarantined),
                }
                print(f"[ingest] {entity}: {seconds:.1f} s, {report.rows_read:,} rows", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    total_s = sum(f["seconds"] for f in figures.values())
    total_rows = sum(f["rows_read"] for f in figures.values())
    result = {
        "landing": str(args.landing),
        "erased_persons": args.erased,
        "entities": figures,
        "seconds": round(total_s, 2),
        "rows_read": total_rows,
        "rows_per_s": round(total_rows / total_s) if total_s else 0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
