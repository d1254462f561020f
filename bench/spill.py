"""A whole run with a small DuckDB memory limit: does the build finish by spilling to disk?

XL (10M leads) would hold ten times L's data in 24 GiB. This script gives L the same data-to-memory ratio
(``--memory-limit 2GB`` by default) and reports whether the run completes, its wall time, the process's peak
memory and the peak size of the spill folder (sampled every second), so the spill path is measured, not assumed.

    .venv/bin/python bench/spill.py --size L --memory-limit 2GB    # writes bench/results/spill-L-2GB.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(FileNotFoundError):  # a spill file removed while we looked
            total += path.stat().st_size if path.is_file() else 0
    return total


class FolderPeak:
    """The largest size a folder reaches while the block runs, sampled every second in a thread: DuckDB creates and
    deletes its spill files as it goes, so only sampling shows how much it needed at once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.peak_bytes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak_bytes = max(self.peak_bytes, folder_bytes(self.folder))
            time.sleep(1)

    def __enter__(self) -> FolderPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["S", "M", "L"], default="L")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--memory-limit", default="2GB", help="LEADFLOW_MEMORY_LIMIT for the run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="scratch folder (deleted first)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder afterwards")
    args = parser.parse_args()

    label = f"spill-{args.size}-{args.memory_limit}"
    out = Path(args.out) / label
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    env |= {"LEADFLOW_DATA_DIR": str(out), "LEADFLOW_MEMORY_LIMIT": args.memory_limit}
    cli = [sys.executable, "-m", "orchestration.cli"]
    print(f"[spill] generate {args.size}", file=sys.stderr, flush=True)
    subprocess.run([*cli, "generate", "--size", args.size, "--seed", str(args.seed), "--out", str(out)],
                   env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip

    print(f"[spill] run with LEADFLOW_MEMORY_LIMIT={args.memory_limit}", file=sys.stderr, flush=True)
    with FolderPeak(out / "tmp") as temp:
        started = time.perf_counter()
        proc = subprocess.Popen([*cli, "run", "--quiet"], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    summary = json.loads((out / ".leadflow" / "last_run.json").read_text())
    result = {
        "size": args.size,
        "memory_limit": args.memory_limit,
        "exit_status": os.waitstatus_to_exitcode(status),
        "success": summary["success"],
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_temp_mb": round(temp.peak_bytes / 2**20, 1),
        "rows_read": sum(v["rows_read"] for v in summary["loaded_this_run"].values()),
        "failed_steps": summary["failed_steps"],
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{label}.json").write_text(json.dumps(result, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return 0 if result["success"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
