"""Raw-data quality gate: validates each run's freshly loaded raw rows against a Great Expectations suite.

The suites live as GX 1.x JSON in `expectations/<entity>.json`, so RevOps and reviewers can read and tune
thresholds without touching Python. A blocking Dagster asset check calls `validate_frame` and turns the
outcome into check metadata; a failure stops every downstream model, so the suites only stop exports that
are broken throughout and leave row-level junk to the layers that flag it.

Great Expectations is imported lazily (the import costs seconds) and its ephemeral context is built once
per process. GX's own DuckDB/SQL path is unusable here (see STACK_NOTES.md), so the rows arrive as pandas.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite, ValidationDefinition
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
ENTITIES: tuple[str, ...] = ("leads", "activities", "deals", "companies")

# Column that names a row to a human in failure samples, next to its file and line.
_ID_COLUMNS: dict[str, str] = {
    "leads": "lead_id",
    "activities": "activity_id",
    "deals": "deal_id",
    "companies": "company_domain",
}
SAMPLE_SIZE = 10
_ROWS_IN_SUMMARY = 5
NULL_TEXT = "<blank>"  # null and blank cells are one thing to the gate, and to a user an empty cell

# SUMMARY keeps GX from materialising every unexpected value; the index query is off because on pandas
# it renders the full list of unexpected row numbers into a string, which is costly on a broken 1M-row batch.
_RESULT_FORMAT: dict[str, Any] = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": 50,
    "return_unexpected_index_query": False,
}

_DATASOURCE_NAME = "leadflow_raw"
_BATCH_DEFINITION_NAME = "whole_frame"


@dataclass(frozen=True)
class ExpectationFailure:
    """One failed expectation, shaped for check metadata: what broke, how much, examples, why it matters."""

    expectation: str
    column: str | None
    unexpected_count: int | None
    unexpected_percent: float | None
    sample_values: list[str]
    why: str
    # Where to look in the landing files: "file row N (id=...)" for a few offending rows.
    sample_rows: list[str] = field(default_factory=list)
    # Anything the numbers do not say: a row condition that scoped the check, or the error GX raised.
    detail: str | None = None

    def describe(self) -> str:
        """Render the failure as an indented block so a check's log reads without the metadata viewer."""
        target = f" on {self.column}" if self.column else ""
        head = f"{self.expectation}{target}"
        if self.unexpected_count is not None:
            head += f": {self.unexpected_count:,} unexpected"
            if self.unexpected_percent is not None:
                head += f" ({self.unexpected_percent:.2f}% of checked values)"
        lines = [head]
        if self.detail:
            lines.append(f"   detail: {self.detail}")
        if self.sample_values:
            lines.append("   sample values: " + ", ".join(repr(v) for v in self.sample_values))
        if self.sample_rows:
            shown = self.sample_rows[:_ROWS_IN_SUMMARY]
            more = "; ..." if len(self.sample_rows) > len(shown) else ""
            lines.append("   sample rows: " + "; ".join(shown) + more)
        lines.append(f"   why it matters: {self.why}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ValidationOutcome:
    """The gate's verdict for one entity's batch, independent of GX types so callers need not import GX."""

    entity: str
    rows: int
    evaluated: int
    passed: bool
    failures: list[ExpectationFailure]

    def summary(self) -> str:
        """One message a user can act on without opening GX results: each failure, its column and samples."""
        if self.rows == 0:
            return f"{self.entity}: no new rows in this run; nothing to validate."
        if self.passed:
            return f"{self.entity}: all {self.evaluated} expectations passed on {self.rows:,} rows."
        failed = f"{len(self.failures)} of {self.evaluated} expectations failed"
        lines = [f"{self.entity}: {failed} on {self.rows:,} rows."]
        for number, failure in enumerate(self.failures, start=1):
            lines.append(f"{number}. {failure.describe()}")
        return "\n".join(lines)


def suite_path(entity: str) -> Path:
    """Fail fast on an unknown entity: a typo would otherwise look like a missing suite file."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}; expected one of {', '.join(ENTITIES)}")
    return EXPECTATIONS_DIR / f"{entity}.json"


def load_suite_document(entity: str) -> dict[str, Any]:
    """Read a suite as plain JSON and insist every expectation explains itself.

    `meta.why` is what a user sees when the gate stops their pipeline; an expectation without it would
    stop the pipeline with no explanation, so a suite lacking one is refused rather than run.
    """
    path = suite_path(entity)
    document = json.loads(path.read_text(encoding="utf-8"))
    expectations = document.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise ValueError(f"{path}: suite has no expectations")
    for position, expectation in enumerate(expectations):
        why = (expectation.get("meta") or {}).get("why")
        if not isinstance(why, str) or not why.strip():
            raise ValueError(f"{path}: expectation #{position} ({expectation.get('type')}) has no meta.why")
    return document


def load_suite(entity: str) -> ExpectationSuite:
    """Build the GX suite one expectation at a time so a bad entry raises.

    `ExpectationSuite(expectations=[...])` logs and silently drops an expectation whose configuration does
    not validate; for a gate that would mean quietly checking less than the file says.
    """
    _import_gx()
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    document = load_suite_document(entity)
    expectations = [
        ExpectationConfiguration(
            type=item["type"], kwargs=item.get("kwargs", {}), meta=item.get("meta")
        ).to_domain_obj()
        for item in document["expectations"]
    ]
    return ExpectationSuite(name=document["name"], expectations=expectations, meta=document.get("meta"))


def validate_frame(entity: str, df: pd.DataFrame) -> ValidationOutcome:
    """Validate one run's raw rows for an entity and report failures in user terms.

    Blank and whitespace-only cells count as null, as in the landing contract and ingest, so a blank id
    fails the not-null check and a blank optional field does not count against a pattern's tolerance.
    """
    suite_path(entity)
    rows = len(df)
    if rows == 0:
        return ValidationOutcome(entity=entity, rows=0, evaluated=0, passed=True, failures=[])

    with _GX_LOCK:
        gate = _gate(entity)
        frame = _prepare_frame(df, gate.referenced_columns, entity)
        try:
            result = gate.validation.run(batch_parameters={"dataframe": frame}, result_format=_RESULT_FORMAT)
        finally:
            _forget_batches(gate)

    failures = [
        _failure_from_result(item, frame, entity)
        for item in sorted(result.results, key=_suite_order(gate.document["expectations"]))
        if not item.success
    ]
    evaluated = int(result.statistics.get("evaluated_expectations", len(result.results)))
    return ValidationOutcome(
        entity=entity, rows=rows, evaluated=evaluated, passed=bool(result.success), failures=failures
    )


# --- GX runtime -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Gate:
    context: Any
    validation: ValidationDefinition
    document: dict[str, Any]
    referenced_columns: frozenset[str]


_GX_LOCK = threading.Lock()
_CONTEXT: Any = None
_GATES: dict[str, _Gate] = {}


def warm_up() -> None:
    """Import GX and build the context ahead of the first check.

    Ingest calls this from a background thread when it finds the first new file
    (orchestration/ingest.py ``start_gate_warm_up``): the ~5 s of importing then overlaps the loading, which
    spends its time inside DuckDB with the GIL released.
    """
    with _GX_LOCK:
        _context()


def _context() -> Any:
    """Build the ephemeral context once per process: setup costs more than validating a small batch."""
    global _CONTEXT
    if _CONTEXT is None:
        gx = _import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        # tqdm bars from metric calculation would flood Dagster's captured stderr on every check.
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.data_sources.add_pandas(name=_DATASOURCE_NAME)
        _CONTEXT = context
    return _CONTEXT


def _gate(entity: str) -> _Gate:
    """Register the entity's suite and validation definition once per process.

    Suite edits therefore take effect in the next process (Dagster runs each run in a fresh one).
    A ValidationDefinition fetches the batch once per run; `Batch.validate` would fetch it a second time,
    and each fetch fingerprints the whole frame (about 1 s per million rows on this data).
    """
    if entity not in _GATES:
        gx = _import_gx()
        context = _context()
        document = load_suite_document(entity)
        suite = context.suites.add(load_suite(entity))
        asset = context.data_sources.get(_DATASOURCE_NAME).add_dataframe_asset(name=f"raw_{entity}")
        batch_definition = asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION_NAME)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"raw_{entity}_gate", data=batch_definition, suite=suite)
        )
        _GATES[entity] = _Gate(
            context=context,
            validation=validation,
            document=document,
            referenced_columns=frozenset(_referenced_columns(document["expectations"])),
        )
    return _GATES[entity]


def _import_gx() -> Any:
    """Import GX without its noise reaching Dagster's logs.

    On import GX logs some 200 INFO lines about its own registries (visible whenever the root logger is
    at INFO, as under Dagster) and triggers DeprecationWarnings from its use of `sre_parse`; none of it
    is actionable for a pipeline user. Only GX's own loggers are raised to WARNING, so real problems show.
    """
    _quiet_logger("great_expectations")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
    # Some GX modules pin their own logger to INFO on import (e.g. the ephemeral docs-site temp dir notice).
    for name in [n for n in logging.Logger.manager.loggerDict if n.startswith("great_expectations.")]:
        _quiet_logger(name)
    return gx


def _quiet_logger(name: str) -> None:
    logger = logging.getLogger(name)
    if logger.level < logging.WARNING and (logger.level != logging.NOTSET or name == "great_expectations"):
        logger.setLevel(logging.WARNING)


def _forget_batches(gate: _Gate) -> None:
    """Drop what GX keeps after a run: the frame in its batch cache and the stored validation result.

    Neither is read again (every run brings its own frame), and in a long-lived process both would
    otherwise hold memory: the last frame per entity and one result per run.
    """
    try:
        manager = gate.validation.data.data_asset.datasource.get_execution_engine().batch_manager
        manager.batch_data_cache.clear()
        manager.reset_batch_cache()
        store = gate.context.validation_results_store
        for key in store.list_keys():
            store.remove_key(key)
    except AttributeError:  # internal layout changed in a GX upgrade: only memory is at stake
        pass


# --- frame preparation ------------------------------------------------------------------------------------


def columns_read(entity: str) -> set[str]:
    """Columns whose values the entity's suite needs (checked columns, row conditions, and what names a
    failing row). Callers may pass every other column as a placeholder: only its name is checked."""
    document = load_suite_document(entity)
    return _referenced_columns(document["expectations"]) | {"_source_file", "_row_number", _ID_COLUMNS[entity]}


def _referenced_columns(expectations: Iterable[Mapping[str, Any]]) -> set[str]:
    """Columns some expectation reads or conditions on; the rest of the frame only needs to exist."""
    columns: set[str] = set()
    for expectation in expectations:
        kwargs = expectation.get("kwargs", {})
        for key in ("column", "column_A", "column_B"):
            if isinstance(kwargs.get(key), str):
                columns.add(kwargs[key])
        columns.update(c for c in kwargs.get("column_list") or [] if isinstance(c, str))
        columns.update(_condition_columns(kwargs.get("row_condition")))
    return columns


def _condition_columns(condition: Any) -> set[str]:
    if not isinstance(condition, Mapping):
        return set()
    found: set[str] = set()
    column = condition.get("column")
    if isinstance(column, Mapping) and isinstance(column.get("name"), str):
        found.add(column["name"])
    for nested in condition.get("conditions", []) or []:
        found |= _condition_columns(nested)
    return found


def _prepare_frame(df: pd.DataFrame, referenced: set[str], entity: str) -> pd.DataFrame:
    """Build the frame GX sees: blanks as null, a 0..n-1 index, and only the data the suite reads.

    GX filters the whole frame once per expectation and fingerprints every column of it per batch, so on
    a million rows the columns no expectation reads would cost more than the checks themselves.
    Those columns are kept by name, as one-byte placeholders, so column-set expectations still see them.
    The positional index lets GX's unexpected-row positions be mapped back to file and row number.
    The caller's frame is never modified.
    """
    rows = len(df)
    keep = referenced | {"_source_file", "_row_number", _ID_COLUMNS[entity]}
    placeholder = np.zeros(rows, dtype=bool)
    data: dict[Any, Any] = {}
    for column in df.columns:
        if column not in keep:
            data[column] = placeholder
            continue
        series = pd.Series(df[column].array, copy=False)
        data[column] = _blank_to_null(series) if column in referenced else series
    return pd.DataFrame(data, index=pd.RangeIndex(rows), copy=False)


def _blank_to_null(series: pd.Series) -> pd.Series:
    if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return series
    try:
        blank = series.str.strip().eq("")
    except AttributeError:  # an object column holding no strings at all (e.g. only nulls or numbers)
        return series
    return series.mask(blank) if blank.any() else series


# --- result translation -----------------------------------------------------------------------------------


def _suite_order(expectations: list[Mapping[str, Any]]) -> Any:
    """Sort key putting GX results back in suite order (GX groups them by metric), so reports are stable."""
    positions: dict[str, int] = {}
    for position, expectation in enumerate(expectations):
        positions.setdefault(_expectation_key(expectation["type"], expectation.get("kwargs", {})), position)

    def key(item: ExpectationValidationResult) -> int:
        config = item.expectation_config
        if config is None:
            return len(expectations)
        return positions.get(_expectation_key(config.type, config.kwargs), len(expectations))

    return key


def _expectation_key(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    relevant = {k: v for k, v in kwargs.items() if k != "batch_id"}
    return expectation_type + json.dumps(relevant, sort_keys=True, default=str)


def _failure_from_result(item: ExpectationValidationResult, frame: pd.DataFrame, entity: str) -> ExpectationFailure:
    config = item.expectation_config
    kwargs: Mapping[str, Any] = config.kwargs if config is not None else {}
    meta: Mapping[str, Any] = (config.meta if config is not None else None) or {}
    result: Mapping[str, Any] = item.result or {}
    column = kwargs.get("column")

    details: list[str] = []
    condition = kwargs.get("row_condition")
    if condition is not None:
        details.append(f"checked only on rows where {_describe_condition(condition)}")
    error = _exception_message(item.exception_info)
    if error:
        details.append(f"GX could not evaluate it: {error}")

    count = result.get("unexpected_count")
    percent = result.get("unexpected_percent")
    return ExpectationFailure(
        expectation=config.type if config is not None else "unknown",
        column=column if isinstance(column, str) else None,
        unexpected_count=int(count) if count is not None else None,
        unexpected_percent=float(percent) if percent is not None else None,
        sample_values=_sample_values(result),
        why=str(meta.get("why", "")),
        sample_rows=_sample_rows(result, frame, entity),
        detail="; ".join(details) or None,
    )


def _sample_values(result: Mapping[str, Any]) -> list[str]:
    """Distinct offending values in first-seen order; for table-level checks, what is missing."""
    mismatched = (result.get("details") or {}).get("mismatched") or {}
    if mismatched.get("missing"):
        return [str(name) for name in mismatched["missing"]][:SAMPLE_SIZE]
    samples: list[str] = []
    for value in result.get("partial_unexpected_list") or []:
        text = _as_text(value)
        if text not in samples:
            samples.append(text)
        if len(samples) == SAMPLE_SIZE:
            break
    if not samples and "observed_value" in result and "unexpected_count" not in result:
        samples.append(_as_text(result["observed_value"]))
    return samples


def _sample_rows(result: Mapping[str, Any], frame: pd.DataFrame, entity: str) -> list[str]:
    """Name a few offending rows by landing file and line, which is where a user goes to fix them."""
    positions = [p for p in result.get("partial_unexpected_index_list") or [] if isinstance(p, int)]
    id_column = _ID_COLUMNS[entity]
    rows: list[str] = []
    for position in positions[:SAMPLE_SIZE]:
        if not 0 <= position < len(frame):
            continue
        record = frame.iloc[position]
        if "_source_file" in frame.columns and "_row_number" in frame.columns:
            where = f"{_as_text(record['_source_file'])} row {_as_text(record['_row_number'])}"
        else:
            where = f"frame row {position}"
        if id_column in frame.columns:
            where += f" ({id_column}={_as_text(record[id_column])})"
        rows.append(where)
    return rows


def _as_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NULL_TEXT
    return str(value)


def _describe_condition(condition: Any) -> str:
    if isinstance(condition, Mapping):
        kind = condition.get("type")
        column = (condition.get("column") or {}).get("name")
        if kind == "nullity":
            return f"{column} is {'null' if condition.get('is_null') else 'not null'}"
        if kind == "comparison":
            return f"{column} {condition.get('operator')} {condition.get('parameter')!r}"
        if kind in ("and", "or"):
            parts = [_describe_condition(c) for c in condition.get("conditions", [])]
            return f" {kind} ".join(parts)
    return str(condition)


def _exception_message(info: Any) -> str | None:
    """GX reports errors either flat or keyed by metric id; either way one readable message is enough."""
    if not isinstance(info, Mapping):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info.get("raised_exception") else None
    for nested in info.values():
        message = _exception_message(nested)
        if message:
            return message
    return None
