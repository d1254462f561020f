"""bench/run.py keeps what earlier benchmarks measured when a new whole run replaces a size's results: the
performance page's history (and the figures closing notes cite) must survive the next `make bench`."""

from __future__ import annotations

import importlib.util
from typing import Any

from orchestration.settings import ROOT

_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _result(date: str, first_run_s: float, staged_s: float, *, changes: list[dict[str, Any]] | None = None) -> dict:
    result: dict[str, Any] = {
        "size": "L",
        "machine": {"date": date},
        "generate": {"seconds": 80.0},
        "first_run": {"seconds": first_run_s, "ingest_s": 60.0, "overhead_s": 7.5, "staged": {"seconds": staged_s}},
        "second_run": {"seconds": 3.0},
        "one_more_day": {"seconds": first_run_s * 0.7, "pct_of_first_run": 70.0},
    }
    if changes is not None:
        result["later_changes"] = changes
    return result


def _change(what: str) -> dict[str, Any]:
    return {"measured": "2026-12-01", "what": what, "before_s": 20.0, "after_s": 10.0, "detail": "two pairs"}


def test_a_new_run_keeps_the_replaced_run_and_the_changes_measured_after_it() -> None:
    first = _result("2026-11-26", 436.0, 177.6, changes=[_change("change A"), _change("change B")])
    second = bench.carry_history(first, _result("2026-12-07", 409.1, 138.4))
    third = bench.carry_history({**second, "later_changes": [_change("change C")]}, _result("2026-12-20", 400.0, 130.0))

    assert third["first_run"]["seconds"] == 400.0  # the table is the newest run's
    assert [r["measured"] for r in third["earlier_runs"]] == ["2026-11-26", "2026-12-07"]
    assert [r["staged_s"] for r in third["earlier_runs"]] == [177.6, 138.4]
    assert [r["one_more_day_pct"] for r in third["earlier_runs"]] == [70.0, 70.0]
    assert [c["what"] for c in third["earlier_changes"]] == ["change A", "change B", "change C"]
    assert "later_changes" not in third

    text = bench.earlier_section(third)
    assert text.index("- 2026-11-26: generate 80.0 s, first run 436.0 s") < text.index("- 2026-12-07:")
    assert "ingested and staged 177.6 s" in text
    assert "- 2026-12-01, change C: 20.0 s before, 10.0 s after (two pairs)." in text
    # the newest run's own figures are the table's, not history
    assert "first run 400.0 s" not in text


def test_a_first_run_has_no_history_section() -> None:
    assert bench.earlier_section(_result("2026-12-07", 409.1, 138.4)) == ""
