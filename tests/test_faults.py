"""A run killed with SIGKILL during ingest, during dbt and during publish: while it is down the published file
is still the previous complete version, and the next run completes with every landing row exactly once (no
duplicate, none missing) and a published file identical to the warehouse."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.run import run_pipeline
from orchestration.settings import ROOT, Settings
from tests.conftest import settings_for

ENTITIES = ("leads", "activities", "deals", "companies")


def _run_until(settings: Settings, marker: str, occurrence: int = 1, pause: str | None = None) -> list[str]:
    """Start `leadflow run`, read its progress lines and SIGKILL its whole process group at the marker."""
    env = {**os.environ, "LEADFLOW_DATA_DIR": str(settings.data_dir)}
    env.pop("LEADFLOW_FAULT_PAUSE", None)
    if pause:
        env["LEADFLOW_FAULT_PAUSE"] = pause
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    seen, lines = 0, []
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line.rstrip())
        if marker in line:
            seen += 1
            if seen == occurrence:
                os.killpg(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=60)
    assert seen == occurrence, f"the run ended before {marker!r}:\n" + "\n".join(lines[-30:])
    assert proc.returncode == -signal.SIGKILL
    return lines


def _published_version(settings: Settings) -> tuple[str, int]:
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        run_id = con.execute("select run_id from main.leadflow_publish").fetchone()[0]
        return run_id, con.execute("select count(*) from staging.stg_leads").fetchone()[0]


def _landing_rows(folder: Path) -> dict[str, int]:
    """Data rows per entity, read straight from the landing files (independently of ingest)."""
    con = duckdb.connect()
    counts = {}
    for entity in ENTITIES:
        total = 0
        for path in (folder / entity).iterdir():
            if path.name.endswith(".parquet"):
                total += con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0]
            elif path.name.endswith(".jsonl"):
                total += sum(1 for line in path.read_text().splitlines() if line.strip())
            else:
                total += con.execute(
                    f"select count(*) from read_csv('{path}', all_varchar = true, header = true)"
                ).fetchone()[0]
        counts[entity] = total
    return counts


@pytest.fixture(scope="module")
def killed_three_times(tmp_path_factory: pytest.TempPathFactory):
    from orchestration.generate import generate

    monkeypatch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("faults")
    generated = root / "generated"
    generate(out=generated, n_leads=1500, seed=5)
    settings = settings_for(root / "data", monkeypatch)
    batches: list[list[tuple[Path, Path]]] = [[], []]
    for entity in ENTITIES:
        files = sorted((generated / "landing" / entity).iterdir())
        for i, path in enumerate(files):
            batches[0 if i < len(files) // 2 else 1].append((path, settings.landing_dir / entity / path.name))

    def land(batch: list[tuple[Path, Path]]) -> None:
        for source, target in batch:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)

    land(batches[0])
    first = run_pipeline(settings)
    assert first.success, first.to_json()
    version_1 = _published_version(settings)
    land(batches[1])
    observed = {}
    ingest_lines = _run_until(settings, "fault-pause ingest-before-commit", pause="ingest-before-commit")
    observed["ingest"] = _published_version(settings)
    _run_until(settings, "dbt      built", occurrence=12)
    observed["dbt"] = _published_version(settings)
    _run_until(settings, "fault-pause publish-mid-copy", pause="publish-mid-copy")
    observed["publish"] = _published_version(settings)
    final = run_pipeline(settings)
    yield settings, final, version_1, observed, ingest_lines
    monkeypatch.undo()


def test_the_cli_says_what_it_starts_before_the_seconds_of_start_up(killed_three_times) -> None:
    """Dagster's import and the asset graph take seconds before ingest: the terminal must not stay blank."""
    settings, *_, lines = killed_three_times
    steps = [ln.split("]", 1)[1].strip() for ln in lines if ln.startswith("[")]
    assert steps[0] == f"run      starting: landing {settings.landing_dir}, warehouse {settings.warehouse_path}"
    assert steps[1] == "run      loading the asset graph (Dagster, dbt manifest)"
    assert steps[2].startswith("ingest   ")


def test_the_published_file_stays_the_old_complete_version_while_runs_die(killed_three_times) -> None:
    settings, final, version_1, observed, _ = killed_three_times
    assert observed == {"ingest": version_1, "dbt": version_1, "publish": version_1}
    assert final.success and final.published, final.to_json()
    assert _published_version(settings)[0] == final.run_id != version_1[0]
    # no half-written publish file is left behind by the killed publish
    assert [p.name for p in settings.analytics_path.parent.glob(f".{settings.analytics_path.name}*")] == []


def test_after_the_kills_every_landing_row_is_in_raw_exactly_once(killed_three_times) -> None:
    settings, *_ = killed_three_times
    expected = _landing_rows(settings.landing_dir)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        for entity in ENTITIES:
            loaded = con.execute(f"select count(*) from raw.{entity}").fetchone()[0]
            rejected = con.execute("select count(*) from raw._rejected_rows where entity = ?", [entity]).fetchone()[0]
            distinct = con.execute(f"select count(distinct (_source_file, _row_number)) from raw.{entity}").fetchone()[
                0
            ]
            assert loaded + rejected == expected[entity], entity
            assert distinct == loaded, f"{entity}: duplicate raw rows"
        files = con.execute("select count(*), count(distinct source_file) from raw._load_log where status = 'loaded'")
        logged, distinct_files = files.fetchone()
    assert logged == distinct_files == sum(len(list((settings.landing_dir / e).iterdir())) for e in ENTITIES)


def test_after_the_kills_the_published_file_equals_the_warehouse(killed_three_times) -> None:
    settings, *_ = killed_three_times
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        con.execute(f"attach '{settings.analytics_path}' as published (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'published' "
            "and schema_name in ('staging', 'marts')"
        ).fetchall()
        assert len(tables) > 30
        for schema, table in tables:
            differ = con.execute(
                f"select count(*) from ((select * from {schema}.{table} except all "
                f"select * from published.{schema}.{table}) union all (select * from published.{schema}.{table} "
                f"except all select * from {schema}.{table}))"
            ).fetchone()[0]
            assert differ == 0, f"{schema}.{table}"
