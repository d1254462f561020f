"""Great Expectations suites (expectations/*.json) as blocking Dagster asset checks on the raw assets.

GX 1.x has no working Dagster integration and its SQL route fails on DuckDB, so the check reads the
rows not validated yet into pandas and validates them as a dataframe (orchestration/quality.py).
Only loads that have not passed yet are validated (raw._gate_log records the ones that did). A load larger than
``LEADFLOW_GX_MAX_ROWS`` is validated on a reproducible sample of about that size, which keeps the gate
to seconds on 20M-row loads; the row-level rules that must hold for every row (ids, timestamps)
are enforced on all rows by ingest itself.
"""

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration import progress
from orchestration.contract import CONTRACTS
from orchestration.ingest import quarantine_loaded_files
from orchestration.resources import Warehouse, quote_ident, sql_literal

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


def build_gx_check(entity: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(["raw", entity]),
        name=f"gx_{entity}_suite",
        blocking=True,
        description=f"Great Expectations suite expectations/{entity}.json on every load not validated yet.",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        with warehouse.connect() as con:
            # Every load of this entity that has not passed the gate yet: normally just this run's, but
            # also one whose run was killed between ingest and gate.
            pending = f"_load_id not in (select load_id from raw._gate_log where entity = {sql_literal(entity)})"
            new_rows = con.execute(f"select count(*) from raw.{entity} where {pending}").fetchone()[0]
            if new_rows == 0:
                # Nothing arrived since the last validated load (a day without this export, a run with no new
                # file): every row in raw has passed already. Passing here without pandas or GX spares such a
                # run their imports (seconds of CPU), which a run that loads nothing would otherwise pay in full.
                progress.say(f"gx       {entity}: passed (no rows loaded since the last validated load)")
                return AssetCheckResult(
                    passed=True,
                    severity=AssetCheckSeverity.ERROR,
                    description="No rows loaded since the last validated load: nothing to validate.",
                    metadata={
                        "rows_pending_validation": 0,
                        "rows_validated": 0,
                        "sampled": False,
                        "expectations": 0,
                        "quarantined_files": MetadataValue.json([]),
                        "failed_expectations": MetadataValue.json([]),
                    },
                )
            from orchestration.quality import columns_read, validate_frame

            pending_files = con.execute(
                f"select distinct _load_id, _source_file from raw.{entity} where {pending} order by 1, 2"
            ).fetchall()
            sampled = new_rows > warehouse.gx_max_rows
            frame = read_gate_frame(
                con, entity, pending, columns_read(entity), warehouse.gx_max_rows / new_rows if sampled else None
            )
            outcome = validate_frame(entity, frame)
            quarantined: list[tuple[str, str]] = []
            if outcome.passed:
                for load_id in sorted({load_id for load_id, _ in pending_files}):
                    con.execute("insert into raw._gate_log values (?, ?, now())", [entity, load_id])
            else:
                quarantined = _files_to_quarantine(entity, frame, pending_files, outcome, validate_frame)
                quarantine_loaded_files(
                    con,
                    entity,
                    quarantined,
                    landing_dir=Path(warehouse.landing_dir),
                    quarantine_dir=Path(warehouse.quarantine_dir),
                )
        progress.say(
            f"gx       {entity}: {'passed' if outcome.passed else 'FAILED'} "
            f"({outcome.evaluated} expectations on {len(frame):,} rows{' sampled' if sampled else ''})"
        )
        if not outcome.passed:
            context.log.error(outcome.summary())
            names = ", ".join(f for _, f, _ in quarantined)
            progress.say(f"gx       quarantined {len(quarantined)} file(s): {names}")
        return AssetCheckResult(
            passed=outcome.passed,
            severity=AssetCheckSeverity.ERROR,
            description=outcome.summary(),
            metadata={
                "rows_pending_validation": new_rows,
                "rows_validated": len(frame),
                "sampled": sampled,
                "expectations": outcome.evaluated,
                "quarantined_files": MetadataValue.json([f for _, f, _ in quarantined]),
                "failed_expectations": MetadataValue.json(
                    [
                        {
                            "expectation": f.expectation,
                            "column": f.column,
                            "unexpected_count": f.unexpected_count,
                            "sample_values": f.sample_values,
                        }
                        for f in outcome.failures
                    ]
                ),
            },
        )

    return _check


def read_gate_frame(
    con: "duckdb.DuckDBPyConnection", entity: str, where: str, needed: set[str], fraction: float | None = None
) -> "pd.DataFrame":
    """The raw rows matching ``where`` as the frame GX validates; ``fraction`` keeps about that share of them.

    Only the columns the suite reads carry data; the others keep their names (as null placeholders) for
    the column-set expectation: reading 25 text columns of a million rows into pandas would cost more
    than GX. The sample keeps the rows whose hash of file and row number falls in the first ``fraction``
    of the hash range: the same rows every time, spread over every file, found in one parallel scan
    (DuckDB's reservoir sample runs on one thread: L activities, 20M rows, 13.6 s against 2.7 s).
    """
    needed = needed | {"_load_id", "_source_file", "_row_number"}
    columns = [r[0] for r in con.execute(f"describe raw.{entity}").fetchall()]
    select = ", ".join(quote_ident(c) if c in needed else f"cast(null as boolean) as {quote_ident(c)}" for c in columns)
    query = f"select {select} from raw.{entity} where ({where})"
    if fraction is not None:
        cutoff = min(int(fraction * 2**64), 2**64 - 1)
        query += f" and hash(_source_file, _row_number) < {cutoff}::ubigint"
    return con.execute(query).df()


def _files_to_quarantine(
    entity: str, frame, pending_files: list[tuple[str, str]], outcome, validate_frame
) -> list[tuple[str, str, str]]:
    """The (load, file, reason) of each file of a failed batch that fails, on its own rows, an expectation the
    batch failed; every pending file, with the batch's reason, when none does (a "mostly" threshold crossed only
    by the batch as a whole). Runs only after a failure.

    Only the batch's failed expectations count: a small file can miss a "mostly" threshold that the batch
    meets (2 odd emails in 19 rows), and quarantining it for that, under another file's failure, would be
    wrong twice. Each file's reason is its own failure, with its own sample rows.
    """
    failed = {(f.expectation, f.column) for f in outcome.failures}
    if len(pending_files) > 1:
        found = []
        for (load_id, source_file), rows in frame.groupby(["_load_id", "_source_file"], sort=True):
            own = validate_frame(entity, rows.reset_index(drop=True))
            failures = [f for f in own.failures if (f.expectation, f.column) in failed]
            if failures:
                reason = replace(own, passed=False, failures=failures).summary()
                found.append((str(load_id), str(source_file), reason.replace("\n", " ")))
        if found:
            return found
    reason = outcome.summary().replace("\n", " ")
    return [(load_id, source_file, reason) for load_id, source_file in pending_files]


gx_checks = [build_gx_check(entity) for entity in CONTRACTS]
