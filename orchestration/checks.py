"""Great Expectations suites (expectations/*.json) as blocking Dagster asset checks on the raw assets.

GX 1.x has no working Dagster integration and its SQL route fails on DuckDB, so the check reads the
rows loaded by this run into pandas and validates them as a dataframe (orchestration/quality.py).
Only this run's rows are validated: earlier loads passed their own gate. A load larger than
``LEADFLOW_GX_MAX_ROWS`` is validated on a reproducible sample of that size, which keeps the gate
to seconds on 20M-row loads; the row-level rules that must hold for every row (ids, timestamps)
are enforced on all rows by ingest itself.
"""

from pathlib import Path

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
from orchestration.resources import Warehouse, quote_ident


def build_gx_check(entity: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(["raw", entity]),
        name=f"gx_{entity}_suite",
        blocking=True,
        description=f"Great Expectations suite expectations/{entity}.json on the rows loaded by this run.",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        from orchestration.quality import columns_read, validate_frame

        run_id = context.op_execution_context.run_id
        with warehouse.connect() as con:
            new_rows = con.execute(f"select count(*) from raw.{entity} where _load_id = ?", [run_id]).fetchone()[0]
            # Only the columns the suite reads carry data; the others keep their names for the column-set
            # expectation. Reading 25 text columns of a million rows into pandas would cost more than GX.
            needed = columns_read(entity)
            columns = [r[0] for r in con.execute(f"describe raw.{entity}").fetchall()]
            select = ", ".join(
                quote_ident(c) if c in needed else f"cast(null as boolean) as {quote_ident(c)}" for c in columns
            )
            query = f"select {select} from raw.{entity} where _load_id = ?"
            sampled = new_rows > warehouse.gx_max_rows
            if sampled:
                sample = f"reservoir({warehouse.gx_max_rows} rows) repeatable (42)"
                query = f"select * from ({query}) using sample {sample}"
            frame = con.execute(query, [run_id]).df()
            outcome = validate_frame(entity, frame)
            quarantined: list[str] = []
            if not outcome.passed:
                quarantined = _files_to_quarantine(entity, frame, validate_frame)
                quarantine_loaded_files(
                    con,
                    entity,
                    run_id,
                    quarantined,
                    reason=outcome.summary().replace("\n", " "),
                    landing_dir=Path(warehouse.landing_dir),
                    quarantine_dir=Path(warehouse.quarantine_dir),
                )
        progress.say(
            f"gx       {entity}: {'passed' if outcome.passed else 'FAILED'} "
            f"({outcome.evaluated} expectations on {len(frame):,} rows{' sampled' if sampled else ''})"
        )
        if not outcome.passed:
            context.log.error(outcome.summary())
            progress.say(f"gx       quarantined {len(quarantined)} file(s): {', '.join(quarantined)}")
        return AssetCheckResult(
            passed=outcome.passed,
            severity=AssetCheckSeverity.ERROR,
            description=outcome.summary(),
            metadata={
                "rows_loaded_this_run": new_rows,
                "rows_validated": len(frame),
                "sampled": sampled,
                "expectations": outcome.evaluated,
                "quarantined_files": MetadataValue.json(quarantined),
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


def _files_to_quarantine(entity: str, frame, validate_frame) -> list[str]:
    """The files of a failed batch that fail on their own; all of them when the failure is only in
    aggregate (a "mostly" threshold crossed by the batch as a whole). Runs only after a failure."""
    files = sorted(frame["_source_file"].unique())
    if len(files) > 1:
        failing = [f for f in files if not validate_frame(entity, frame[frame["_source_file"] == f]).passed]
        if failing:
            return failing
    return files


gx_checks = [build_gx_check(entity) for entity in CONTRACTS]
