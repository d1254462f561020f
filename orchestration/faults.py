"""Fault-injection points for the tests that kill a run halfway (tests/test_faults.py).

A point is inert unless ``LEADFLOW_FAULT_PAUSE`` names it: then the run announces it on stderr and sleeps
there, so a test can SIGKILL it at exactly that moment (mid-transaction, mid-publish) instead of racing a
timer. Nothing else reads the variable; production runs never set it.
"""

from __future__ import annotations

import os
import time


def pause_point(name: str) -> None:
    if os.environ.get("LEADFLOW_FAULT_PAUSE") == name:
        from orchestration import progress

        print(f"fault-pause {name}", file=progress.terminal(), flush=True)
        time.sleep(float(os.environ.get("LEADFLOW_FAULT_PAUSE_SECONDS", "600")))
