"""The CLI a person types: help for every command, read-only SQL, status, clear errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import build_parser, main
from orchestration.run import run_lock
from orchestration.settings import Settings


@pytest.mark.parametrize("command", ["generate", "run", "sql", "status", "ui"])
def test_every_command_has_help(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: leadflow {command}")
    assert len(text.splitlines()) >= 4


def test_top_level_help_lists_commands_and_environment() -> None:
    text = build_parser().format_help()
    for word in ("generate", "run", "sql", "status", "LEADFLOW_LANDING_DIR", "LEADFLOW_ANALYTICS_PATH"):
        assert word in text


def test_help_answers_without_heavy_imports() -> None:
    """`leadflow --help` must not import Dagster, dbt or GX (seconds of start-up)."""
    code = (
        "import sys; from orchestration.cli import build_parser; build_parser().format_help(); "
        "print(sorted(m for m in ('dagster', 'dbt', 'great_expectations') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_run_without_landing_folder_explains_what_to_do(settings: Settings, capsys) -> None:
    assert not settings.landing_dir.exists()
    assert main(["run", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(settings.landing_dir) in err and "leadflow generate" in err


def test_the_installed_program_exits_with_the_commands_code(settings: Settings) -> None:
    """`leadflow` is :func:`program` (main, then an exit that skips the collector): main's code is the exit code."""
    leadflow = Path(sys.executable).parent / "leadflow"
    result = subprocess.run([str(leadflow), "run", "--quiet"], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "leadflow generate" in result.stderr
    assert subprocess.run([str(leadflow), "--help"], capture_output=True, check=False).returncode == 0


def test_second_run_refuses_while_one_holds_the_lock(settings: Settings, capsys) -> None:
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    with run_lock(settings.state_dir):
        assert main(["run", "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "another leadflow run is in progress" in err and "pid" in err


def _tiny_analytics(settings: Settings) -> None:
    con = duckdb.connect(str(settings.analytics_path))
    con.execute("create schema staging")
    con.execute("create table staging.stg_leads as select * from (values ('a', 1), ('b', 2)) t(lead_key, n)")
    con.close()


def test_sql_query_in_each_format(settings: Settings, capsys) -> None:
    _tiny_analytics(settings)
    assert main(["sql", "select lead_key, n from staging.stg_leads order by n", "--format", "csv"]) == 0
    assert capsys.readouterr().out == "lead_key,n\na,1\nb,2\n"
    assert main(["sql", "select sum(n) as total from staging.stg_leads", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"total": 3}]
    assert main(["sql", "select count(*) as leads from staging.stg_leads"]) == 0
    assert "leads" in capsys.readouterr().out


def test_sql_piped_into_a_reader_that_stops_early_ends_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """`leadflow sql ... | head`: when the reader has closed the pipe, writing fails with EPIPE; the command stops
    quietly with exit 0 instead of printing `error: [Errno 32] Broken pipe`."""
    db = tmp_path / "numbers.duckdb"
    duckdb.connect(str(db)).close()

    class ClosedPipe:
        def __init__(self, path: Path) -> None:
            self._file = path.open("w")

        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            pass

        def fileno(self) -> int:
            return self._file.fileno()

    monkeypatch.setattr(sys, "stdout", ClosedPipe(tmp_path / "stdout"))
    assert main(["sql", "select range as n from range(10)", "--db", str(db), "--format", "csv"]) == 0
    assert capsys.readouterr().err == ""


def test_the_default_memory_limit_is_half_of_a_small_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from orchestration.settings import default_memory_limit

    pages = {"SC_PAGE_SIZE": 4096}

    def sysconf(name: str) -> int:
        return pages[name]

    monkeypatch.setattr(os, "sysconf", sysconf)
    pages["SC_PHYS_PAGES"] = 8 * 2**30 // 4096  # an 8 GiB laptop
    assert default_memory_limit() == f"{4 * 2**30 // 10**6}MB"
    pages["SC_PHYS_PAGES"] = 64 * 2**30 // 4096
    assert default_memory_limit() == "12GB"


def test_sql_is_read_only_and_reports_errors(settings: Settings, capsys) -> None:
    _tiny_analytics(settings)
    assert main(["sql", "delete from staging.stg_leads"]) == 1
    assert "read-only" in capsys.readouterr().err.lower()
    assert main(["sql", "select * from nowhere"]) == 1
    assert "nowhere" in capsys.readouterr().err


def test_sql_before_any_run_says_so(settings: Settings) -> None:
    with pytest.raises(SystemExit, match="run `leadflow run` first"):
        main(["sql", "select 1"])


def test_status_before_any_run(settings: Settings, capsys) -> None:
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "No run yet" in text and "Nothing published yet" in text
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_run"] is None and status["published"]["exists"] is False


def test_status_lines_up_the_row_counts_of_long_table_names() -> None:
    from orchestration.status import format_status

    rows = {"marts.dim_leads": 82_728, "marts.mart_disqualification_and_loss_reasons": 7_467, "reference.reps": 26}
    status = {
        "run_in_progress": None,
        "last_run": None,
        "published": {"path": "a.duckdb", "exists": True, "run_id": "r1", "published_at": "t", "rows": rows},
        "landing": {"available": False, "reason": "no warehouse"},
    }
    text = format_status(status)
    lines = [ln for ln in text.splitlines() if ln.endswith(" rows")]
    assert [ln.split()[0] for ln in lines] == ["marts.dim_leads", "marts.mart_disqualification_and_loss_reasons"]
    assert len({ln.index(" rows") for ln in lines}) == 1  # the counts end in one column
    # the seeds are published too (the run counts them): said, not listed
    assert "  and 1 reference.* tables (the RevOps rules in seeds/)" in text.splitlines()


def test_errors_a_user_can_fix_are_one_line_not_a_traceback(
    settings: Settings, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.analytics_path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(settings.analytics_path)).close()
    a_file = tmp_path / "a_file"
    a_file.write_text("")

    assert main(["sql", "-f", str(tmp_path / "missing.sql")]) == 1
    assert main(["generate", "--leads", "100", "--out", str(a_file)]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors), errors
    assert "missing.sql" in errors[0] and "Not a directory" in errors[1]

    for argv in (["generate", "--leads", "5"], ["sql", "--max-rows", "-3", "select 1"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    assert "expected at least 100, got 5" in capsys.readouterr().err

    monkeypatch.setenv("LEADFLOW_MEMORY_LIMIT", "banana")
    assert main(["status"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: LEADFLOW_MEMORY_LIMIT = 'banana' is not a size: expected a number and a unit such as 12GB or 512MB"
    )
