"""Ingest: every format, case-insensitive columns, extras kept, bad files quarantined, bad rows rejected,
counts reconciled, each file loaded once and atomically."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import CONTRACTS
from orchestration.ingest import TIMESTAMP_EXPECTED, ingest_entity
from orchestration.resources import connect
from tests.landing import write_csv, write_jsonl, write_parquet


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "wh.duckdb", memory_limit="2GB") as connection:
        yield connection


def _ingest(con, landing: Path, entity: str = "leads", load_id: str = "run-1"):
    return ingest_entity(con, entity, landing, landing.parent / "quarantine", load_id)


def test_every_format_loads_with_the_same_values(con, landing: Path) -> None:
    header = ["lead_id", "created_at", "email", "employee_count"]
    write_csv(landing / "leads" / "a.csv", header, [["C1", "2026-01-01T10:00:00Z", "c1@x.com", "10"]])
    write_csv(landing / "leads" / "b.csv.gz", header, [["G1", "2026-01-01T10:00:00Z", "g1@x.com", "20"]])
    write_jsonl(
        landing / "leads" / "c.jsonl",
        [{"lead_id": "J1", "created_at": "2026-01-01T10:00:00Z", "email": "j1@x.com", "employee_count": 30}],
    )
    write_parquet(
        landing / "leads" / "d.parquet",
        "select 'P1' as lead_id, timestamp '2026-01-01 10:00:00' as created_at, 'p1@x.com' as email, "
        "40 as employee_count",
    )
    report = _ingest(con, landing)

    assert [f.status for f in report.files] == ["loaded"] * 4
    rows = con.execute(
        "select lead_id, email, employee_count, _source_file, _row_number, "
        "try_cast(created_at as timestamptz) at time zone 'UTC' from raw.leads order by lead_id"
    ).fetchall()
    assert [r[:5] for r in rows] == [
        ("C1", "c1@x.com", "10", "leads/a.csv", 1),
        ("G1", "g1@x.com", "20", "leads/b.csv.gz", 1),
        ("J1", "j1@x.com", "30", "leads/c.jsonl", 1),
        ("P1", "p1@x.com", "40", "leads/d.parquet", 1),
    ]
    assert {str(r[5]) for r in rows} == {"2026-01-01 10:00:00"}


def test_column_names_match_case_insensitively_and_extras_are_kept(con, landing: Path) -> None:
    write_csv(
        landing / "leads" / "a.csv",
        ["LEAD_ID", "Created_At", "Email", "hs_persona"],
        [["L1", "2026-01-01", "a@x.com", "cfo"], ["L2", "2026-01-02", "b@x.com", "ops"]],
    )
    write_jsonl(
        landing / "leads" / "b.jsonl",
        [
            {"Lead_Id": "L3", "created_at": "2026-01-03", "crm_lead_score": 87},
            {"lead_id": "L4", "CREATED_AT": "2026-01-04"},
        ],
    )
    _ingest(con, landing)
    rows = con.execute("select lead_id, created_at, hs_persona, crm_lead_score from raw.leads order by 1").fetchall()
    assert rows == [
        ("L1", "2026-01-01", "cfo", None),
        ("L2", "2026-01-02", "ops", None),
        ("L3", "2026-01-03", None, "87"),
        ("L4", "2026-01-04", None, None),
    ]


def test_semicolon_delimited_csv_with_quoted_delimiters(con, landing: Path) -> None:
    path = landing / "leads" / "semi.csv"
    path.parent.mkdir(parents=True)
    path.write_text('lead_id;created_at;company_name\nL1;2026-01-01;"Smith; Sons"\n', encoding="utf-8")
    report = _ingest(con, landing)
    assert report.rows_loaded == 1
    assert con.execute("select company_name from raw.leads").fetchone() == ("Smith; Sons",)


def test_bad_rows_are_rejected_with_column_and_reason_and_counts_reconcile(con, landing: Path) -> None:
    write_csv(
        landing / "leads" / "a.csv",
        ["lead_id", "created_at", "updated_at", "email"],
        [
            ["L1", "2026-01-01T10:00:00+02:00", "", "ok@x.com"],
            ["", "2026-01-01", "", "no-id@x.com"],
            ["L3", "not a date", "", "bad-ts@x.com"],
            ["L4", "2026-01-01", "2026-13-45", "bad-update@x.com"],
            ["L5", "", "", "no-created@x.com"],
        ],
    )
    report = _ingest(con, landing)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 1, 4)
    rejected = con.execute(
        "select row_number, column_name, reason, record ->> 'email' from raw._rejected_rows order by row_number"
    ).fetchall()
    assert [(r[0], r[1], r[3]) for r in rejected] == [
        (2, "lead_id", "no-id@x.com"),
        (3, "created_at", "bad-ts@x.com"),
        (4, "updated_at", "bad-update@x.com"),
        (5, "created_at", "no-created@x.com"),
    ]
    assert "got 'not a date'" in rejected[1][2]
    assert "expected an ISO-8601 timestamp" in rejected[2][2]
    log = con.execute("select rows_read, rows_loaded, rows_rejected, status from raw._load_log").fetchone()
    assert log == (5, 1, 4, "loaded")


def test_words_duckdb_reads_as_timestamps_or_dates_are_rejected(con, landing: Path) -> None:
    """DuckDB casts 'infinity', '-infinity' and 'epoch' to timestamps and dates; none is an export's timestamp,
    and 'infinity' reached staging as 9999-12-31 23:59:59, so each is rejected like any unparseable value."""
    write_csv(
        landing / "leads" / "a.csv",
        ["lead_id", "created_at", "updated_at"],
        [
            ["L1", "2026-01-01T10:00:00Z", "2026-01-02 09:00:00-0500"],
            ["L2", "infinity", ""],
            ["L3", "2026-01-01", "-infinity"],
            ["L4", " epoch ", ""],
        ],
    )
    write_csv(
        landing / "deals" / "a.csv",
        ["deal_id", "created_at", "stage", "expected_close_date", "closed_at"],
        [
            ["D1", "2026-01-01", "won", "2026-02-01", "2026-02-03T12:00:00+01:00"],
            ["D2", "2026-01-01", "open", "infinity", ""],
            ["D3", "2026-01-01", "lost", "", "Infinity"],
            ["D4", "2026-01-01", "open", "Epoch", ""],
        ],
    )
    leads, deals = _ingest(con, landing), _ingest(con, landing, "deals")
    assert (leads.rows_read, leads.rows_loaded, leads.rows_rejected) == (4, 1, 3)
    assert (deals.rows_read, deals.rows_loaded, deals.rows_rejected) == (4, 1, 3)
    assert con.execute(
        "select source_file, row_number, column_name, reason from raw._rejected_rows order by 1, 2"
    ).fetchall() == [
        ("deals/a.csv", 2, "expected_close_date",
         "expected_close_date: expected a date such as 2026-03-04, got 'infinity'"),
        ("deals/a.csv", 3, "closed_at", f"closed_at: expected {TIMESTAMP_EXPECTED}, got 'Infinity'"),
        ("deals/a.csv", 4, "expected_close_date",
         "expected_close_date: expected a date such as 2026-03-04, got 'Epoch'"),
        ("leads/a.csv", 2, "created_at", f"created_at: expected {TIMESTAMP_EXPECTED}, got 'infinity'"),
        ("leads/a.csv", 3, "updated_at", f"updated_at: expected {TIMESTAMP_EXPECTED}, got '-infinity'"),
        ("leads/a.csv", 4, "created_at", f"created_at: expected {TIMESTAMP_EXPECTED}, got ' epoch '"),
    ]  # fmt: skip
    assert con.execute("select lead_id from raw.leads").fetchall() == [("L1",)]
    assert con.execute("select deal_id from raw.deals").fetchall() == [("D1",)]


def test_timestamps_duckdb_casts_but_the_contract_does_not_allow_are_rejected_rows(con, landing: Path) -> None:
    """DuckDB's cast takes an offset of +25:00 (shifting the instant by a day), BC dates and five-digit years.
    Ingest kept such rows, then the raw gate's ISO pattern refused them and quarantined their whole file, and the
    run failed: each must be one rejected row with its reason, like any unparseable value, and the rest load."""
    write_csv(
        landing / "leads" / "a.csv",
        ["lead_id", "created_at", "updated_at"],
        [
            ["L1", "2026-01-01T10:00:00+14:00", "2026-01-02 09:00:00-1200"],
            ["L2", "2026-01-01T10:00:00+25:00", ""],
            ["L3", "0044-03-15 (BC)", ""],
            ["L4", "2026-01-01", "12026-01-02"],
            ["L5", "2026-01-01T10:00:00-99:00", ""],
            ["L6", "2026-01-01 10:00:00 UTC", "2026-1-2 9:05"],
        ],
    )
    write_csv(
        landing / "deals" / "a.csv",
        ["deal_id", "created_at", "stage", "expected_close_date"],
        [["D1", "2026-01-01", "open", "2026-02-01"], ["D2", "2026-01-01", "open", "2026-02-01 BC"]],
    )
    leads, deals = _ingest(con, landing), _ingest(con, landing, "deals")
    assert (leads.rows_read, leads.rows_loaded, leads.rows_rejected) == (6, 2, 4)
    assert (deals.rows_read, deals.rows_loaded, deals.rows_rejected) == (2, 1, 1)
    assert con.execute(
        "select source_file, row_number, column_name, reason from raw._rejected_rows order by 1, 2"
    ).fetchall() == [
        ("deals/a.csv", 2, "expected_close_date",
         "expected_close_date: expected a date such as 2026-03-04, got '2026-02-01 BC'"),
        ("leads/a.csv", 2, "created_at", f"created_at: expected {TIMESTAMP_EXPECTED}, got '2026-01-01T10:00:00+25:00'"),
        ("leads/a.csv", 3, "created_at", f"created_at: expected {TIMESTAMP_EXPECTED}, got '0044-03-15 (BC)'"),
        ("leads/a.csv", 4, "updated_at", f"updated_at: expected {TIMESTAMP_EXPECTED}, got '12026-01-02'"),
        ("leads/a.csv", 5, "created_at", f"created_at: expected {TIMESTAMP_EXPECTED}, got '2026-01-01T10:00:00-99:00'"),
    ]  # fmt: skip
    assert con.execute("select lead_id from raw.leads order by 1").fetchall() == [("L1",), ("L6",)]
    # what ingest keeps passes the raw gate's suite (the same rows, validated as the gate reads them)
    from orchestration.checks import read_gate_frame
    from orchestration.quality import columns_read, validate_frame

    for entity in ("leads", "deals"):
        frame = read_gate_frame(con, entity, "true", columns_read(entity))
        assert validate_frame(entity, frame).passed, validate_frame(entity, frame).summary()


@pytest.mark.parametrize("suffix", ["csv", "csv.gz", "jsonl", "parquet"])
def test_row_numbers_follow_the_file_when_it_is_read_in_parallel(con, landing: Path, suffix: str) -> None:
    """Files of this size are parsed in several chunks on both threads; each row's number must still be
    its line in the file (a reject names it, and the ground-truth checks join on it). Every 1000th row
    has a bad timestamp, so the rejected rows' numbers are checked too."""
    rows = 300_000
    path = landing / "leads" / f"big.{suffix}"
    path.parent.mkdir(parents=True)
    select = (
        "select 'L' || i as lead_id, "
        "case when i % 1000 = 0 then 'never' else '2026-01-01T10:00:00Z' end as created_at, "
        f"i::varchar as line, repeat('x', 120) as filler from range(1, {rows} + 1) t(i) order by i"
    )
    options = {"csv": "format csv", "csv.gz": "format csv, compression gzip", "jsonl": "format json",
               "parquet": "format parquet, row_group_size 20000"}[suffix]  # fmt: skip
    writer = duckdb.connect()
    writer.execute(f"copy ({select}) to '{path}' ({options})")
    writer.close()

    report = _ingest(con, landing)

    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (rows, rows - rows // 1000, rows // 1000)
    assert con.execute("select count(*) from raw.leads where _row_number <> line::bigint").fetchone()[0] == 0
    assert con.execute(
        "select count(*), min(row_number), max(row_number), "
        "count(*) filter (where row_number <> (record ->> 'line')::bigint) from raw._rejected_rows"
    ).fetchone() == (rows // 1000, 1000, rows, 0)


def test_activity_needs_lead_id_or_email(con, landing: Path) -> None:
    write_csv(
        landing / "activities" / "a.csv",
        ["activity_id", "lead_id", "email", "activity_type", "occurred_at"],
        [
            ["A1", "L1", "", "call", "2026-01-01"],
            ["A2", "", "x@y.com", "call", "2026-01-01"],
            ["A3", "", "", "call", "2026-01-01"],
        ],
    )
    report = _ingest(con, landing, entity="activities")
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert con.execute("select reason from raw._rejected_rows").fetchone()[0].startswith("lead_id/email:")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("ragged.csv", "lead_id,created_at\nL1,2026-01-01\nL2,2026-01-02,extra\n", "Line: 3"),
        ("no_created.csv", "lead_id,email\nL1,a@x.com\n", "missing required column(s) created_at"),
        ("empty.csv", "", "the file is empty"),
        ("dupe_cols.csv", "lead_id,Lead_ID,created_at\n1,1,2026-01-01\n", "appears twice"),
        ("broken.jsonl", '{"lead_id": "L1", "created_at": "2026-01-01"}\n{"lead_id": \n', "cannot be parsed as JSONL"),
        ("fake.parquet", "this is not parquet", "cannot be parsed as PARQUET"),
    ],
)
def test_unparseable_file_is_quarantined_whole_and_others_still_load(
    con, landing: Path, name: str, content: str, expected: str
) -> None:
    write_csv(landing / "leads" / "good.csv", ["lead_id", "created_at"], [["G1", "2026-01-01"]])
    bad = landing / "leads" / name
    bad.write_text(content, encoding="utf-8")
    report = _ingest(con, landing)

    assert [f.path for f in report.loaded] == ["leads/good.csv"]
    (quarantined,) = report.quarantined
    assert quarantined.path == f"leads/{name}"
    assert quarantined.error.startswith(f"leads/{name}: ")
    assert expected in quarantined.error
    # nothing of the bad file reached raw, and a copy with the error sits in quarantine
    assert con.execute("select distinct _source_file from raw.leads").fetchall() == [("leads/good.csv",)]
    copied = landing.parent / "quarantine" / "leads" / name
    assert copied.read_text(encoding="utf-8") == content
    assert expected in (copied.parent / f"{name}.error.txt").read_text(encoding="utf-8")
    status, error = con.execute(
        "select status, error from raw._load_log where source_file = ?", [f"leads/{name}"]
    ).fetchone()
    assert status == "quarantined" and expected in error


def test_each_file_loads_once_and_a_changed_file_loads_again(con, landing: Path) -> None:
    path = write_csv(landing / "leads" / "a.csv", ["lead_id", "created_at"], [["L1", "2026-01-01"]])
    first = _ingest(con, landing, load_id="run-1")
    second = _ingest(con, landing, load_id="run-2")
    assert (first.rows_loaded, second.rows_loaded, second.skipped_files) == (1, 0, 1)
    assert con.execute("select count(*) from raw.leads").fetchone()[0] == 1

    # the same content under another name is the same export: still nothing new
    (landing / "leads" / "a_copy.csv").write_bytes(path.read_bytes())
    assert _ingest(con, landing, load_id="run-3").rows_loaded == 0

    write_csv(path, ["lead_id", "created_at", "updated_at"], [["L1", "2026-01-01", "2026-01-05"]])
    assert _ingest(con, landing, load_id="run-4").rows_loaded == 1
    assert con.execute("select count(*) from raw.leads").fetchone()[0] == 2  # both versions kept


def test_each_file_is_logged_under_its_own_content_hash(con, landing: Path) -> None:
    # files are hashed on a thread ahead of loading: each must still be logged and skipped by its own digest
    files = {
        f"leads/day_{i}.csv": write_csv(
            landing / "leads" / f"day_{i}.csv", ["lead_id", "created_at"], [[f"L{i}", "2026-01-01"]]
        )
        for i in range(6)
    }
    assert _ingest(con, landing).rows_loaded == 6
    logged = dict(con.execute("select source_file, file_hash from raw._load_log").fetchall())
    assert logged == {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}
    by_file = dict(con.execute("select _source_file, lead_id from raw.leads").fetchall())
    assert by_file == {f"leads/day_{i}.csv": f"L{i}" for i in range(6)}
    # written a moment ago, so hashed again (on the thread) and skipped by those digests
    again = _ingest(con, landing, load_id="run-2")
    assert (again.rows_loaded, again.skipped_files) == (0, 6)


def test_a_file_already_hashed_is_not_read_again_unless_it_changes(
    con, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration import ingest

    hour_ago = time.time_ns() - 3600 * 10**9
    path = write_csv(landing / "leads" / "a.csv", ["lead_id", "created_at"], [["L1", "2026-01-01"]])
    fresh = write_csv(landing / "leads" / "b.csv", ["lead_id", "created_at"], [["L2", "2026-01-01"]])
    os.utime(path, ns=(hour_ago, hour_ago))
    reads: list[str] = []
    monkeypatch.setattr(
        ingest, "file_hash", lambda p: reads.append(p.name) or hashlib.sha256(p.read_bytes()).hexdigest()
    )

    assert _ingest(con, landing, load_id="run-1").rows_loaded == 2
    assert _ingest(con, landing, load_id="run-2").skipped_files == 2
    # a.csv is read once; b.csv was written a moment ago (it could still change under the same time), so again
    assert reads == ["a.csv", "b.csv", "b.csv"]

    # rewritten in place, same size, new content: its new modification time gets it read and loaded
    write_csv(path, ["lead_id", "created_at"], [["L3", "2026-01-01"]])
    assert path.stat().st_size == fresh.stat().st_size
    assert _ingest(con, landing, load_id="run-3").rows_loaded == 1
    assert con.execute("select lead_id from raw.leads order by 1").fetchall() == [("L1",), ("L2",), ("L3",)]


def test_a_failure_midway_leaves_nothing_of_the_batch(con, landing: Path, monkeypatch) -> None:
    write_csv(landing / "leads" / "a.csv", ["lead_id", "created_at", "hs_new"], [["L1", "2026-01-01", "x"]])
    write_csv(landing / "leads" / "b.csv", ["lead_id", "created_at"], [["L2", "2026-01-01"]])
    original_execute = duckdb.DuckDBPyConnection.execute
    calls = {"n": 0}

    class Boom(RuntimeError):
        pass

    def failing_execute(self, query, *args, **kwargs):
        # fail while committing the second file, after the first file's rows were inserted
        if "insert into raw._rejected_rows" in str(query) and "leads/b.csv" in str(args):
            calls["n"] += 1
            raise Boom("disk went away")
        return original_execute(self, query, *args, **kwargs)

    monkeypatch.setattr(duckdb.DuckDBPyConnection, "execute", failing_execute)
    with pytest.raises(Boom):
        _ingest(con, landing)
    monkeypatch.setattr(duckdb.DuckDBPyConnection, "execute", original_execute)

    assert calls["n"] == 1
    assert con.execute("select count(*) from raw.leads").fetchone()[0] == 0
    assert con.execute("select count(*) from raw._load_log").fetchone()[0] == 0
    assert "hs_new" not in {r[0] for r in con.execute("describe raw.leads").fetchall()}
    # and the next attempt loads both normally
    assert _ingest(con, landing).rows_loaded == 2


def test_optional_companies_folder_may_be_absent(con, landing: Path) -> None:
    landing.mkdir(parents=True)
    report = _ingest(con, landing, entity="companies")
    assert report.files == [] and report.rows_read == 0
    columns = [r[0] for r in con.execute("describe raw.companies").fetchall()]
    assert columns[: len(CONTRACTS["companies"].columns)] == list(CONTRACTS["companies"].columns)


def test_documented_example_files_load_without_rejects(con) -> None:
    from orchestration.settings import ROOT

    examples = ROOT / "docs" / "examples" / "landing"
    loaded = {}
    for entity in CONTRACTS:
        report = ingest_entity(con, entity, examples, examples.parent / "quarantine-unused", "run-docs")
        assert report.quarantined == [] and report.rows_rejected == 0, entity
        loaded[entity] = report.rows_loaded
    assert loaded == {"leads": 3, "activities": 6, "deals": 3, "companies": 2}
    assert con.execute("select hs_persona from raw.leads where lead_id = '00Q5e00001'").fetchone() == ("persona_ops",)


def test_batches_of_any_size_load_the_same_rows(tmp_path: Path, landing: Path) -> None:
    for i in range(5):
        write_csv(
            landing / "leads" / f"f{i}.csv", ["lead_id", "created_at"], [[f"L{i}{j}", "2026-01-01"] for j in range(3)]
        )
    write_csv(landing / "leads" / "f9.csv", ["lead_id", "created_at"], [["", "2026-01-01"]])
    results = {}
    for batch_rows in (1, 4, 1_000_000):
        with connect(tmp_path / f"wh{batch_rows}.duckdb", memory_limit="1GB") as con:
            report = ingest_entity(con, "leads", landing, tmp_path / "q", "run", batch_rows=batch_rows)
            rows = con.execute("select lead_id, _source_file, _row_number from raw.leads order by 1").fetchall()
            logs = con.execute(
                "select source_file, rows_read, rows_loaded, rows_rejected from raw._load_log order by 1"
            )
            results[batch_rows] = (rows, logs.fetchall(), report.rows_loaded, report.rows_rejected)
    assert results[1] == results[4] == results[1_000_000]
    assert results[1][2:] == (15, 1)


def test_many_files_with_different_columns_insert_together_file_by_file_exact(
    tmp_path: Path, landing: Path, monkeypatch
) -> None:
    """A batch's files go into raw with one insert per group of files (union all by name): columns a file
    lacks are null, each file's rows keep its name and row numbers, and the counts per file come out the
    same however many files share an insert."""
    expected_rows, expected_log = [], []
    for i in range(150):
        header = ["created_at", "lead_id"] + (["utm_x"] if i % 3 == 0 else [])
        rows = [["2026-01-01", f"L{i}-{j}"] + ([f"x{i}"] if i % 3 == 0 else []) for j in range(i % 4 + 1)]
        if i % 5 == 0:
            rows.append(["not a date", f"BAD{i}"] + (["x"] if i % 3 == 0 else []))
        write_csv(landing / "leads" / f"f{i:03}.csv", header, rows)
        good = [r for r in rows if r[0] != "not a date"]
        expected_rows += [
            (r[1], f"leads/f{i:03}.csv", n, f"x{i}" if i % 3 == 0 else None) for n, r in enumerate(good, 1)
        ]
        expected_log.append((f"leads/f{i:03}.csv", len(rows), len(good), len(rows) - len(good)))
    results = {}
    for per_insert in (1, 64, 1000):
        monkeypatch.setattr("orchestration.ingest.FILES_PER_INSERT", per_insert)
        with connect(tmp_path / f"wh{per_insert}.duckdb", memory_limit="1GB") as con:
            _ingest(con, landing)
            rows = con.execute(
                "select lead_id, _source_file, _row_number, utm_x from raw.leads order by 2, 3"
            ).fetchall()
            log = con.execute(
                "select source_file, rows_read, rows_loaded, rows_rejected from raw._load_log order by 1"
            ).fetchall()
            results[per_insert] = (rows, log)
    assert (
        results[1] == results[64] == results[1000] == (sorted(expected_rows, key=lambda r: (r[1], r[2])), expected_log)
    )


def test_a_full_temp_disk_while_committing_fails_the_batch_without_logging_or_quarantining_it(tmp_path: Path) -> None:
    """Out of spill room between parsing and committing: the file is fine, so nothing of it reaches raw, the
    load log or the quarantine, and the error names the file and the settings (the next run retries it)."""
    from orchestration.ingest import ResourceExhausted, commit_files, ensure_raw_schema, file_hash, stage_file

    path = write_parquet(
        tmp_path / "landing" / "activities" / "a.parquet",
        "select 'B' || i as activity_id, 'L1' as lead_id, 'hubspot' as source_system, 'Web Visit' as activity_type, "
        "(timestamp '2026-02-01' + to_seconds(i))::varchar as occurred_at, md5(i::varchar) as page_url "
        "from range(1000000) r(i)",
    )
    with connect(tmp_path / "wh.duckdb", memory_limit="2GB", temp_dir=tmp_path / "tmp") as con:
        ensure_raw_schema(con)
        staged = stage_file(
            con, CONTRACTS["activities"], path, "activities/a.parquet", file_hash(path), "run-1", tmp_path / "q"
        )
        # squeeze memory so the staged rows spill, then leave the temp folder 1 MB more than they take
        con.execute("set memory_limit = '20MB'")
        used = con.execute("select coalesce(sum(size), 0) from duckdb_temporary_files()").fetchone()[0]
        con.execute(f"set max_temp_directory_size = '{used // 1024 + 1024}KiB'")
        with pytest.raises(ResourceExhausted, match=r"activities/a.parquet could not be loaded: the disk or temp"):
            commit_files(con, CONTRACTS["activities"], [staged], "run-1")
        con.execute("set memory_limit = '2GB'")
        assert con.execute("select count(*) from raw.activities").fetchone() == (0,)
        assert con.execute("select count(*) from raw._load_log").fetchone() == (0,)
    assert not (tmp_path / "q").exists() or not any((tmp_path / "q").rglob("*.*"))


def test_columns_named_like_ingest_internals_are_kept_and_do_not_change_its_work(con, landing: Path) -> None:
    """A database export may carry a `rowid` column: DuckDB's row id, which ingest numbers rows by, must not be
    shadowed by it (that failed every run); nor may a column named like ingest's own reject reason decide what
    is rejected."""
    write_csv(
        landing / "leads" / "export.csv",
        ["lead_id", "created_at", "rowid", "_reject_reason"],
        [["L1", "2026-01-01", "r1", "see notes"], ["", "2026-01-01", "r2", ""], ["L3", "not a date", "r3", ""]],
    )
    report = _ingest(con, landing)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 1, 2)
    assert con.execute('select lead_id, "rowid", "_reject_reason", _row_number from raw.leads').fetchall() == [
        ("L1", "r1", "see notes", 1)
    ]
    rejected = con.execute(
        "select row_number, column_name, record ->> 'rowid' from raw._rejected_rows order by row_number"
    ).fetchall()
    assert rejected == [(2, "lead_id", "r2"), (3, "created_at", "r3")]


def test_file_names_with_glob_characters_load_only_their_own_rows(con, landing: Path) -> None:
    """DuckDB's readers expand `*`, `?` and `[...]` in a path: `leads[1].csv` would read `leads1.csv`, and a file
    named `*.csv` every CSV in the folder."""
    header = ["lead_id", "created_at"]
    write_csv(landing / "leads" / "leads[1].csv", header, [["BRACKET", "2026-01-01"]])
    write_csv(landing / "leads" / "leads1.csv", header, [["PLAIN", "2026-01-01"]])
    write_csv(landing / "leads" / "*.csv", header, [["STAR", "2026-01-01"]])
    write_jsonl(landing / "leads" / "?.jsonl", [{"lead_id": "QUESTION", "created_at": "2026-01-01"}])
    report = _ingest(con, landing)
    assert report.rows_read == 4 and report.rows_loaded == 4
    rows = con.execute("select _source_file, lead_id from raw.leads order by 1").fetchall()
    assert rows == [
        ("leads/*.csv", "STAR"),
        ("leads/?.jsonl", "QUESTION"),
        ("leads/leads1.csv", "PLAIN"),
        ("leads/leads[1].csv", "BRACKET"),
    ]


def test_a_delimiter_inside_a_quoted_column_name_does_not_decide_the_delimiter(con, landing: Path) -> None:
    path = landing / "leads" / "semi.csv"
    path.parent.mkdir(parents=True)
    path.write_text('lead_id;created_at;"Revenue (USD, annual, est.)"\nL1;2026-01-01;5\n', encoding="utf-8")
    report = _ingest(con, landing)
    assert [f.status for f in report.files] == ["loaded"]
    assert con.execute('select lead_id, "revenue (usd, annual, est.)" from raw.leads').fetchall() == [("L1", "5")]


def test_ids_of_tabs_or_invisible_characters_are_missing(con, landing: Path) -> None:
    write_csv(
        landing / "leads" / "a.csv",
        ["lead_id", "created_at"],
        [["\t", "2026-01-01"], ["\u200b", "2026-01-01"], ["\ufeff \u00a0", "2026-01-01"], ["L4", "2026-01-01"]],
    )
    report = _ingest(con, landing)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 1, 3)
    reasons = con.execute("select row_number, reason from raw._rejected_rows order by 1").fetchall()
    assert reasons == [(n, "lead_id: required value is missing") for n in (1, 2, 3)]


def test_jsonl_keys_that_name_one_column_twice_in_a_record_quarantine_the_file(con, landing: Path) -> None:
    """Across records `email` and `EMAIL` are one column; within one record one value would be lost, as with a
    CSV header naming a column twice. An empty key has no column to go to."""
    write_jsonl(
        landing / "leads" / "twice.jsonl",
        [
            {"lead_id": "J1", "created_at": "2026-01-01", "email": "a@x.com"},
            {"lead_id": "J2", "created_at": "2026-01-01", "email": "b@x.com", "EMAIL": "c@x.com"},
        ],
    )
    write_jsonl(landing / "leads" / "empty_key.jsonl", [{"lead_id": "J3", "created_at": "2026-01-01", "": "x"}])
    report = _ingest(con, landing)
    errors = {f.path: f.error for f in report.files}
    assert [f.status for f in report.files] == ["quarantined", "quarantined"]
    assert errors["leads/twice.jsonl"] == (
        "leads/twice.jsonl: line 2: keys 'email', 'EMAIL' name one column (column names match case-insensitively): "
        "expected each column once per record"
    )
    assert errors["leads/empty_key.jsonl"] == (
        "leads/empty_key.jsonl: a record has the empty key '': expected a column name"
    )
    assert con.execute("select count(*) from raw.leads").fetchone() == (0,)


def test_a_line_too_long_is_quarantined_with_the_reason_not_buried_under_the_row(con, landing: Path) -> None:
    write_csv(
        landing / "leads" / "big.csv", ["lead_id", "created_at", "notes"], [["B1", "2026-01-01", "a" * 3_000_000]]
    )
    (quarantined,) = _ingest(con, landing).files
    assert quarantined.status == "quarantined"
    assert "Maximum line size of 2000000 bytes exceeded" in quarantined.error
    assert "CSV Error on Line: 2" in quarantined.error
    assert len(quarantined.error) < 1_500


def test_what_ingest_does_not_read_is_reported_and_loads_once_renamed(con, landing: Path) -> None:
    """Other file types and subfolders are named, not logged: an export written as `x.csv.tmp` and then renamed
    must still load (a logged content hash would have made it look loaded already)."""
    header = ["lead_id", "created_at"]
    write_csv(landing / "leads" / "a.csv", header, [["L1", "2026-01-01"]])
    write_csv(landing / "leads" / "b.csv.tmp", header, [["L2", "2026-01-01"]])
    (landing / "leads" / "2026-02").mkdir()
    (landing / "leads" / ".DS_Store").write_text("")
    first = _ingest(con, landing)
    assert first.unsupported == ["leads/2026-02/", "leads/b.csv.tmp"]
    assert con.execute("select source_file from raw._load_log").fetchall() == [("leads/a.csv",)]
    (landing / "leads" / "b.csv.tmp").rename(landing / "leads" / "b.csv")
    second = _ingest(con, landing, load_id="run-2")
    assert second.rows_loaded == 1 and second.unsupported == ["leads/2026-02/"]
    assert con.execute("select lead_id from raw.leads order by 1").fetchall() == [("L1",), ("L2",)]
