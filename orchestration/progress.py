"""Progress lines for long runs, on stderr, only when the CLI asks for them.

Dagster's own event log is verbose and goes to its UI; a person at a terminal wants one line per
step with the elapsed time. Assets call :func:`say`; under ``dagster dev`` it stays silent and the
same facts reach the Dagster UI through ``context.log`` and asset metadata.
"""

from __future__ import annotations

import os
import sys
import time

_START = time.monotonic()


def enable() -> None:
    global _START
    _START = time.monotonic()
    os.environ["LEADFLOW_PROGRESS"] = "1"


def enabled() -> bool:
    return os.environ.get("LEADFLOW_PROGRESS") == "1"


def say(message: str) -> None:
    if enabled():
        print(f"[{time.monotonic() - _START:7.1f}s] {message}", file=sys.stderr, flush=True)
