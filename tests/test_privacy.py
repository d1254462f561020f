"""Privacy: `leadflow forget` erases a person everywhere (every record identity resolution joined to the
address, their activities, rejected rows quoting the address), keeps their deal as revenue without a lead,
logs the erasure without the address, and the next run rebuilds a consistent warehouse and published file;
a later export that still holds her does not bring her back."""

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
DEALS = [
    ["D1", "S1", "ann@acorp.com", "salesforce", "2026-01-20T12:00:00Z", "Closed Won", "5000", "USD"],
    # her deal, with a colleague as the contact: unlinked, but the colleague is not kept out of later exports
    ["D3", "S1", "carl@acorp.com", "salesforce", "2026-01-21T12:00:00Z", "Closed Won", "800", "USD"],
]

# The CRM still holds her: the next exports bring her records, activities and deals again.
LEADS_AGAIN = [
    # an erased record, now with another address: caught by its id
    ["H1", "hubspot", "2026-02-01T10:00:00Z", "ann.adams@acorp.com", "Ann", "Adams", "A Corp", "US"],
    # a new record under a plus-address of an erased address: caught by the address
    ["H9", "HubSpot ", "2026-02-02T10:00:00Z", "Ann+Promo@ACorp.com", "Ann", "Adams", "A Corp", "US"],
    # a new version of Bob's record, and her colleague's first: they load
    ["H2", "hubspot", "2026-02-03T10:00:00Z", "bob@bcorp.com", "Bob", "Brown", "B Corp", "US"],
    ["H7", "hubspot", "2026-02-03T11:00:00Z", "carl@acorp.com", "Carl", "Cole", "A Corp", "US"],
]
ACTIVITIES_AGAIN = [
    ["A9", "H1", "", "hubspot", "Email Opened", "2026-02-04T10:00:00Z"],
    ["A10", "", " ANN@acorp.com", "hubspot", "Page View", "2026-02-04T11:00:00Z"],
    # also unusable for its timestamp: rejected as erased, so her data is not kept among the rejected rows
    ["A12", "S1", "", "salesforce", "Page View", "yesterday"],
    ["A11", "H2", "", "hubspot", "Email Opened", "2026-02-04T12:00:00Z"],
]
DEALS_AGAIN = [
    # a new version of her deal, still pointing at her record: loads as revenue without a lead
    ["D1", "S1", "ann@acorp.com", "salesforce", "2026-01-20T12:00:00Z", "Closed Won", "5000", "USD"],
    ["D2", "", "ann+x@acorp.com", "hubspot", "2026-02-05T12:00:00Z", "Discovery", "700", "USD"],
]


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
    assert '"lead_rows": 2' in out and '"activity_rows": 3' in out and '"deals_unlinked": 2' in out
    assert '"rejected_rows": 1' in out
    # every landing file that held one of the rows, to purge at the source
    for name in ("leads/leads_2026-01.csv", "activities/activities_2026-01.csv", "deals/deals_2026-01.csv"):
        assert f'"{name}"' in out

    assert _clear_text(settings.warehouse_path, needles) == []
    assert _clear_text(settings.analytics_path, needles) == []
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        assert con.execute("select email from marts.dim_leads").fetchall() == [("bob@bcorp.com",)]
        # her deals stay as revenue, with no lead
        deals = con.execute("select person_id, channel, amount_reporting from marts.fct_deals order by 3 desc")
        assert deals.fetchall() == [(None, "No lead", 5000), (None, "No lead", 800)]
        assert (
            con.execute(
                "select count(*) from marts.fct_attribution_credit where deal_key = 'salesforce:D1'"
            ).fetchone()[0]
            == 7
        )
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        log = con.execute("select email_sha256, persons, lead_rows, activity_rows from raw._forget_log").fetchall()
        erased = con.execute("select kind, key_sha256 from raw._erased_keys").fetchall()
    assert log == [(hashlib.sha256(b"ann@acorp.com").hexdigest(), 1, 2, 3)]
    # the suppression list: her address (plus-tags removed: all three are one key) and her two records; not Carl's
    assert sorted(erased) == sorted(
        [("email", hashlib.sha256(b"ann@acorp.com").hexdigest())]
        + [("lead", hashlib.sha256(key).hexdigest()) for key in (b"hubspot|H1", b"salesforce|S1")]
    )

    # an address nobody holds: refused, no audit row, and the next run has nothing to rebuild
    assert main(["forget", "--email", "nobody@nowhere.example", "--no-run"]) == 1
    assert "no record holds 'nobody@nowhere.example'" in capsys.readouterr().err
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("select count(*) from raw._forget_log").fetchone()[0] == 1
    assert run_pipeline(settings).up_to_date_with is not None

    # The next exports still hold her: ingest keeps her out (hashes of what forget erased, in raw._erased_keys).
    write_csv(settings.landing_dir / "leads" / "leads_2026-02.csv", LEAD_HEADER, LEADS_AGAIN)
    write_csv(settings.landing_dir / "activities" / "activities_2026-02.csv", ACT_HEADER, ACTIVITIES_AGAIN)
    write_csv(settings.landing_dir / "deals" / "deals_2026-02.csv", DEAL_HEADER, DEALS_AGAIN)
    again = run_pipeline(settings)
    assert again.success, again.to_json()
    needles += ["ann.adams@acorp", "ann+promo@acorp", "ann+x@acorp"]
    assert _clear_text(settings.warehouse_path, needles) == []
    assert _clear_text(settings.analytics_path, needles) == []
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rejected = con.execute(
            "select source_file, row_number, column_name, record from raw._rejected_rows "
            "where reason like '%erased by leadflow forget%' order by source_file, row_number"
        ).fetchall()
        counts = con.execute(
            "select source_file, rows_read, rows_loaded, rows_rejected from raw._load_log "
            "where source_file like '%2026-02%' order by source_file"
        ).fetchall()
        deals = con.execute(
            "select deal_id, lead_id, contact_email from raw.deals "
            "where _source_file = 'deals/deals_2026-02.csv' order by deal_id"
        ).fetchall()
    assert rejected == [
        ("activities/activities_2026-02.csv", 1, "lead_id", None),
        ("activities/activities_2026-02.csv", 2, "email", None),
        ("activities/activities_2026-02.csv", 3, "lead_id", None),
        ("leads/leads_2026-02.csv", 1, "lead_id", None),
        ("leads/leads_2026-02.csv", 2, "email", None),
    ]
    # nothing lost: read = loaded + rejected, Bob's rows and both deals loaded
    assert counts == [
        ("activities/activities_2026-02.csv", 4, 1, 3),
        ("deals/deals_2026-02.csv", 2, 2, 0),
        ("leads/leads_2026-02.csv", 4, 2, 2),
    ]
    assert deals == [("D1", None, None), ("D2", None, None)]
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        assert con.execute("select email from marts.dim_leads order by email").fetchall() == [
            ("bob@bcorp.com",),
            ("carl@acorp.com",),
        ]
        assert con.execute(
            "select deal_key, person_id, channel from marts.fct_deals where deal_key <> 'salesforce:D3' order by 1"
        ).fetchall() == [
            ("hubspot:D2", None, "No lead"),
            ("salesforce:D1", None, "No lead"),
        ]
        assert con.execute("select count(*) from staging.stg_activities where activity_id = 'A11'").fetchone()[0] == 1
    # status names the rows kept out apart from rows to fix
    assert main(["status"]) == 0
    assert "erased by leadflow forget" in capsys.readouterr().out
