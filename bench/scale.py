"""The largest size this machine's disk holds: how the run grows beyond L, with DuckDB spilling where needed.

XL (10M leads) does not fit here (docs/performance.md says why), so this runs the pipeline at a chosen number of
lead records, 3M by default (about 60M activities): a first run with everything new, then the two days held back, as
`bench/run.py` does. It reports each phase beside L's (bench/results/L.json), the process's peak memory and the
peak size of the spill folder (sampled every second), and writes bench/results/scale-n<N>.json; docs/performance.md
shows it in the XL section.

    .venv/bin/python bench/scale.py --leads 3000000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from run import RESULTS, ROOT, hold_back_last_days, split_run, staged_seconds, timed, write_report
from spill import FolderPeak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=3_000_000, help="lead records to generate (L is 1,000,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="scratch folder (deleted first)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder afterwards")
    args = parser.parse_args()

    label = f"scale-n{args.leads}"
    out = Path(args.out) / label
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_") or k == "LEADFLOW_MEMORY_LIMIT"}
    env["LEADFLOW_DATA_DIR"] = str(out)
    cli = [sys.executable, "-m", "orchestration.cli"]

    gen = timed([*cli, "generate", "--leads", str(args.leads), "--seed", str(args.seed), "--out", str(out)], env,
                "generate")  # fmt: skip
    manifest = json.loads((out / "ground_truth" / "manifest.json").read_text())
    landing_mb = round(sum(p.stat().st_size for p in (out / "landing").rglob("*.*")) / 2**20, 1)
    held_back, held_days = hold_back_last_days(out / "landing", out / "held_back", days=2)

    with FolderPeak(out / "tmp") as temp:
        run1 = timed([*cli, "run", "--quiet"], env, "first run (everything new)")
        summary1 = json.loads((out / ".leadflow" / "last_run.json").read_text())
        split1 = split_run(summary1, run1["seconds"], out / ".leadflow")
        staged = staged_seconds(out / ".leadflow", run1["started_epoch"])
        warehouse_mb = round((out / "warehouse.duckdb").stat().st_size / 2**20, 1)
        analytics_mb = round((out / "analytics.duckdb").stat().st_size / 2**20, 1)

        for path in sorted(held_back.rglob("*.*")):
            path.replace(out / "landing" / path.relative_to(held_back))
        run3 = timed([*cli, "run", "--quiet"], env, "third run (the held-back days)")
        summary3 = json.loads((out / ".leadflow" / "last_run.json").read_text())
    rows_read = sum(v["rows_read"] for v in summary1["loaded_this_run"].values())
    new_rows = sum(v["rows_read"] for v in summary3["loaded_this_run"].values())
    result = {
        "leads": args.leads,
        "memory_limit": env.get("LEADFLOW_MEMORY_LIMIT", "12GB"),
        "counts": {entity: v["rows"] for entity, v in manifest["entities"].items()},
        "generate": {k: v for k, v in gen.items() if k not in ("stdout", "started_epoch")},
        "rows_read": rows_read,
        "first_run": {
            "seconds": run1["seconds"],
            "peak_rss_mb": run1["peak_rss_mb"],
            **split1,
            "staged_s": staged["seconds"],
            "success": summary1["success"],
        },
        "one_more_day": {
            "days": held_days,
            "seconds": run3["seconds"],
            "peak_rss_mb": run3["peak_rss_mb"],
            "rows_read": new_rows,
            "pct_of_first_run": round(100.0 * run3["seconds"] / run1["seconds"], 1),
            "success": summary3["success"],
        },
        "peak_temp_mb": round(temp.peak_bytes / 2**20, 1),
        "landing_mb": landing_mb,
        "warehouse_mb": warehouse_mb,
        "analytics_mb": analytics_mb,
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{label}.json").write_text(json.dumps(result, indent=2) + "\n")
    write_report()
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return 0 if summary1["success"] and summary3["success"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
