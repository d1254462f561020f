"""Privacy: `leadflow forget` erases a person everywhere (every record identity resolution joined to the
address, their activities, rejected rows quoting the address), keeps their deal as revenue without a lead,
logs the erasure without the address, and the next run rebuilds a consistent warehouse and published file."""

from __future__ import annotations

import hashlib

import duckdb

from orchestration.cli import main
from orchestration.run import run_pipeline
from orchestration.settings import Settings
from tests.landing import write_csv

LEAD_HEADER = ["lead_id", "source_system", "created_at", "email", "first_name", "last_name", "company_name", "country"]
LEADS = [
    ["H1", "hubspot", "2026-01-05T10:00:00Z", "ann@acorp.com", "Ann", "Adams", "A Corp", "US"],
    # the same person, plus-addressed, in the other CRM: forgotten with her
    ["S1", "salesforce", "2026-01-07T10:00:00Z", "Ann+News@ACorp.com ", "Ann", "Adams", "A Corp", "US"],
    ["H2", "hubspot", "2026-01-06T10:00:00Z", "bob@bcorp.com", "Bob", "Brown", "B Corp", "US"],
    # a row rejected for its timestamp, which quotes her address
    ["H3", "hubspot", "not a date", "ann@acorp.com", "Ann", "Adams", "A Corp", "US"],
]
ACT_HEADER = ["activity_id", "lead_id", "email", "source_system", "activity_type", "occurred_at"]
ACTIVITIES = [
    ["A1", "H1", "", "hubspot", "Form Submission", "2026-01-05T10:00:00Z"],
    ["A2", "", "ann+news@acorp.com", "salesforce", "Webinar Attended", "2026-01-08T10:00:00Z"],
    ["A3", "H2", "", "hubspot", "Demo Request", "2026-01-06T15:00:00Z"],
    # from a plus-address none of her records holds: identity resolution gives it to her by the address
    ["A4", "", "ann+events@acorp.com", "hubspot", "Page View", "2026-01-09T10:00:00Z"],
]
DEAL_HEADER = ["deal_id", "lead_id", "contact_email", "source_system", "created_at", "stage", "amount", "currency"]
DEALS = [["D1", "S1", "ann@acorp.com", "salesforce", "2026-01-20T12:00:00Z", "Closed Won", "5000", "USD"]]


def _clear_text(path, needles: list[str]) -> list[str]:
    """Every (table.column) of a DuckDB file whose text holds one of the needles."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type in ('VARCHAR', 'JSON') and schema_name not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        hits = []
        for schema, table, column in columns:
            condition = " or ".join(f"contains(lower(cast(\"{column}\" as varchar)), '{n}')" for n in needles)
            if con.execute(f'select count(*) from "{schema}"."{table}" where {condition}').fetchone()[0]:
                hits.append(f"{schema}.{table}.{column}")
        return hits
    finally:
        con.close()


def test_forget_erases_the_person_everywhere_and_the_next_run_is_consistent(settings: Settings, capsys) -> None:
    write_csv(settings.landing_dir / "leads" / "leads_2026-01.csv", LEAD_HEADER, LEADS)
    write_csv(settings.landing_dir / "activities" / "activities_2026-01.csv", ACT_HEADER, ACTIVITIES)
    write_csv(settings.landing_dir / "deals" / "deals_2026-01.csv", DEAL_HEADER, DEALS)
    before = run_pipeline(settings)
    assert before.success, before.to_json()
    needles = ["ann@acorp", "ann+news@acorp", "ann+events@acorp"]
    assert _clear_text(settings.analytics_path, needles)  # she is there before

    # exit 0 means the rebuild after the erasure passed every gate and dbt test: consistent without her
    assert main(["forget", "--email", " ANN@acorp.com", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert '"lead_rows": 2' in out and '"activity_rows": 3' in out and '"deals_unlinked": 1' in out
    assert '"rejected_rows": 1' in out
    # every landing file that held one of the rows, to purge at the source
    for name in ("leads/leads_2026-01.csv", "activities/activities_2026-01.csv", "deals/deals_2026-01.csv"):
        assert f'"{name}"' in out

    assert _clear_text(settings.warehouse_path, needles) == []
    assert _clear_text(settings.analytics_path, needles) == []
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        assert con.execute("select email from marts.dim_leads").fetchall() == [("bob@bcorp.com",)]
        # the deal stays as revenue, with no lead
        assert con.execute("select person_id, channel, amount_reporting from marts.fct_deals").fetchall() == [
            (None, "No lead", 5000)
        ]
        assert (
            con.execute(
                "select count(*) from marts.fct_attribution_credit where deal_key = 'salesforce:D1'"
            ).fetchone()[0]
            == 7
        )
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        log = con.execute("select email_sha256, persons, lead_rows, activity_rows from raw._forget_log").fetchall()
    assert log == [(hashlib.sha256(b"ann@acorp.com").hexdigest(), 1, 2, 3)]

    # an address nobody holds: refused, no audit row, and the next run has nothing to rebuild
    assert main(["forget", "--email", "nobody@nowhere.example", "--no-run"]) == 1
    assert "no record holds 'nobody@nowhere.example'" in capsys.readouterr().err
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("select count(*) from raw._forget_log").fetchone()[0] == 1
    assert run_pipeline(settings).up_to_date_with is not None
