"""Publishing onto a copy of the previous analytics file (orchestration/publish.py, APPENDED_TABLES).

A small working warehouse stands in for dbt's output: staging.stg_activities kept the way the incremental model
keeps it (a later load replaces a row by key), and a mart rebuilt every run. Each published table is compared
with the working one row for row, independently of how it was published.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish

FIRST_LOAD = datetime(2026, 3, 1, 6, 0)


def _working(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging")
        con.execute("create schema marts")
        con.execute(
            "create table staging.stg_activities as "
            "select 'crm:' || i as activity_key, 'person' || (i % 97) || '@example.com' as email, "
            "i * 1.5 as amount, ? as loaded_at from range(5000) as r(i)",
            [FIRST_LOAD],
        )
        con.execute("comment on table staging.stg_activities is 'One row per activity.'")
        con.execute("comment on column staging.stg_activities.email is 'Email, lower-cased.'")
        con.execute("create table marts.activity_counts as select count(*) as n from staging.stg_activities")
        con.execute("create view marts.recent as select * from staging.stg_activities where amount > 7000")


def _next_load(path: Path, day: int) -> None:
    """What dbt's delete+insert does with a daily load: 300 new activities and 40 new versions of old ones."""
    loaded = FIRST_LOAD + timedelta(days=day)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create temp table batch as "
            "select 'crm:' || i as activity_key, 'new' || i || '@example.com' as email, -1.0 * i as amount, "
            "? as loaded_at from (select unnest(range(?, ? + 300)) as i union all select unnest(range(?, ? + 40)))",
            [loaded, 10_000 * day, 10_000 * day, 100 * day, 100 * day],
        )
        con.execute("delete from staging.stg_activities where activity_key in (select activity_key from batch)")
        con.execute("insert into staging.stg_activities select * from batch")
        con.execute("create or replace table marts.activity_counts as select count(*) as n from staging.stg_activities")


def _differences(published: Path, working: Path, table: str, masked: dict[str, str] | None = None) -> int:
    """Rows in one table and not the other, both ways (multiset difference)."""
    con = duckdb.connect()
    con.execute(f"attach '{published}' as p (read_only)")
    con.execute(f"attach '{working}' as w (read_only)")
    if masked:
        replace = ", ".join(
            f"sha256('{salt}' || cast({column} as varchar)) as {column}" for column, salt in masked.items()
        )
        working_rows = f"select * replace ({replace}) from w.{table}"
    else:
        working_rows = f"select * from w.{table}"
    differ = con.execute(
        f"select (select count(*) from (select * from p.{table} except all {working_rows})) "
        f"+ (select count(*) from ({working_rows} except all select * from p.{table}))"
    ).fetchone()[0]
    con.close()
    return differ


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    working, target = tmp_path / "warehouse.duckdb", tmp_path / "analytics.duckdb"
    _working(working)
    return working, target


def test_daily_loads_are_applied_to_a_copy_and_every_table_equals_the_warehouse(paths: tuple[Path, Path]) -> None:
    working, target = paths
    first = publish(working, target, run_id="run-1")
    assert first.applied == {}  # nothing published yet: every table copied
    for day in (1, 2):
        _next_load(working, day)
        report = publish(working, target, run_id=f"run-{day + 1}")
        assert report.applied == {"staging.stg_activities": 340}
        assert report.tables["staging.stg_activities"] == 5000 + 300 * day
        for table in ("staging.stg_activities", "marts.activity_counts", "marts.recent"):
            assert _differences(target, working, table) == 0, (day, table)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select run_id from main.leadflow_publish").fetchall() == [("run-3",)]
        assert con.execute("select n from marts.activity_counts").fetchone() == (5600,)
        # a version loaded on day 2 replaced day 1's, which replaced the first load's
        assert con.execute(
            "select email, loaded_at from staging.stg_activities where activity_key = 'crm:200'"
        ).fetchall() == [("new200@example.com", FIRST_LOAD + timedelta(days=2))]
        comments = con.execute(
            "select comment from duckdb_columns() where table_name = 'stg_activities' and column_name = 'email'"
        ).fetchone()
        assert comments == ("Email, lower-cased.",)


def test_a_row_removed_from_the_warehouse_is_not_kept_from_the_old_file(paths: tuple[Path, Path]) -> None:
    """`leadflow forget` deletes old rows: the copy no longer matches, so the table is copied whole."""
    working, target = paths
    publish(working, target, run_id="run-1")
    _next_load(working, 1)
    with duckdb.connect(str(working)) as con:
        con.execute("delete from staging.stg_activities where email = 'person5@example.com'")
    report = publish(working, target, run_id="run-2")
    assert report.applied == {}
    assert _differences(target, working, "staging.stg_activities") == 0
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute(
            "select count(*) from staging.stg_activities where email = 'person5@example.com'"
        ).fetchone() == (0,)


def test_an_old_row_changed_in_the_warehouse_is_copied_whole(paths: tuple[Path, Path]) -> None:
    working, target = paths
    publish(working, target, run_id="run-1")
    with duckdb.connect(str(working)) as con:  # a full refresh with a new mapping rewrites old rows in place
        con.execute("update staging.stg_activities set amount = amount + 1 where activity_key = 'crm:7'")
    _next_load(working, 1)
    assert publish(working, target, run_id="run-2").applied == {}
    assert _differences(target, working, "staging.stg_activities") == 0


def test_masked_columns_are_applied_masked_and_a_new_salt_copies_whole(paths: tuple[Path, Path]) -> None:
    working, target = paths
    mask = {("staging", "stg_activities"): ["email"]}
    publish(working, target, run_id="run-1", mask=mask, salt="salt-a")
    _next_load(working, 1)
    assert publish(working, target, run_id="run-2", mask=mask, salt="salt-a").applied == {"staging.stg_activities": 340}
    assert _differences(target, working, "staging.stg_activities", {"email": "salt-a"}) == 0
    with duckdb.connect(str(target), read_only=True) as con:
        new = con.execute("select email from staging.stg_activities where activity_key = 'crm:10005'").fetchone()[0]
    assert new == hashlib.sha256(b"salt-anew10005@example.com").hexdigest()
    _next_load(working, 2)
    assert publish(working, target, run_id="run-3", mask=mask, salt="salt-b").applied == {}
    assert _differences(target, working, "staging.stg_activities", {"email": "salt-b"}) == 0


def test_a_full_refresh_or_an_unreadable_file_publishes_everything_afresh(paths: tuple[Path, Path]) -> None:
    working, target = paths
    publish(working, target, run_id="run-1")
    _next_load(working, 1)
    assert publish(working, target, run_id="run-2", reuse_published=False).applied == {}
    assert _differences(target, working, "staging.stg_activities") == 0
    target.write_bytes(b"not a database")
    _next_load(working, 2)
    assert publish(working, target, run_id="run-3").applied == {}
    assert _differences(target, working, "staging.stg_activities") == 0
