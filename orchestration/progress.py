"""Progress lines for long runs, on stderr, only when the CLI asks for them.

Dagster's own event log is verbose and goes to its UI; a person at a terminal wants one line per
step with the elapsed time. Assets call :func:`say`; under ``dagster dev`` it stays silent and the
same facts reach the Dagster UI through ``context.log`` and asset metadata.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_START = time.monotonic()


def enable() -> None:
    global _START
    _START = time.monotonic()
    os.environ["LEADFLOW_PROGRESS"] = "1"


def enabled() -> bool:
    return os.environ.get("LEADFLOW_PROGRESS") == "1"


# Where progress goes while a run sends everything else written to stderr (Dagster's console log) to its log file.
_TERMINAL: TextIO | None = None


def terminal() -> TextIO:
    """The stream a person at the terminal reads: stderr, even while a run redirects it."""
    return _TERMINAL or sys.stderr


@contextmanager
def keep_terminal() -> Iterator[None]:
    """Pin progress (and fault-pause markers) to the current stderr while the caller redirects sys.stderr."""
    global _TERMINAL
    previous, _TERMINAL = _TERMINAL, sys.stderr
    try:
        yield
    finally:
        _TERMINAL = previous


def say(message: str) -> None:
    if enabled():
        print(f"[{time.monotonic() - _START:7.1f}s] {message}", file=terminal(), flush=True)
