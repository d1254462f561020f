"""``leadflow``: generate demo data, run the pipeline, query the analytics file, see the state of things.

Heavy imports (Dagster, dbt, GX) happen inside the commands, so ``leadflow --help`` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from orchestration.settings import Settings, SetupError

EPILOG = """\
environment variables (defaults in brackets):
  LEADFLOW_DATA_DIR        base folder of the defaults below and of ground_truth/    [data]
  LEADFLOW_LANDING_DIR     landing folder with leads/ activities/ deals/ companies/  [data/landing]
  LEADFLOW_WAREHOUSE_PATH  private working DuckDB file written by the pipeline       [data/warehouse.duckdb]
  LEADFLOW_ANALYTICS_PATH  published read-only file for analysts                     [data/analytics.duckdb]
  LEADFLOW_QUARANTINE_DIR  where unparseable landing files are copied                [data/quarantine]
  LEADFLOW_REPORTS_DIR     where `leadflow report` writes the weekly reports         [reports]
  LEADFLOW_MEMORY_LIMIT    DuckDB memory limit                      [12GB, or half the RAM if less]
  LEADFLOW_TEMP_DIR        DuckDB spill folder                                       [data/tmp]
  LEADFLOW_MAX_TEMP_SIZE   cap on data spilled to that folder, e.g. 50GB             [the free disk]
  LEADFLOW_DEBUG=1         show the traceback of an error instead of one line
See docs/configuration.md for all of them.
"""


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum`` (argparse then says what was wrong)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {value}")
        return value

    return parse


def _cmd_generate(args: argparse.Namespace) -> int:
    from orchestration import generate

    out = Path(args.out)
    summary = generate.generate(
        out=out,
        size=args.size,
        seed=args.seed,
        n_leads=args.leads,
        end_date=args.end_date,
        progress=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    print(json.dumps(summary, indent=2, default=str))
    print(f"\nlanding files: {out / 'landing'}\nground truth:  {out / 'ground_truth'}", file=sys.stderr)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not settings.landing_dir.is_dir():
        print(
            f"error: landing folder {settings.landing_dir} does not exist. Generate demo data with "
            "`leadflow generate --size S --out data` or set LEADFLOW_LANDING_DIR.",
            file=sys.stderr,
        )
        return 2
    from orchestration import dbt_prefork, progress

    if not args.quiet:
        progress.enable()
        # Dagster's import and the asset graph take seconds before the first step says anything
        progress.say(f"run      starting: landing {settings.landing_dir}, warehouse {settings.warehouse_path}")
    # first: dbt's imports in the server take the core this process leaves idle while it imports Dagster
    dbt_prefork.start()
    from orchestration.run import RunInProgressError, format_summary, run_pipeline

    try:
        summary = run_pipeline(settings, full_refresh=args.full_refresh)
    except RunInProgressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_summary(summary))
    return 0 if summary.success else 1


def _open_analytics(path: Path):
    import duckdb

    if not path.exists():
        raise SystemExit(f"error: {path} does not exist yet; run `leadflow run` first.")
    return duckdb.connect(str(path), read_only=True)


def _print_relation(con, query: str, fmt: str, max_rows: int) -> None:
    relation = con.sql(query)
    if relation is None:
        return
    if fmt == "table":
        relation.show(max_rows=max_rows, max_width=200)
    else:
        frame = relation.df()
        if fmt == "csv":
            sys.stdout.write(frame.to_csv(index=False))
        else:
            sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=1) + "\n")


def _shell(con, fmt: str, max_rows: int) -> None:
    import duckdb

    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input())
    print("leadflow sql (read-only). End statements with ';'. Try: show all tables;  Quit: .quit or Ctrl-D")
    buffer: list[str] = []
    while True:
        try:
            line = input("... " if buffer else "leadflow> ")
        except EOFError:
            print()
            return
        if not buffer and line.strip() in (".quit", ".exit", "quit", "exit"):
            return
        buffer.append(line)
        if line.rstrip().endswith(";"):
            statement = "\n".join(buffer)
            buffer = []
            try:
                _print_relation(con, statement, fmt, max_rows)
            except duckdb.Error as exc:
                print(f"error: {exc}")


def _cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    settings = Settings.from_env()
    path = Path(args.db) if args.db else settings.analytics_path
    con = _open_analytics(path)
    try:
        query = Path(args.file).read_text(encoding="utf-8") if args.file else args.query
        if query:
            try:
                _print_relation(con, query, args.format, args.max_rows)
            except duckdb.Error as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
        else:
            _shell(con, args.format, args.max_rows)
    finally:
        con.close()
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from orchestration.status import collect_status, format_status

    status = collect_status(Settings.from_env())
    print(json.dumps(status, indent=2, default=str) if args.json else format_status(status))
    return 0


def _cmd_ui(args: argparse.Namespace) -> int:
    import os

    from orchestration.project import ensure_manifest
    from orchestration.settings import ROOT

    settings = Settings.from_env()
    settings.ensure_dirs()
    settings.export()
    ensure_manifest()
    dagster = Path(sys.executable).parent / "dagster"
    argv = [str(dagster), "dev", "-m", "orchestration.definitions", "-p", str(args.port)]
    os.chdir(ROOT)
    os.execv(argv[0], argv)
    return 0  # not reached


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from orchestration.evaluate import evaluate_identity, format_scores

    settings = Settings.from_env()
    ground_truth = Path(args.ground_truth) if args.ground_truth else settings.data_dir / "ground_truth"
    database = Path(args.db) if args.db else settings.analytics_path
    try:
        scores = evaluate_identity(database, ground_truth)
    except FileNotFoundError as exc:
        print(
            f"error: {exc}. Generate data with `leadflow generate --out DIR` (ground truth lands in DIR/ground_truth) "
            "and run `leadflow run` on it first.",
            file=sys.stderr,
        )
        return 2
    print(scores.to_json() if args.json else format_scores(scores))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from orchestration.report import ReportError, build_report

    settings = Settings.from_env()
    reports_dir = Path(args.out) if args.out else settings.reports_dir
    database = Path(args.db) if args.db else settings.analytics_path
    try:
        result = build_report(database, reports_dir, args.week)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"week {result.week}\n  report:      {result.report}\n  calibration: {result.calibration}")
    print(f"  all reports: {result.index}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from orchestration.publish import ANALYST_SCHEMAS

    settings = Settings.from_env()
    database = Path(args.db) if args.db else settings.analytics_path
    schemas = args.schema or list(ANALYST_SCHEMAS)
    out = Path(args.out)
    con = _open_analytics(database)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema in (select unnest(?)) order by all",
            [schemas],
        ).fetchall()
        if not tables:
            print(f"error: no tables in schema(s) {', '.join(schemas)} of {database}", file=sys.stderr)
            return 2
        for number, (schema, table) in enumerate(tables, start=1):
            target = out / schema / f"{table}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.tmp")
            con.execute(f'copy "{schema}"."{table}" to \'{partial}\' (format parquet, compression zstd)')
            partial.replace(target)
            rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            print(f"[{number}/{len(tables)}] {schema}.{table}: {rows:,} rows -> {target}", file=sys.stderr)
    finally:
        con.close()
    print(f"{len(tables)} tables exported to {out}")
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    import subprocess

    from orchestration.dbt_cli import seed_partial_parse
    from orchestration.project import dbt_executable, dbt_project, ensure_manifest
    from orchestration.settings import ROOT

    settings = Settings.from_env()
    settings.export()
    if not settings.warehouse_path.exists():
        print(f"error: {settings.warehouse_path} does not exist yet; run `leadflow run` first.", file=sys.stderr)
        return 2
    ensure_manifest()
    target = Path(args.out).resolve()
    seed_partial_parse(dbt_project.manifest_path.parent, target)  # a new --out folder need not parse it all again
    dbt = dbt_executable()
    common = ["--project-dir", str(ROOT), "--profiles-dir", str(ROOT), "--target-path", str(target)]
    env = dict(os.environ)
    if not sys.stdout.isatty():
        # dbt colours its lines even into a pipe or a log file, where the codes are noise
        env.setdefault("DBT_USE_COLORS", "false")
    print(f"building the dbt docs site in {target} ...", file=sys.stderr)
    proc = subprocess.run([dbt, "docs", "generate", "--static", *common], cwd=ROOT, env=env, check=False)
    if proc.returncode != 0:
        print("error: dbt docs generate failed (see the output above)", file=sys.stderr)
        return 1
    print(f"docs site: {target / 'index.html'}  (single file: {target / 'static_index.html'})")
    if args.no_serve:
        return 0
    print(f"serving on http://localhost:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(
            [dbt, "docs", "serve", "--no-browser", "--port", str(args.port), *common], cwd=ROOT, env=env, check=False
        )
    return 0


def _cmd_forget(args: argparse.Namespace) -> int:
    from orchestration import progress
    from orchestration.forget import forget
    from orchestration.run import RunInProgressError, format_summary, run_pipeline

    settings = Settings.from_env()
    try:
        report = forget(settings, args.email)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunInProgressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    if not report.found:
        print(
            f"error: no record holds {args.email.strip()!r} (addresses match as written, ignoring case): nothing "
            "erased, no audit row written",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(report.to_dict(), indent=2))
    if report.landing_files:
        print(
            "the landing files above still hold the address (leadflow never edits your exports): purge it at the "
            "source; ingest does not reload a file it has loaded.",
            file=sys.stderr,
        )
    if args.no_run:
        print("raw data forgotten; run `leadflow run` to rebuild the models and republish.", file=sys.stderr)
        return 0
    if not args.quiet:
        progress.enable()
    summary = run_pipeline(settings)
    print(format_summary(summary))
    return 0 if summary.success else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadflow",
        description="leadflow: a lead-management warehouse on Dagster, dbt and DuckDB.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="write realistic synthetic CRM exports (with defects) and their ground truth",
        description=textwrap.dedent(
            """\
            Write synthetic CRM landing files into OUT/landing/{leads,activities,deals,companies}/ and the
            ground truth (true person behind each record, spam, propensity) into OUT/ground_truth/.
            Deterministic: the same size, seed and end date give the same files. See docs/generator.md."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gen.add_argument("--size", choices=["S", "M", "L"], default="S", help="S ≈ 5k, M ≈ 100k, L ≈ 1M lead records")
    gen.add_argument(
        "--leads",
        type=_at_least(100),
        default=None,
        help="exact number of lead records, at least 100 (overrides --size)",
    )
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument("--out", default="data", help="output folder (default: data, so landing is data/landing)")
    gen.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 11, 20),
        help="last day of generated history, YYYY-MM-DD (default 2026-11-20)",
    )
    gen.set_defaults(func=_cmd_generate)

    run = sub.add_parser(
        "run",
        help="ingest new landing files, build and test all models, publish the analytics file",
        description=textwrap.dedent(
            """\
            Materialize every asset in this process: ingest new landing files into raw, run the Great
            Expectations gates, dbt build (models and tests), then publish the analyst file atomically.
            A failed gate stops everything downstream and leaves the published file untouched.
            When nothing changed since the last publish (no new landing file, same code and settings),
            the run stops after the gates and says the published file is current.
            Exit status: 0 success, 1 a gate or step failed, 2 bad setup, 3 another run in progress."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild incremental models (stg_activities) from raw, and rebuild even when nothing changed; "
        "automatic when models, macros or seeds changed (docs/incremental.md)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines, only the closing summary")
    run.set_defaults(func=_cmd_run)

    sql = sub.add_parser(
        "sql",
        help="query the published analytics file (read-only), or open a SQL shell",
        description="Run QUERY on the published analytics file, or open an interactive shell without one.",
    )
    sql.add_argument("query", nargs="?", help="SQL to run; omit for an interactive shell")
    sql.add_argument("-f", "--file", help="read the SQL from a file")
    sql.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="output: an aligned table (default), CSV with a header, or a JSON array of rows",
    )
    sql.add_argument("--max-rows", type=_at_least(1), default=40, help="rows shown in table format (default 40)")
    sql.add_argument("--db", help="another DuckDB file to open read-only (default: the analytics file)")
    sql.set_defaults(func=_cmd_sql)

    status = sub.add_parser(
        "status",
        help="last run, row counts, failed checks, quarantined files and rejected rows",
        description="Show the last run, rows per table, failed checks and what in the landing data to fix.",
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=_cmd_status)

    evaluate = sub.add_parser(
        "evaluate",
        help="score identity resolution and spam flags against the generator's ground truth",
        description=textwrap.dedent(
            """\
            Compare the published marts (lead_crosswalk, dim_leads) with the ground truth written by
            `leadflow generate`: pairwise duplicate precision and recall, recall per kind of duplicate,
            false merges of colleagues sharing a domain, spam and existing-customer precision and recall."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument(
        "--ground-truth", help="ground truth folder (default: $LEADFLOW_DATA_DIR/ground_truth, i.e. data/ground_truth)"
    )
    evaluate.add_argument("--db", help="analytics DuckDB file to score (default: the published analytics file)")
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate.set_defaults(func=_cmd_evaluate)

    report = sub.add_parser(
        "report",
        help="build the weekly funnel report and the RevOps calibration page (HTML)",
        description=textwrap.dedent(
            """\
            Build one week's leadership funnel report and the scoring calibration page from the published
            analytics file: self-contained HTML (charts inlined as SVG, no network needed) in
            REPORTS/YYYY-Www/, and refresh REPORTS/index.html. See docs/report.md."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("--week", help="ISO week, e.g. 2026-W46 (default: the latest complete week in the data)")
    report.add_argument("--out", help="reports folder (default: $LEADFLOW_REPORTS_DIR, i.e. reports/)")
    report.add_argument("--db", help="analytics DuckDB file to read (default: the published analytics file)")
    report.set_defaults(func=_cmd_report)

    export = sub.add_parser(
        "export",
        help="write the analyst tables as Parquet files for BI tools",
        description="Copy every table of the analyst schemas of the published file to OUT/<schema>/<table>.parquet.",
    )
    export.add_argument("--out", default="exports", help="output folder (default: exports)")
    export.add_argument(
        "--schema", action="append", choices=["staging", "marts", "reference"], help="only this schema (repeatable)"
    )
    export.add_argument("--db", help="DuckDB file to export (default: the published analytics file)")
    export.set_defaults(func=_cmd_export)

    docs = sub.add_parser(
        "docs",
        help="build and serve the dbt docs site (models, columns, tests, lineage)",
        description="Run `dbt docs generate` on the working warehouse and serve the site on localhost.",
    )
    docs.add_argument("--port", type=int, default=8080, help="port to serve on (default 8080)")
    docs.add_argument("--out", default="target/docs", help="where the site is written (default: target/docs)")
    docs.add_argument("--no-serve", action="store_true", help="build the site only")
    docs.set_defaults(func=_cmd_docs)

    forget = sub.add_parser(
        "forget",
        help="erase a person everywhere (raw included), with an audit row, then rebuild and republish",
        description=textwrap.dedent(
            """\
            Right to erasure: delete every raw lead and activity row of the person behind EMAIL (all the records
            identity resolution joined to it), unlink their deals, drop rejected rows that quote the address,
            log a SHA-256 of the address in raw._forget_log, then run the pipeline so every model and the
            published file no longer hold the person. Hashes of their addresses and records stay in
            raw._erased_keys, so later exports that still hold them are kept out at ingest. See docs/privacy.md."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    forget.add_argument("--email", required=True, help="the person's address (any of their addresses)")
    forget.add_argument("--no-run", action="store_true", help="only erase raw data; rebuild later with `leadflow run`")
    forget.add_argument("--quiet", action="store_true", help="no progress lines during the rebuild")
    forget.set_defaults(func=_cmd_forget)

    ui = sub.add_parser(
        "ui",
        help="open the Dagster UI (dagster dev) on this project",
        description="Start `dagster dev` on this project: the asset graph with dbt lineage, runs, checks and the "
        "schedules (off until turned on). Uses the same LEADFLOW_* settings as `leadflow run`.",
    )
    ui.add_argument("--port", type=int, default=3000, help="port to serve on (default 3000)")
    ui.set_defaults(func=_cmd_ui)
    return parser


def _is_user_error(exc: BaseException) -> bool:
    """A path, a file or a value the user gave (or DuckDB's word on one), as opposed to a defect of leadflow."""
    module = exc.__class__.__module__.split(".")[0]
    return isinstance(exc, OSError | ValueError) or module in ("duckdb", "_duckdb")


def main(argv: list[str] | None = None) -> int:
    """Errors a user can fix (a setting, a path, a file that is not what it should be) end in one line naming
    them, not a traceback; LEADFLOW_DEBUG=1 shows the traceback."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader of our output went away (`leadflow sql ... | head`): stop quietly, as other command-line tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if os.environ.get("LEADFLOW_DEBUG") == "1" or not _is_user_error(exc):
            raise
        message = " ".join(str(exc).split()) or exc.__class__.__name__
        print(f"error: {message}  (LEADFLOW_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


def program() -> NoReturn:
    """The ``leadflow`` command: :func:`main`, then exit without the garbage collector's passes over every object
    the run left (Dagster's definitions, dbt's manifest, the imported modules): ~1.5 s of a run's end went to
    them. Objects are still released by reference count, and atexit handlers still run; only cycles stay
    unreclaimed, a moment before the process ends anyway. Not in :func:`main`, which the tests call in-process."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    program()
