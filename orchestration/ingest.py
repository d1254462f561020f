"""Landing files → DuckDB schema ``raw``: each file loaded once, whole or not at all, nothing lost.

Why it is shaped this way:
- Raw keeps the text exactly as exported (every column VARCHAR, extra columns added as they appear) so
  nothing is lost to a premature cast; typing is staging's job. Only what makes a row unusable is
  judged here: a missing id or a timestamp that cannot be parsed sends the row to
  ``raw._rejected_rows`` with the column and the reason.
- A file is the unit of loading. Its content hash in ``raw._load_log`` makes re-runs idempotent, and
  its rows, rejects and log entry commit in the same transaction (files are committed in batches of a
  few million rows), so a crash never leaves half a file: the whole batch loads again next run.
- A file that cannot be parsed or lacks a required column is quarantined (copied aside with an error
  note, recorded in the log) and the other files still load.
- All data work is DuckDB's readers and set-based SQL; Python only looks at file headers.
"""

import csv
import gzip
import hashlib
import io
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration import faults, progress
from orchestration.contract import (
    CONTRACTS,
    FILE_SUFFIXES,
    ISO_TIMESTAMP_PATTERN,
    LINEAGE_COLUMNS,
    EntityContract,
    unsupported_files,
)
from orchestration.erasure import ERASED_KEYS_DDL, ERASED_REASON, erased_condition, has_erased_keys
from orchestration.resources import Warehouse, quote_ident, sql_literal

CSV_DELIMITERS = (",", ";", "\t", "|")
TIMESTAMP_EXPECTED = "an ISO-8601 timestamp such as 2026-03-04T10:15:00Z or 2026-03-04 10:15:00+01:00"
DATE_EXPECTED = "a date such as 2026-03-04"
BATCH_ROWS = 5_000_000
FILES_PER_INSERT = 64
# What counts as blank in a required value: trim()'s spaces plus tabs, line breaks and the invisible characters
# (zero-width space, BOM) an id copied out of a web page or spreadsheet can be made of.
BLANK_CHARACTERS = (
    " \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# Checked with one RE2 full match rather than trim(value, characters): on L's 20M activity ids 0.4 s against 11 s
# (trim with a character list), and faster than plain trim (0.8 s), since a real id fails at its first character.
BLANK_PATTERN = "[" + "".join(f"\\x{{{ord(ch):04X}}}" for ch in BLANK_CHARACTERS) + "]*"
# Names the staged temp table cannot give a file's column: DuckDB's rowid (which ingest numbers rows by) and the
# reject reason ingest adds. A file's column of that name is staged under another name and lands under its own.
STAGING_NAMES = ("rowid", "_reject_reason")
STAGED_PREFIX = "__leadflow_"
# Characters DuckDB's readers expand as a glob pattern in a path (a file named `leads[1].csv` would read
# `leads1.csv`).
GLOB_CHARACTERS = frozenset("*?[]{}")
QUOTED_FIELD = re.compile(r'"(?:[^"]|"")*"')
MAX_ERROR_LINE = 300
# Entities whose rows of an erased person are rejected; a deal is the company's revenue, loaded without the link.
ERASED_ROWS_REJECTED = ("leads", "activities")


class QuarantineError(Exception):
    """A landing file that must not be loaded; the message tells the user what to fix."""


@dataclass
class FileReport:
    path: str
    status: str  # loaded | quarantined
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    # rows of persons `leadflow forget` erased: leads and activities among the rejected, deals loaded unlinked
    rows_erased: int = 0
    error: str | None = None


@dataclass
class EntityReport:
    entity: str
    files: list[FileReport] = field(default_factory=list)
    skipped_files: int = 0
    unsupported: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def rows_erased(self) -> int:
        return sum(f.rows_erased for f in self.files)

    @property
    def quarantined(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "quarantined"]

    @property
    def loaded(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "loaded"]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables with every contract column, so staging compiles even before any file."""
    con.execute("create schema if not exists raw")
    con.execute(
        """
        create table if not exists raw._load_log (
            load_id varchar, entity varchar, source_file varchar, file_hash varchar, file_bytes bigint,
            file_format varchar, status varchar, rows_read bigint, rows_loaded bigint,
            rows_rejected bigint, error varchar, quarantine_path varchar, loaded_at timestamp
        )
        """
    )
    con.execute(
        """
        create table if not exists raw._rejected_rows (
            load_id varchar, entity varchar, source_file varchar, row_number bigint,
            column_name varchar, reason varchar, record json, rejected_at timestamp
        )
        """
    )
    # Which loads passed their entity's quality gate: a load that has not (e.g. its run was killed between
    # ingest and gate) is validated by the next run before anything downstream reads it.
    con.execute("create table if not exists raw._gate_log (entity varchar, load_id varchar, passed_at timestamp)")
    con.execute(ERASED_KEYS_DDL)
    # A memo of landing files' content hashes by (path, size, modification time): hashing every file on every
    # run read the whole landing folder (L: 3.3 GB, ~7 s from the page cache, ~25 s from disk) to find nothing
    # new. A file rewritten in place gets a new modification time (nanoseconds), so it is hashed again.
    con.execute(
        "create table if not exists raw._file_hashes (entity varchar, source_file varchar, file_bytes bigint, "
        "modified_ns bigint, file_hash varchar, primary key (entity, source_file))"
    )
    for contract in CONTRACTS.values():
        cols = [f"{quote_ident(c)} varchar" for c in contract.columns]
        cols += [
            "_source_file varchar",
            "_row_number bigint",
            "_loaded_at timestamp",
            "_load_id varchar",
            "_file_hash varchar",
        ]
        con.execute(f"create table if not exists raw.{contract.name} ({', '.join(cols)})")


def discover_files(landing_dir: Path, entity: str) -> list[Path]:
    folder = landing_dir / entity
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(FILE_SUFFIXES)]
    return sorted(files, key=lambda p: p.name)


def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".csv.gz", ".csv", ".parquet", ".jsonl"):
        if name.endswith(suffix):
            return suffix.lstrip(".")
    raise QuarantineError(f"unsupported file type; expected one of {', '.join(FILE_SUFFIXES)}")


MEMO_MIN_AGE_NS = 10 * 10**9


def file_hash(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _csv_header(path: Path) -> tuple[str, list[str]]:
    """Read only the header line: pinning the dialect makes DuckDB reject ragged rows instead of
    silently re-sniffing the file as one wide column."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise QuarantineError(f"cannot be read as UTF-8 CSV: {exc}") from exc
    if not first.strip():
        raise QuarantineError("the file is empty: expected a header line with column names")
    # Delimiters inside a quoted column name ("Revenue (USD, annual)") do not count.
    unquoted = QUOTED_FIELD.sub("", first)
    delimiter = max(CSV_DELIMITERS, key=unquoted.count)
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    return delimiter, [h.strip() for h in header]


def _normalized_names(names: list[str]) -> list[str]:
    lowered = [n.strip().lower() for n in names]
    seen: set[str] = set()
    for original, name in zip(names, lowered, strict=True):
        if not name:
            raise QuarantineError("the header has an empty column name")
        if name in seen:
            raise QuarantineError(f"column {original!r} appears twice (column names match case-insensitively)")
        if name in LINEAGE_COLUMNS or name.startswith(STAGED_PREFIX):
            raise QuarantineError(f"column {original!r} is reserved for lineage; rename it")
        seen.add(name)
    return lowered


def _staged_name(name: str) -> str:
    """The column's name in the staged temp table (its own, unless ingest needs that name)."""
    return STAGED_PREFIX + name if name in STAGING_NAMES else name


@contextmanager
def _reader_path(path: Path) -> Iterator[Path]:
    """A path DuckDB reads as this one file: a link without glob characters when the real path has some."""
    if not GLOB_CHARACTERS.intersection(str(path)):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="leadflow-read-") as folder:
        safe = "".join("_" if ch in GLOB_CHARACTERS else ch for ch in path.name)
        link = Path(folder) / safe
        link.symlink_to(path.resolve())
        yield link


def _reader_select(path: Path, fmt: str, con: duckdb.DuckDBPyConnection) -> tuple[str, list[str]]:
    """SQL selecting every column of the file as text under its lower-case name, in the file's order.

    No row number here: `row_number() over ()` made every step above it run on one thread (L's CSV and
    JSONL files staged ~40% slower). The staged temp table keeps the file's order instead (see stage_file).
    """
    src = sql_literal(str(path))
    if fmt in ("csv", "csv.gz"):
        delimiter, header = _csv_header(path)
        names = _normalized_names(header)
        columns = "{" + ", ".join(f"{sql_literal(h)}: 'VARCHAR'" for h in header) + "}"
        reader = (
            f"read_csv({src}, header = true, auto_detect = false, delim = {sql_literal(delimiter)}, "
            f"quote = '\"', escape = '\"', strict_mode = true, null_padding = false, columns = {columns})"
        )
        cols = [f"{quote_ident(h)} as {quote_ident(n)}" for h, n in zip(header, names, strict=True)]
        return f"select {', '.join(cols)} from {reader}", names
    if fmt == "parquet":
        described = con.execute(f"describe select * from read_parquet({src})").fetchall()
        header = [row[0] for row in described]
        names = _normalized_names(header)
        cols = [f"cast({quote_ident(h)} as varchar) as {quote_ident(n)}" for h, n in zip(header, names, strict=True)]
        return f"select {', '.join(cols)} from read_parquet({src})", names
    # jsonl. Values are read as text (a key that is a number in one record and text in another stays text).
    objects = f"read_json_objects({src}, format = 'newline_delimited')"
    keys = [r[0] for r in con.execute(f"select distinct unnest(json_keys(json)) from {objects}").fetchall()]
    if not keys:
        raise QuarantineError("no JSON objects with keys found: expected one JSON object per line")
    keys.sort()
    names = [k.strip().lower() for k in keys]
    for key, name in zip(keys, names, strict=True):
        if not name:
            raise QuarantineError(f"a record has the empty key {key!r}: expected a column name")
        if name in LINEAGE_COLUMNS or name.startswith(STAGED_PREFIX):
            raise QuarantineError(f"key {key!r} is reserved for lineage; rename it")
    if len(set(names)) == len(names):
        # DuckDB's JSON reader with every key typed VARCHAR: several times faster than extracting keys
        columns = "{" + ", ".join(f"{sql_literal(k)}: 'VARCHAR'" for k in keys) + "}"
        reader = f"read_json({src}, format = 'newline_delimited', columns = {columns})"
        cols = [f"{quote_ident(k)} as {quote_ident(n)}" for k, n in zip(keys, names, strict=True)]
        return f"select {', '.join(cols)} from {reader}", names
    # Keys that differ only in case across records (the reader matches keys case-sensitively and cannot
    # hold both): extract each and coalesce the variants.
    by_name: dict[str, list[str]] = {}
    for key, name in zip(keys, names, strict=True):
        by_name.setdefault(name, []).append(key)
    # Variants in different records are one column; two variants in one record would lose a value, as a CSV
    # header naming a column twice would (quarantined too).
    clash = con.execute(
        f"""
        select line, keys from (
            select row_number() over () as line, json_keys(json) as keys from {objects}
        )
        where len(list_distinct(list_transform(keys, lambda k: lower(trim(k))))) < len(keys)
        order by line limit 1
        """
    ).fetchone()
    if clash:
        line, record_keys = clash
        lowered = [k.strip().lower() for k in record_keys]
        twice = [k for k in record_keys if lowered.count(k.strip().lower()) > 1]
        raise QuarantineError(
            f"line {line}: keys {', '.join(repr(k) for k in twice)} name one column (column names match "
            "case-insensitively): expected each column once per record"
        )
    cols = []
    for name, variants in by_name.items():
        paths = [f"json_extract_string(json, {sql_literal('$.' + chr(34) + k + chr(34))})" for k in variants]
        expr = paths[0] if len(paths) == 1 else f"coalesce({', '.join(paths)})"
        cols.append(f"{expr} as {quote_ident(name)}")
    return f"select {', '.join(cols)} from {objects}", list(by_name)


def _reject_expression(contract: EntityContract, present: set[str], erased: bool = False) -> str:
    """One CASE giving the first reason a row is unusable (column: what was expected), or NULL.

    With ``erased``, a row of a person `leadflow forget` erased comes first: whatever else is wrong with it, its
    record must not be kept among the rejected rows.
    """

    def blank(col: str) -> str:
        return f"({quote_ident(col)} is null or regexp_full_match({quote_ident(col)}, {sql_literal(BLANK_PATTERN)}))"

    whens = []
    if erased and contract.name in ERASED_ROWS_REJECTED:
        system = quote_ident("source_system") if "source_system" in present else None
        if "email" in present:
            condition = erased_condition(quote_ident("email"), None, None)
            whens.append(f"when {condition} then {sql_literal('email: ' + ERASED_REASON)}")
        if "lead_id" in present:
            condition = erased_condition(None, quote_ident("lead_id"), system)
            whens.append(f"when {condition} then {sql_literal('lead_id: ' + ERASED_REASON)}")
    for col in contract.required:
        whens.append(f"when {blank(col)} then '{col}: required value is missing'")
    if contract.one_of:
        cond = " and ".join(blank(c) if c in present else "true" for c in contract.one_of)
        whens.append(f"when {cond} then '{'/'.join(contract.one_of)}: at least one is required, all are missing'")
    for col, expected, cast_type in [(c, TIMESTAMP_EXPECTED, "timestamptz") for c in contract.timestamps] + [
        (c, DATE_EXPECTED, "date") for c in contract.dates
    ]:
        if col not in present:
            continue
        ident = quote_ident(col)
        # The value must have the contract's shape (ISO_TIMESTAMP_PATTERN: the raw gate's pattern) and be a real
        # instant or day. The pattern keeps out what DuckDB's cast alone takes: 'infinity' (staged as 9999-12-31),
        # '-infinity', 'epoch', offsets like '+25:00', '(BC)' and five-digit years. The cast appears once:
        # inside a CASE DuckDB computes each occurrence (twice cost 7 s more at L).
        whens.append(
            f"when not {blank(col)} and not coalesce(regexp_full_match({ident}, {sql_literal(ISO_TIMESTAMP_PATTERN)}) "
            f"and isfinite(try_cast(trim({ident}) as {cast_type})), false) "
            f"then '{col}: expected {expected}, got ''' || {ident} || ''''"
        )
    return "case " + " ".join(whens) + " end"


def _quarantine(path: Path, entity: str, quarantine_dir: Path, error: str) -> Path:
    target_dir = quarantine_dir / entity
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    shutil.copy2(path, target)
    (target_dir / f"{path.name}.error.txt").write_text(error + "\n", encoding="utf-8")
    return target


def _log_file(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    entity: str,
    rel_path: str,
    digest: str,
    path: Path,
    fmt: str,
    status: str,
    counts: tuple[int, int, int],
    loaded_at: datetime,
    error: str | None = None,
    quarantine_path: str | None = None,
) -> None:
    """One row per file seen, so a re-run skips it and `leadflow status` can say what happened to it."""
    con.execute(
        "insert into raw._load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            entity,
            rel_path,
            digest,
            path.stat().st_size,
            fmt,
            status,
            *counts,
            error,
            quarantine_path,
            loaded_at,
        ],
    )


@dataclass
class StagedFile:
    """A parsed file waiting in its own temp table for the batch commit."""

    path: Path
    rel_path: str
    digest: str
    fmt: str
    names: list[str]
    table: str
    read_at: datetime
    # rows of erased persons: leads and activities rejected as such, deals loaded without their lead and contact
    rows_erased: int = 0


class ResourceExhausted(RuntimeError):
    """Memory or disk ran out while loading: not the file's fault, so it is neither quarantined nor logged."""


# How DuckDB and the OS say the disk or the spill cap is full.
DISK_FULL_SIGNS = ("No space left on device", "max_temp_directory_size", "File too large")


def is_resource_message(text: str) -> bool:
    return "Out of Memory Error" in text or any(sign in text for sign in DISK_FULL_SIGNS)


def is_resource_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.OutOfMemoryException) or is_resource_message(str(exc))


def resource_hint(message: str) -> str:
    """DuckDB's message with the leadflow settings that govern it (its own advice names SQL settings)."""
    first = " ".join(message.split())
    if any(sign in message for sign in DISK_FULL_SIGNS):
        return (
            "the disk or temp folder is full (LEADFLOW_TEMP_DIR, LEADFLOW_MAX_TEMP_SIZE; "
            f"LEADFLOW_MEMORY_LIMIT sets when DuckDB spills): {first}"
        )
    return f"DuckDB ran out of memory (raise LEADFLOW_MEMORY_LIMIT or free memory): {first}"


def stage_file(
    con: duckdb.DuckDBPyConnection,
    contract: EntityContract,
    path: Path,
    rel_path: str,
    digest: str,
    load_id: str,
    quarantine_dir: Path,
    table: str = "_incoming",
    erased: bool = False,
) -> StagedFile | FileReport:
    """Parse one file into a temp table with each row's reject reason, or quarantine it whole.

    ``erased``: persons were erased (raw._erased_keys has rows), so the file's rows are checked against them.
    """
    read_at = datetime.now(UTC).replace(tzinfo=None)
    fmt = "unknown"
    try:
        fmt = file_format(path)
        with _reader_path(path) as read_path:
            select_sql, names = _reader_select(read_path, fmt, con)
            needed = list(contract.required) + ([" or ".join(contract.one_of)] if contract.one_of else [])
            missing = [c for c in contract.required if c not in names]
            if contract.one_of and not any(c in names for c in contract.one_of):
                missing.append(" or ".join(contract.one_of))
            if missing:
                raise QuarantineError(
                    f"missing required column(s) {', '.join(missing)} (a {contract.name} file needs "
                    f"{', '.join(needed)}; found: {', '.join(names)})"
                )
            _create_staged_table(con, contract, table, select_sql, names, erased)
    except (QuarantineError, duckdb.Error) as exc:
        message = str(exc).strip()
        if is_resource_error(exc):
            # the machine ran out of room, the file is fine: fail the run and retry the file next time
            raise ResourceExhausted(f"{rel_path} could not be loaded: {resource_hint(message)}") from exc
        if isinstance(exc, duckdb.Error):
            lines = [
                _shortened(ln.strip())
                for ln in message.splitlines()
                if ln.strip() and not ln.strip().startswith(("Possible", "*", "LINE", "^"))
            ]
            message = f"cannot be parsed as {fmt.upper()}: " + " | ".join(lines[:4])
        error = f"{rel_path}: {message}"
        target = _quarantine(path, contract.name, quarantine_dir, error)
        _log_file(
            con, load_id, contract.name, rel_path, digest, path, fmt, "quarantined", (0, 0, 0), read_at,
            error=error, quarantine_path=str(target),
        )  # fmt: skip
        return FileReport(path=rel_path, status="quarantined", error=error)
    rows_erased = 0
    if erased and contract.name == "deals":
        rows_erased = _unlink_erased_deals(con, table, names)
    elif erased and contract.name in ERASED_ROWS_REJECTED:
        sql = f"select count(*) from {table} where ends_with(_reject_reason, ?)"
        rows_erased = con.execute(sql, [ERASED_REASON]).fetchone()[0]
    return StagedFile(path, rel_path, digest, fmt, names, table, read_at, rows_erased)


def _unlink_erased_deals(con: duckdb.DuckDBPyConnection, table: str, names: list[str]) -> int:
    """A deal of an erased person keeps its revenue and loses its link to them, as `forget` leaves old deals."""
    links = [n for n in ("lead_id", "contact_email") if n in names]
    if not links:
        return 0
    condition = erased_condition(
        quote_ident("contact_email") if "contact_email" in names else None,
        quote_ident("lead_id") if "lead_id" in names else None,
        quote_ident("source_system") if "source_system" in names else None,
    )
    assignments = ", ".join(f"{quote_ident(n)} = null" for n in links)
    return con.execute(f"update {table} set {assignments} where {condition}").fetchone()[0]


def _shortened(line: str) -> str:
    """DuckDB quotes the offending row whole; a multi-megabyte field would bury the reason after it."""
    if len(line) <= MAX_ERROR_LINE:
        return line
    half = MAX_ERROR_LINE // 2
    return f"{line[:half]} [... {len(line) - 2 * half:,} characters ...] {line[-half:]}"


def _create_staged_table(
    con: duckdb.DuckDBPyConnection,
    contract: EntityContract,
    table: str,
    select_sql: str,
    names: list[str],
    erased: bool = False,
) -> None:
    """Parse the file into a temp table with each row's reject reason."""
    reject = _reject_expression(contract, set(names), erased)
    columns = ", ".join(f"{quote_ident(n)} as {quote_ident(_staged_name(n))}" for n in names)
    con.execute(f"drop table if exists {table}")
    # With preserve_insertion_order on, the parallel readers append in file order, so the temp table's
    # rowid + 1 is the row number.
    con.execute("set preserve_insertion_order = true")
    con.execute(f"create temp table {table} as select {columns}, {reject} as _reject_reason from ({select_sql})")


def commit_files(
    con: duckdb.DuckDBPyConnection, contract: EntityContract, staged: list[StagedFile], load_id: str
) -> list[FileReport]:
    """Move staged files into raw in one transaction: every file of the batch is in, or none is."""
    table = f"raw.{contract.name}"
    existing = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    reports = []
    con.execute("begin transaction")
    try:
        for name in dict.fromkeys(n for f in staged for n in f.names):
            if name not in existing:
                con.execute(f"alter table {table} add column {quote_ident(name)} varchar")
        # The row numbers are taken from the staged table's rowid, so inserts may run out of order (in parallel).
        con.execute("set preserve_insertion_order = false")
        # One insert per group of files rather than per file: a file of under ~120k rows is a single row group,
        # which DuckDB inserts on one thread, so file by file left a core idle (L leads: 23 files, 1M rows).
        # Groups stay small enough for DuckDB to plan a union of that many selects quickly.
        inserted = 0
        for start in range(0, len(staged), FILES_PER_INSERT):
            selects, params = [], []
            for f in staged[start : start + FILES_PER_INSERT]:
                data_cols = ", ".join(f"{quote_ident(_staged_name(n))} as {quote_ident(n)}" for n in f.names)
                selects.append(
                    f"select {data_cols}, rowid + 1 as _row_number, ? as _source_file, ? as _loaded_at, "
                    f"? as _load_id, ? as _file_hash from {f.table} where _reject_reason is null"
                )
                params += [f.rel_path, f.read_at, load_id, f.digest]
            inserted += con.execute(
                f"insert into {table} by name {' union all by name '.join(selects)}", params
            ).fetchone()[0]
        # DuckDB reports the rows it inserted; the reconciliation checks them, file by file, against what was read.
        landed = dict(
            con.execute(
                f"select _source_file, count(*) from {table} where _load_id = ? and _file_hash in "
                f"(select unnest(?::varchar[])) group by _source_file",
                [load_id, [f.digest for f in staged]],
            ).fetchall()
        )
        for f in staged:
            record = ", ".join(f"{quote_ident(n)} := {quote_ident(_staged_name(n))}" for n in f.names)
            (rejected,) = con.execute(
                f"""
                insert into raw._rejected_rows
                select ?, ?, ?, rowid + 1, split_part(_reject_reason, ':', 1), _reject_reason,
                       case when not ends_with(_reject_reason, ?) then to_json(struct_pack({record})) end, ?
                from {f.table} where _reject_reason is not null
                """,
                [load_id, contract.name, f.rel_path, ERASED_REASON, f.read_at],
            ).fetchone()
            (read,) = con.execute(f"select count(*) from {f.table}").fetchone()
            loaded = landed.get(f.rel_path, 0)
            if read != loaded + rejected:
                raise RuntimeError(f"{f.rel_path}: rows read ({read}) != loaded ({loaded}) + rejected ({rejected})")
            _log_file(
                con, load_id, contract.name, f.rel_path, f.digest, f.path, f.fmt, "loaded",
                (read, loaded, rejected), f.read_at,
            )  # fmt: skip
            reports.append(
                FileReport(
                    path=f.rel_path, status="loaded", rows_read=read, rows_loaded=loaded, rows_rejected=rejected,
                    rows_erased=f.rows_erased,
                )
            )  # fmt: skip
        if inserted != sum(r.rows_loaded for r in reports):
            raise RuntimeError(
                f"{contract.name}: inserted {inserted} rows, but the batch's files account for "
                f"{sum(r.rows_loaded for r in reports)}"
            )
        faults.pause_point("ingest-before-commit")
        con.execute("commit")
    except BaseException as exc:
        con.execute("rollback")
        if isinstance(exc, duckdb.Error) and is_resource_error(exc):
            # as in stage_file: the files are fine, the machine is full; none is logged, the next run retries
            names = ", ".join(f.rel_path for f in staged)
            raise ResourceExhausted(f"{names} could not be loaded: {resource_hint(str(exc))}") from exc
        raise
    finally:
        con.execute("set preserve_insertion_order = true")
        for f in staged:
            con.execute(f"drop table if exists {f.table}")
    return reports


def ingest_entity(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    landing_dir: Path,
    quarantine_dir: Path,
    load_id: str,
    progress: Callable[[str], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    on_new_file: Callable[[], None] | None = None,
) -> EntityReport:
    """Load every landing file of ``entity`` not seen before (by content hash).

    Files are parsed one by one (a bad one is quarantined alone) and committed in batches of about
    ``batch_rows`` rows: one commit per batch instead of one per file roughly halves the write cost,
    and the bound keeps the staged temp tables within memory. ``on_new_file`` is called before each file
    not loaded before is parsed.
    """
    contract = CONTRACTS[entity]
    ensure_raw_schema(con)
    seen = {r[0] for r in con.execute("select file_hash from raw._load_log where entity = ?", [entity]).fetchall()}
    known = {
        (path, size, modified): digest
        for path, size, modified, digest in con.execute(
            "select source_file, file_bytes, modified_ns, file_hash from raw._file_hashes where entity = ?", [entity]
        ).fetchall()
    }
    hashed: list[tuple[str, str, int, int, str]] = []
    erased = has_erased_keys(con)
    report = EntityReport(entity=entity)
    batch: list[StagedFile] = []
    batch_size = 0

    def flush() -> None:
        nonlocal batch, batch_size
        if batch:
            for result in commit_files(con, contract, batch, load_id):
                report.files.append(result)
                if progress:
                    progress(
                        f"  {result.path}: {result.rows_read:,} read, {result.rows_loaded:,} loaded, "
                        f"{result.rows_rejected:,} rejected"
                        + (f" ({result.rows_erased:,} of erased persons)" if result.rows_erased else "")
                    )
        batch, batch_size = [], 0

    files = []
    for path in discover_files(landing_dir, entity):
        rel_path = path.relative_to(landing_dir).as_posix()
        stat = path.stat()
        files.append((path, rel_path, stat, known.get((rel_path, stat.st_size, stat.st_mtime_ns))))
    # Files not hashed before are hashed on a thread ahead of the loop: hashlib releases the GIL, so hashing the
    # next file overlaps DuckDB parsing this one instead of adding to it (L, first run: 3.6 s of 35 s in series).
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadflow-hash")
    digests = {rel_path: hasher.submit(file_hash, path) for path, rel_path, _, digest in files if digest is None}
    try:
        for path, rel_path, stat, digest in files:
            if digest is None:
                digest = digests[rel_path].result()
                # File times tick coarsely (a few ms): a file still being written could change again under the
                # same time and size, so only a file left alone for a while is memoised.
                if time.time_ns() - stat.st_mtime_ns > MEMO_MIN_AGE_NS:
                    hashed.append((entity, rel_path, stat.st_size, stat.st_mtime_ns, digest))
            if digest in seen:
                report.skipped_files += 1
                continue
            seen.add(digest)
            if on_new_file:
                on_new_file()
            staged = stage_file(
                con,
                contract,
                path,
                rel_path,
                digest,
                load_id,
                quarantine_dir,
                table=f"_incoming_{len(batch)}",
                erased=erased,
            )
            if isinstance(staged, FileReport):
                report.files.append(staged)
                if progress:
                    progress(f"  QUARANTINED {staged.error}")
                continue
            batch.append(staged)
            batch_size += con.execute(f"select count(*) from {staged.table}").fetchone()[0]
            if batch_size >= batch_rows:
                flush()
        flush()
    finally:
        hasher.shutdown(wait=False, cancel_futures=True)
    if hashed:
        con.executemany("insert or replace into raw._file_hashes values (?, ?, ?, ?, ?)", hashed)
    report.unsupported = unsupported_files(landing_dir, entity)
    return report


_GATE_WARM_UP: list[threading.Thread] = []


def start_gate_warm_up() -> None:
    """New rows mean the raw gate will validate them with GX, whose import costs seconds: import it now, in a
    thread, while ingest works inside DuckDB with the GIL released. Once per process; a run that loads nothing
    never imports GX (its gates pass without it)."""
    if not _GATE_WARM_UP:
        thread = threading.Thread(target=_warm_up_gate, name="gx-warm-up", daemon=True)
        _GATE_WARM_UP.append(thread)
        thread.start()


def _warm_up_gate() -> None:
    from orchestration.quality import warm_up

    warm_up()


# --- Dagster assets ------------------------------------------------------------------------------
# Keys match the dbt source names (raw.leads ...), so dbt lineage joins the ingest assets by itself.


def build_ingest_asset(entity: str) -> AssetsDefinition:
    contract = CONTRACTS[entity]

    @asset(
        key=AssetKey(["raw", entity]),
        group_name="raw",
        kinds={"duckdb"},
        description=(
            f"New landing files of {entity}/ loaded into raw.{entity} (text, every version kept). "
            + ("Optional entity: an absent folder loads nothing. " if contract.optional else "")
            + "Unparseable files are quarantined, unusable rows go to raw._rejected_rows."
        ),
    )
    def _ingest(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        progress.say(f"ingest   {entity}")
        with warehouse.connect() as con:
            report = ingest_entity(
                con,
                entity,
                Path(warehouse.landing_dir),
                Path(warehouse.quarantine_dir),
                load_id=context.run_id,
                progress=progress.say,
                on_new_file=start_gate_warm_up,
            )
            total = con.execute(f"select count(*) from raw.{entity}").fetchone()[0]
        for bad in report.quarantined:
            context.log.warning(f"quarantined {bad.error}")
        if report.unsupported:
            note = f"not read (expected {', '.join(FILE_SUFFIXES)} files): {', '.join(report.unsupported)}"
            context.log.warning(note)
            progress.say(f"  {note}")
        progress.say(
            f"ingest   {entity}: {len(report.loaded)} new files, {report.rows_read:,} rows read = "
            f"{report.rows_loaded:,} loaded + {report.rows_rejected:,} rejected; "
            f"{len(report.quarantined)} quarantined; {report.skipped_files} already loaded"
            + (
                f"; {report.rows_erased:,} rows of persons erased by `leadflow forget` kept out"
                + (" (deals loaded without their lead)" if entity == "deals" else " (rejected)")
                if report.rows_erased
                else ""
            )
        )
        return MaterializeResult(
            metadata={
                "files_loaded": len(report.loaded),
                "files_quarantined": len(report.quarantined),
                "files_already_loaded": report.skipped_files,
                "rows_read": report.rows_read,
                "rows_loaded": report.rows_loaded,
                "rows_rejected": report.rows_rejected,
                "rows_erased": report.rows_erased,
                "rows_total": total,
                "quarantined": MetadataValue.json([f.error for f in report.quarantined]),
                "not_read": MetadataValue.json(report.unsupported),
            }
        )

    return _ingest


ingest_assets = [build_ingest_asset(entity) for entity in CONTRACTS]


def quarantine_loaded_files(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    files: list[tuple[str, str, str]],
    landing_dir: Path,
    quarantine_dir: Path,
) -> None:
    """Take files that failed the raw gate back out of raw, as if they had been quarantined on arrival.

    ``files`` are (load_id, file, reason) triples. Their hashes stay in the log, so the same content is not
    loaded again; a corrected file (new content) loads normally.
    """
    con.execute("begin transaction")
    try:
        for load_id, rel_path, reason in files:
            con.execute(f"delete from raw.{entity} where _load_id = ? and _source_file = ?", [load_id, rel_path])
            con.execute(
                "delete from raw._rejected_rows where load_id = ? and entity = ? and source_file = ?",
                [load_id, entity, rel_path],
            )
            error = f"{rel_path}: failed the raw quality gate: {reason}"
            source = landing_dir / rel_path
            target = _quarantine(source, entity, quarantine_dir, error) if source.exists() else None
            con.execute(
                """
                update raw._load_log
                set status = 'quarantined', rows_loaded = 0, rows_rejected = 0, error = ?, quarantine_path = ?
                where load_id = ? and entity = ? and source_file = ?
                """,
                [error, str(target) if target else None, load_id, entity, rel_path],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
