"""Tests for the raw-data quality gate (orchestration/quality.py and expectations/*.json).

Frames are passed through DuckDB (`VARCHAR` columns, `.df()`) so they carry the same mix of pandas `str`
and `object` dtypes the Dagster check will hand over.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration import quality
from orchestration.contract import CONTRACTS, ISO_TIMESTAMP_PATTERN
from orchestration.quality import (
    ENTITIES,
    NULL_TEXT,
    ExpectationFailure,
    ValidationOutcome,
    load_suite,
    load_suite_document,
    suite_path,
    validate_frame,
)

NOT_NULL = "expect_column_values_to_not_be_null"
REGEX = "expect_column_values_to_match_regex"
LENGTHS = "expect_column_value_lengths_to_be_between"
COLUMNS = "expect_table_columns_to_match_set"


# --- realistic frames ---------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, values: list[str], n: int) -> np.ndarray:
    return rng.choice(np.array(values, dtype=object), size=n)


def _sprinkle(rng: np.random.Generator, column: np.ndarray, share: float, values: list[str | None]) -> None:
    """Replace about `share` of the cells with junk, as real CRM exports have."""
    hit = rng.random(len(column)) < share
    column[hit] = _pick(rng, values, int(hit.sum())) if values != [None] else None


def _timestamps(rng: np.random.Generator, n: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> np.ndarray:
    base = np.datetime64("2026-01-01T00:00:00")
    stamps = base + rng.integers(0, 90 * 86400, size=n).astype("timedelta64[s]")
    return pd.DatetimeIndex(stamps).strftime(fmt).to_numpy(dtype=object)


def _as_raw(entity: str, data: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    """Shape data like a raw.<entity> batch: every contract column as VARCHAR, extras, lineage columns."""
    columns = {c: data.get(c, np.full(n, None, dtype=object)) for c in CONTRACTS[entity].columns}
    columns["x_custom_field"] = np.full(n, "kept as-is", dtype=object)
    frame = pd.DataFrame(columns)
    con = duckdb.connect()
    con.register("src", frame)
    text_cols = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in frame.columns)
    return con.sql(
        f"""
        select {text_cols},
               '{entity}/export_2026-03-04.csv' as _source_file,
               row_number() over () as _row_number,
               timestamp '2026-03-05 06:00:00' as _loaded_at,
               'load-0001' as _load_id
        from src
        """
    ).df()


def make_leads(n: int = 2_000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.char.add("00Q", np.arange(n).astype(str)).astype(object)
    email = np.char.add(np.char.add("user", np.arange(n).astype(str)), "@acme-corp.com").astype(object)
    _sprinkle(rng, email, 0.02, ["n/a", "jane.doe@", "someone at example.com"])
    _sprinkle(rng, email, 0.02, ["", None])
    employees = rng.integers(1, 50_000, size=n).astype(str).astype(object)
    _sprinkle(rng, employees, 0.005, ["51-200", "unknown"])
    _sprinkle(rng, employees, 0.05, [None, ""])
    revenue = np.round(rng.uniform(1e4, 5e8, size=n), 2).astype(str).astype(object)
    _sprinkle(rng, revenue, 0.005, ["$1.2M"])
    opt_out = _pick(rng, ["false", "False", "TRUE", "0", "1", "yes", "No", "t", "F"], n)
    _sprinkle(rng, opt_out, 0.003, ["maybe"])
    _sprinkle(rng, opt_out, 0.3, [None])
    created = _timestamps(rng, n)
    updated = _timestamps(rng, n, "%Y-%m-%dT%H:%M:%S.%fZ")
    _sprinkle(rng, updated, 0.2, [None])
    return _as_raw(
        "leads",
        {
            "lead_id": ids,
            "source_system": _pick(rng, ["hubspot", "salesforce", "web_form", "import"], n),
            "created_at": created,
            "updated_at": updated,
            "email": email,
            "first_name": _pick(rng, ["Jane", "Ravi", "Ana", "Li"], n),
            "company_domain": _pick(rng, ["acme-corp.com", "globex.io", ""], n),
            "employee_count": employees,
            "annual_revenue": revenue,
            "country": _pick(rng, ["US", "DEU", "France", ""], n),
            "lead_source": _pick(rng, ["Paid Search", "Webinar", "Referral"], n),
            "email_opt_out": opt_out,
        },
        n,
    )


def make_activities(n: int = 2_000, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lead_id = np.char.add("00Q", rng.integers(0, 500, size=n).astype(str)).astype(object)
    email = np.char.add(np.char.add("user", rng.integers(0, 500, size=n).astype(str)), "@acme-corp.com")
    email = email.astype(object)
    only_email = rng.random(n) < 0.1
    lead_id[only_email] = None
    email[~only_email & (rng.random(n) < 0.5)] = ""
    direction = _pick(rng, ["inbound", "outbound", "Inbound", "OUTBOUND"], n)
    _sprinkle(rng, direction, 0.3, [None])
    _sprinkle(rng, direction, 0.003, ["internal"])
    rating = _pick(rng, ["1", "2", "3", "4", "5"], n)
    _sprinkle(rng, rating, 0.9, [None])
    due = _timestamps(rng, n, "%Y-%m-%d")
    _sprinkle(rng, due, 0.8, [None])
    return _as_raw(
        "activities",
        {
            "activity_id": np.char.add("act-", np.arange(n).astype(str)).astype(object),
            "lead_id": lead_id,
            "email": email,
            "activity_type": _pick(rng, ["form_submit", "email_open", "Call", "Meeting Booked"], n),
            "occurred_at": _timestamps(rng, n, "%Y-%m-%dT%H:%M:%S+00:00"),
            "direction": direction,
            "channel": _pick(rng, ["email", "phone", "web"], n),
            "rating": rating,
            "due_at": due,
        },
        n,
    )


def make_deals(n: int = 2_000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = np.round(rng.uniform(1_000, 250_000, size=n), 2).astype(str).astype(object)
    _sprinkle(rng, amount, 0.1, [None, ""])
    _sprinkle(rng, amount, 0.002, ["TBD"])
    currency = _pick(rng, ["USD", "EUR", "gbp"], n)
    _sprinkle(rng, currency, 0.1, [None])
    stage = _pick(rng, ["Qualified", "Proposal", "Negotiation", "Closed Won", "Closed Lost"], n)
    closed = _timestamps(rng, n, "%Y-%m-%d %H:%M:%S+00")
    closed[~np.isin(stage, ["Closed Won", "Closed Lost"])] = None
    return _as_raw(
        "deals",
        {
            "deal_id": np.char.add("006", np.arange(n).astype(str)).astype(object),
            "lead_id": np.char.add("00Q", rng.integers(0, 500, size=n).astype(str)).astype(object),
            "created_at": _timestamps(rng, n),
            "updated_at": _timestamps(rng, n),
            "stage": stage,
            "amount": amount,
            "currency": currency,
            "expected_close_date": _timestamps(rng, n, "%Y-%m-%d"),
            "closed_at": closed,
        },
        n,
    )


def make_companies(n: int = 500, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    domain = np.char.add(np.char.add("company", np.arange(n).astype(str)), ".com").astype(object)
    domain[::7] = "www.example.co.uk"
    employees = rng.integers(1, 10_000, size=n).astype(str).astype(object)
    _sprinkle(rng, employees, 0.2, [None])
    return _as_raw(
        "companies",
        {
            "company_domain": domain,
            "industry": _pick(rng, ["Software", "Retail"], n),
            "employee_count": employees,
            "annual_revenue": rng.integers(10_000, 10**9, size=n).astype(str).astype(object),
            "provider": np.full(n, "clearbit", dtype=object),
            "enriched_at": _timestamps(rng, n, "%Y-%m-%dT%H:%M:%SZ"),
        },
        n,
    )


MAKERS = {
    "leads": make_leads,
    "activities": make_activities,
    "deals": make_deals,
    "companies": make_companies,
}


def _failure(outcome: ValidationOutcome, expectation: str, column: str | None) -> ExpectationFailure:
    matches = [f for f in outcome.failures if f.expectation == expectation and f.column == column]
    assert matches, f"expected {expectation} on {column} to fail; got:\n{outcome.summary()}"
    return matches[0]


def _assert_only(outcome: ValidationOutcome, *expected: tuple[str, str | None]) -> None:
    assert not outcome.passed
    assert {(f.expectation, f.column) for f in outcome.failures} == set(expected), outcome.summary()


# --- suites on disk -----------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
def test_suite_json_is_gx_suite_with_why_on_every_expectation(entity: str) -> None:
    from great_expectations.core.expectation_suite import ExpectationSuite, ExpectationSuiteSchema

    raw = json.loads(suite_path(entity).read_text(encoding="utf-8"))
    assert raw["name"] == f"raw_{entity}"
    assert raw["expectations"]
    for expectation in raw["expectations"]:
        assert set(expectation) <= {"type", "kwargs", "meta", "id", "notes", "description", "severity"}
        assert expectation["type"].startswith("expect_")
        assert len(expectation["meta"]["why"].split()) >= 8, expectation

    # GX's own reader (the schema its stores use) and ours agree on every expectation: none dropped.
    gx_suite = ExpectationSuite(**ExpectationSuiteSchema().load(raw))
    ours = load_suite(entity)
    assert len(gx_suite.expectations) == len(ours.expectations) == len(raw["expectations"])
    assert [e.expectation_type for e in ours.expectations] == [e["type"] for e in raw["expectations"]]
    assert all(e.meta and e.meta.get("why") for e in ours.expectations)
    # What GX would write back reads the same.
    written = ours.to_json_dict()
    assert [e["kwargs"] for e in written["expectations"]] == [e["kwargs"] for e in raw["expectations"]]


@pytest.mark.parametrize("entity", ENTITIES)
def test_suite_column_set_is_the_landing_contract(entity: str) -> None:
    raw = load_suite_document(entity)
    [columns] = [e for e in raw["expectations"] if e["type"] == COLUMNS]
    assert columns["kwargs"]["exact_match"] is False
    assert tuple(columns["kwargs"]["column_set"]) == CONTRACTS[entity].columns


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_required_contract_column_has_a_not_null_expectation(entity: str) -> None:
    raw = load_suite_document(entity)
    not_null = {e["kwargs"]["column"] for e in raw["expectations"] if e["type"] == NOT_NULL}
    assert set(CONTRACTS[entity].required) <= not_null


@pytest.mark.parametrize("entity", ENTITIES)
def test_patterns_are_anchored_and_stay_on_pyarrow_regex(entity: str) -> None:
    """\\s, lookarounds and backreferences make pandas 3 fall back to Python's re (several times slower)."""
    for expectation in load_suite_document(entity)["expectations"]:
        regex = expectation["kwargs"].get("regex")
        if regex is None:
            continue
        assert regex.removeprefix("(?i)").startswith("^") and regex.endswith("$"), regex
        for construct in ("\\s", "\\S", "(?=", "(?!", "(?<", "\\1", "\\d", "\\w", "\\b"):
            assert construct not in regex, (expectation["kwargs"]["column"], construct)


@pytest.mark.parametrize("entity", list(CONTRACTS))
def test_timestamp_and_date_columns_are_checked_with_the_pattern_ingest_enforces(entity: str) -> None:
    """Ingest rejects a row whose timestamp does not match ISO_TIMESTAMP_PATTERN; the gate must check the very
    same pattern, else a value one accepts the other fails, and a whole file goes to quarantine for one row."""
    contract = CONTRACTS[entity]
    patterns = {
        e["kwargs"]["column"]: e["kwargs"]["regex"]
        for e in json.loads(suite_path(entity).read_text(encoding="utf-8"))["expectations"]
        if e["type"] == REGEX
    }
    for column in contract.timestamps + contract.dates:
        assert patterns.get(column) == ISO_TIMESTAMP_PATTERN, column


def test_suite_without_why_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = load_suite_document("deals")
    del raw["expectations"][2]["meta"]["why"]
    (tmp_path / "deals.json").write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setattr(quality, "EXPECTATIONS_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"#2 .*meta\.why"):
        load_suite_document("deals")


def test_invalid_expectation_raises_instead_of_being_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = load_suite_document("companies")
    raw["expectations"][1]["kwargs"] = {"colum": "company_domain"}  # typo GX would log and skip
    (tmp_path / "companies.json").write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setattr(quality, "EXPECTATIONS_DIR", tmp_path)
    with pytest.raises(Exception, match="column"):
        load_suite("companies")


def test_unknown_entity_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown entity"):
        suite_path("contacts")
    with pytest.raises(ValueError, match="unknown entity"):
        validate_frame("contacts", pd.DataFrame())


# --- good data ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
def test_realistic_batch_passes(entity: str) -> None:
    df = MAKERS[entity]()
    outcome = validate_frame(entity, df)
    assert outcome.passed, outcome.summary()
    assert outcome.failures == []
    assert outcome.rows == len(df)
    assert outcome.evaluated == len(load_suite_document(entity)["expectations"])
    assert "passed" in outcome.summary()


def test_empty_batch_passes_without_touching_gx(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(entity: str) -> None:
        raise AssertionError("GX must not run for an empty batch")

    monkeypatch.setattr(quality, "_gate", boom)
    outcome = validate_frame("leads", make_leads(10).iloc[0:0])
    assert outcome == ValidationOutcome(entity="leads", rows=0, evaluated=0, passed=True, failures=[])
    assert "no new rows" in outcome.summary()


def test_caller_frame_is_not_modified() -> None:
    df = make_leads(200)
    df.loc[3, "email"] = "   "
    df.index = df.index + 1000  # a filtered frame keeps its original labels
    before = df.copy()
    outcome = validate_frame("leads", df)
    assert outcome.passed, outcome.summary()
    pd.testing.assert_frame_equal(df, before)


def test_object_and_str_dtypes_give_the_same_verdict() -> None:
    df = make_leads(300)
    df.loc[:30, "employee_count"] = "lots"
    as_object = df.astype({c: object for c in df.columns if c.startswith("_") is False})
    verdicts = [validate_frame("leads", frame) for frame in (df, as_object)]
    assert [(f.expectation, f.column, f.unexpected_count) for f in verdicts[0].failures] == [
        (f.expectation, f.column, f.unexpected_count) for f in verdicts[1].failures
    ]
    assert _failure(verdicts[1], REGEX, "employee_count").sample_values == ["lots"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-03-04", True),
        ("2026-03-04 10:15:00", True),
        ("2026-03-04T10:15:00Z", True),
        ("2026-03-04T10:15:00.123456Z", True),
        ("2026-03-04 10:15:00+00", True),
        ("2026-03-04T10:15:00+02:00", True),
        ("2026-03-04T10:15:00-0500", True),
        ("2026-03-04 10:15", True),
        ("2026-03-04 10:15:00 UTC", True),
        (" 2026-03-04 10:15:00 ", True),
        ("03/04/2026 10:15", False),
        ("2026-13-04", False),
        ("2026-03-04T25:00:00", False),
        ("1772619300", False),
        ("yesterday", False),
    ],
)
def test_timestamp_pattern(value: str, ok: bool) -> None:
    df = make_leads(50)
    df["created_at"] = value
    outcome = validate_frame("leads", df)
    assert outcome.passed is ok, outcome.summary()
    if not ok:
        _assert_only(outcome, (REGEX, "created_at"))
        assert _failure(outcome, REGEX, "created_at").sample_values == [value]


def test_a_failed_batch_quarantines_only_the_files_failing_its_failed_expectations_each_with_its_own_reason() -> None:
    """A small file can miss a "mostly" threshold the batch meets (2 odd emails in 19 rows): it must not be
    quarantined because another file failed, nor carry that file's failure and sample rows as its reason."""
    from orchestration.checks import _files_to_quarantine

    small = make_leads(19, seed=3)
    small["email"] = [f"user{i}@acme-corp.com" for i in range(17)] + ["jane.doe.acme.com", "jamesw@acme,com"]
    broken = make_leads(200, seed=4)
    broken["employee_count"] = "many"
    for frame, load_id, name in ((small, "load-1", "leads/small.csv"), (broken, "load-2", "leads/broken.csv")):
        frame["_load_id"], frame["_source_file"], frame["_row_number"] = load_id, name, range(1, len(frame) + 1)
    batch = pd.concat([small, broken], ignore_index=True)
    outcome = validate_frame("leads", batch)
    assert [(f.expectation, f.column) for f in outcome.failures] == [(REGEX, "employee_count")]
    assert not validate_frame("leads", small).passed  # on its own, the small file misses the email threshold

    pending = [("load-1", "leads/small.csv"), ("load-2", "leads/broken.csv")]
    quarantined = _files_to_quarantine("leads", batch, pending, outcome, validate_frame)

    assert [(load_id, name) for load_id, name, _ in quarantined] == [("load-2", "leads/broken.csv")]
    reason = quarantined[0][2]
    assert reason.startswith("leads: 1 of ") and "on 200 rows" in reason and "employee_count" in reason
    assert "leads/broken.csv row 1 " in reason and "small.csv" not in reason and "email" not in reason


# --- broken leads -------------------------------------------------------------------------------------


def test_leads_us_formatted_created_at_fails() -> None:
    df = make_leads()
    df["created_at"] = pd.to_datetime(df["created_at"]).dt.strftime("%m/%d/%Y %I:%M %p")
    outcome = validate_frame("leads", df)
    _assert_only(outcome, (REGEX, "created_at"))
    failure = _failure(outcome, REGEX, "created_at")
    assert failure.unexpected_count == len(df)
    assert failure.unexpected_percent == pytest.approx(100.0)
    assert set(failure.sample_values) <= set(df["created_at"])
    assert len(failure.sample_values) == quality.SAMPLE_SIZE
    assert failure.sample_rows[0] == "leads/export_2026-03-04.csv row 1 (lead_id=00Q0)"
    assert "created_at" in outcome.summary() and failure.sample_values[0] in outcome.summary()


def test_leads_email_column_holding_names_fails_but_a_few_bad_emails_pass() -> None:
    df = make_leads()
    names = df["first_name"] + " Smith"
    shifted = np.arange(len(df)) % 5 == 0  # 20% of rows: a shifted column, not a few typos
    df.loc[shifted, "email"] = names[shifted]
    outcome = validate_frame("leads", df)
    _assert_only(outcome, (REGEX, "email"))
    failure = _failure(outcome, REGEX, "email")
    assert "Jane Smith" in failure.sample_values or "Ravi Smith" in failure.sample_values
    assert failure.unexpected_percent is not None and failure.unexpected_percent > 10
    assert "identity matching" in failure.why

    few = make_leads()
    few.loc[few.index[:100], "email"] = "not an email"  # 5% on top of the generator's own junk
    assert validate_frame("leads", few).passed


def test_leads_blank_and_overlong_ids_fail() -> None:
    df = make_leads()
    df.loc[7, "lead_id"] = "  "
    df.loc[9, "lead_id"] = None
    df.loc[11, "lead_id"] = "x" * 200
    outcome = validate_frame("leads", df)
    _assert_only(outcome, (NOT_NULL, "lead_id"), (LENGTHS, "lead_id"))
    missing = _failure(outcome, NOT_NULL, "lead_id")
    assert missing.unexpected_count == 2
    assert missing.sample_values == [NULL_TEXT]
    assert missing.sample_rows == [
        f"leads/export_2026-03-04.csv row 8 (lead_id={NULL_TEXT})",
        f"leads/export_2026-03-04.csv row 10 (lead_id={NULL_TEXT})",
    ]
    assert _failure(outcome, LENGTHS, "lead_id").sample_values == ["x" * 200]


def test_leads_missing_contract_column_and_unreadable_numbers_fail() -> None:
    df = make_leads().drop(columns=["email_opt_out", "phone"])
    df["employee_count"] = np.where(np.arange(len(df)) % 2 == 0, "11-50", "201-500")
    outcome = validate_frame("leads", df)
    columns = _failure(outcome, COLUMNS, None)
    assert columns.sample_values == ["email_opt_out", "phone"]
    # a check on a column that is not there fails with GX's reason rather than passing silently
    opt_out = _failure(outcome, REGEX, "email_opt_out")
    assert opt_out.detail is not None and "email_opt_out" in opt_out.detail
    employees = _failure(outcome, REGEX, "employee_count")
    assert employees.sample_values == ["11-50", "201-500"]
    assert {(f.expectation, f.column) for f in outcome.failures} == {
        (COLUMNS, None),
        (REGEX, "email_opt_out"),
        (REGEX, "employee_count"),
    }


def test_leads_unreadable_opt_out_fails() -> None:
    df = make_leads()
    df.loc[df.index[::20], "email_opt_out"] = "Subscribed"
    outcome = validate_frame("leads", df)
    _assert_only(outcome, (REGEX, "email_opt_out"))
    # the batch's own few 'maybe' values show up too: samples are every distinct offender, in row order
    assert _failure(outcome, REGEX, "email_opt_out").sample_values[0] == "Subscribed"
    assert set(_failure(outcome, REGEX, "email_opt_out").sample_values) == {"Subscribed", "maybe"}


# --- broken activities --------------------------------------------------------------------------------


def test_activities_without_lead_id_or_email_fail() -> None:
    df = make_activities()
    df.loc[[4, 5, 6], "lead_id"] = [None, "", " "]
    df.loc[[4, 5, 6], "email"] = ["", None, None]
    outcome = validate_frame("activities", df)
    _assert_only(outcome, (NOT_NULL, "lead_id"))
    failure = _failure(outcome, NOT_NULL, "lead_id")
    assert failure.unexpected_count == 3
    assert failure.sample_values == [NULL_TEXT]
    assert failure.detail == "checked only on rows where email is null"
    assert failure.sample_rows == [
        f"activities/export_2026-03-04.csv row {n} (activity_id=act-{n - 1})" for n in (5, 6, 7)
    ]
    assert "lead_id" in failure.why and "email" in failure.why


def test_activities_abbreviated_direction_and_ten_point_rating_fail() -> None:
    df = make_activities()
    df["direction"] = np.where(np.arange(len(df)) % 2 == 0, "in", "out")
    df.loc[df.index[::3], "rating"] = "10"
    outcome = validate_frame("activities", df)
    _assert_only(outcome, (REGEX, "direction"), (REGEX, "rating"))
    assert _failure(outcome, REGEX, "direction").sample_values == ["in", "out"]
    assert "10" in _failure(outcome, REGEX, "rating").sample_values


def test_activities_epoch_occurred_at_and_missing_type_fail() -> None:
    df = make_activities()
    df["occurred_at"] = "1772619300"
    df.loc[0, "activity_type"] = ""
    outcome = validate_frame("activities", df)
    _assert_only(outcome, (REGEX, "occurred_at"), (NOT_NULL, "activity_type"))
    assert _failure(outcome, REGEX, "occurred_at").sample_values == ["1772619300"]
    assert _failure(outcome, NOT_NULL, "activity_type").sample_rows[0].endswith("(activity_id=act-0)")


# --- broken deals -------------------------------------------------------------------------------------


def test_deals_formatted_amounts_and_currency_names_fail() -> None:
    df = make_deals()
    df["amount"] = "$" + df["amount"].fillna("0")
    df["currency"] = "US Dollar"
    outcome = validate_frame("deals", df)
    _assert_only(outcome, (REGEX, "amount"), (REGEX, "currency"))
    amount = _failure(outcome, REGEX, "amount")
    assert all(v.startswith("$") for v in amount.sample_values)
    assert amount.unexpected_percent == pytest.approx(100.0)
    assert _failure(outcome, REGEX, "currency").sample_values == ["US Dollar"]


def test_deals_missing_stage_and_us_close_dates_fail() -> None:
    df = make_deals()
    df.loc[df.index[:5], "stage"] = None
    df["expected_close_date"] = "03/31/2026"
    outcome = validate_frame("deals", df)
    _assert_only(outcome, (NOT_NULL, "stage"), (REGEX, "expected_close_date"))
    assert _failure(outcome, NOT_NULL, "stage").unexpected_count == 5
    assert _failure(outcome, REGEX, "expected_close_date").sample_values == ["03/31/2026"]


def test_deals_missing_created_at_fails_even_once() -> None:
    df = make_deals()
    df.loc[42, "created_at"] = None
    outcome = validate_frame("deals", df)
    _assert_only(outcome, (NOT_NULL, "created_at"))
    assert _failure(outcome, NOT_NULL, "created_at").sample_rows == [
        f"deals/export_2026-03-04.csv row 43 (deal_id=006{42})"
    ]


# --- broken companies ---------------------------------------------------------------------------------


def test_companies_urls_and_names_instead_of_domains_fail() -> None:
    df = make_companies()
    df.loc[df.index[::2], "company_domain"] = "https://" + df["company_domain"] + "/"
    df.loc[1, "company_domain"] = "Acme Corporation"
    outcome = validate_frame("companies", df)
    _assert_only(outcome, (REGEX, "company_domain"))
    failure = _failure(outcome, REGEX, "company_domain")
    assert failure.sample_values[:2] == ["https://www.example.co.uk/", "Acme Corporation"]
    assert "enrichment" in failure.why


def test_companies_blank_domain_and_size_bands_fail() -> None:
    df = make_companies()
    df.loc[3, "company_domain"] = ""
    df["employee_count"] = "51-200"
    outcome = validate_frame("companies", df)
    _assert_only(outcome, (NOT_NULL, "company_domain"), (REGEX, "employee_count"))
    assert _failure(outcome, REGEX, "employee_count").sample_values == ["51-200"]
    assert _failure(outcome, NOT_NULL, "company_domain").sample_rows == [
        f"companies/export_2026-03-04.csv row 4 (company_domain={NULL_TEXT})"
    ]


# --- summary and scale --------------------------------------------------------------------------------


def test_summary_names_each_failure_column_samples_and_why() -> None:
    df = make_deals()
    df["currency"] = "dollars"
    df.loc[0, "deal_id"] = None
    text = validate_frame("deals", df).summary()
    assert text.splitlines()[0] == f"deals: 2 of 10 expectations failed on {len(df):,} rows."
    assert "1. expect_column_values_to_not_be_null on deal_id: 1 unexpected" in text
    assert "2. expect_column_values_to_match_regex on currency" in text
    assert "sample values: 'dollars'" in text
    assert "sample rows: deals/export_2026-03-04.csv row 1" in text
    assert "why it matters: currency must be a 3-letter ISO 4217 code" in text


def test_gx_stays_quiet(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    df = make_deals(300)
    df["currency"] = "dollars"
    with caplog.at_level(logging.DEBUG):
        assert not validate_frame("deals", df).passed
    captured = capsys.readouterr()
    assert "Calculating Metrics" not in captured.err + captured.out  # tqdm progress bars
    assert [r.getMessage() for r in caplog.records if r.name.startswith("great_expectations")] == []


def test_one_million_leads_validate(capsys: pytest.CaptureFixture[str]) -> None:
    df = make_leads(1_000_000, seed=11)
    validate_frame("leads", df.head(10))  # the per-process GX context is built outside the timing
    started = time.perf_counter()
    outcome = validate_frame("leads", df)
    elapsed = time.perf_counter() - started
    assert outcome.passed, outcome.summary()
    assert outcome.rows == 1_000_000
    with capsys.disabled():
        print(f"\nvalidate_frame('leads', 1,000,000 rows): {elapsed:.2f} s")


# --- the frame the Dagster check reads from raw -------------------------------------------------------


def _raw_leads_table(files: int = 5, rows_per_file: int = 10_000) -> duckdb.DuckDBPyConnection:
    """raw.leads as ingest leaves it: several files, each numbered from row 1."""
    batches = []
    for number in range(files):
        batch = make_leads(rows_per_file, seed=number)
        batch["_source_file"] = f"leads/leads_2026-03-0{number + 1}.csv"
        batch["_load_id"] = f"load-{number % 2}"
        batches.append(batch)
    con = duckdb.connect()
    con.execute("create schema raw")
    con.register("batches", pd.concat(batches, ignore_index=True))
    con.execute("create table raw.leads as select * from batches")
    return con


def test_gate_sample_is_about_the_size_asked_reproducible_and_spread_over_every_file() -> None:
    from orchestration.checks import read_gate_frame

    con = _raw_leads_table()
    needed = quality.columns_read("leads")
    whole = read_gate_frame(con, "leads", "true", needed)
    assert len(whole) == 50_000
    assert list(whole.columns) == [r[0] for r in con.execute("describe raw.leads").fetchall()]
    assert whole["phone"].isna().all() and whole["email"].notna().any()  # unread columns are placeholders

    sample = read_gate_frame(con, "leads", "true", needed, fraction=2_000 / 50_000)
    # binomial(50,000, 0.04): mean 2,000, standard deviation 44; 1,700..2,300 is beyond six of them
    assert 1_700 <= len(sample) <= 2_300
    again = read_gate_frame(con, "leads", "true", needed, fraction=2_000 / 50_000)
    pd.testing.assert_frame_equal(sample, again)
    per_file = sample.groupby("_source_file").size()
    assert len(per_file) == 5 and per_file.min() >= 300  # ~400 of each file's 10,000 rows
    # the rows sampled are the raw rows themselves, not copies with placeholders in read columns
    key = ["_source_file", "_row_number"]
    joined = sample.merge(whole, on=key, suffixes=("", "_whole"))
    assert len(joined) == len(sample)
    assert (joined["email"].fillna("<null>") == joined["email_whole"].fillna("<null>")).all()
    # the where clause still applies with a sample
    only_one_load = read_gate_frame(con, "leads", "_load_id = 'load-1'", needed, fraction=0.04)
    assert set(only_one_load["_load_id"]) == {"load-1"} and 600 <= len(only_one_load) <= 1_000


def test_a_defect_throughout_the_load_fails_the_gate_on_a_sample() -> None:
    from orchestration.checks import read_gate_frame

    con = _raw_leads_table()
    assert validate_frame("leads", read_gate_frame(con, "leads", "true", quality.columns_read("leads"), 0.04)).passed
    # one file's email column holds names: 20% of the load, far above the suite's tolerance
    con.execute("update raw.leads set email = first_name || ' Smith' where _source_file like '%03-02%'")
    sample = read_gate_frame(con, "leads", "true", quality.columns_read("leads"), 0.04)
    outcome = validate_frame("leads", sample)
    _assert_only(outcome, (REGEX, "email"))
    failure = _failure(outcome, REGEX, "email")
    assert {"Jane Smith", "Ravi Smith"} & set(failure.sample_values), failure.sample_values
    # every sampled row of that file is counted, besides the few junk addresses of the others
    from_that_file = int(sample["_source_file"].str.contains("03-02").sum())
    assert from_that_file >= 300 and from_that_file <= failure.unexpected_count <= from_that_file * 1.2
