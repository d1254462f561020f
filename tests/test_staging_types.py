"""Staging types what exports write: numbers with thousands separators (a decimal comma is flagged, not read
as a number 100 times larger), counts beyond a float's precision, a date column as written, and every column
the contract does not know (named `rowid`, `_id` or with a quote in it) carried in extra_attributes. Its own
module so pytest-xdist (--dist loadfile) can run its pipeline beside the long ones."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb

from orchestration.run import run_pipeline
from orchestration.settings import ROOT, Settings
from tests.landing import minimal_landing, write_csv


def test_staging_types_export_values_and_keeps_every_unknown_column(settings: Settings) -> None:
    minimal_landing(settings.landing_dir)
    # The raw gate lets through the odd value a real export carries (under 1% of a batch), hence the plain rows.
    plain = range(100, 400)
    leads = settings.landing_dir / "leads" / "leads_2026-02.csv"
    leads.write_text(
        'lead_id,source_system,created_at,email,employee_count,annual_revenue,rowid,"we""ird",_id\n'
        'L7,hubspot,2026-01-07T10:00:00Z,l7@gamma.io,16777217,"$1,234,567.50",r7,"v""1",mongo-7\n'
        'L8,hubspot,2026-01-07T11:00:00Z,l8@gamma.io,"1,200","1234,56",,,\n'
        + "".join(f"L{i},hubspot,2026-01-08T10:00:00Z,l{i}@delta.io,10,1000,,,\n" for i in plain),
        encoding="utf-8",
    )
    # These deals are newer than every lead and activity: the as-of time of routing, SLAs and aging includes
    # them (with it set by leads and activities only, the stale-lead figures of aging and the weekly KPIs
    # disagreed, and a dbt test blocked the run).
    write_csv(
        settings.landing_dir / "deals" / "deals_2026-02.csv",
        ["deal_id", "lead_id", "source_system", "created_at", "stage", "amount", "expected_close_date"],
        [
            ["D7", "L7", "hubspot", "2026-02-01T12:00:00Z", "Qualified", '"€ 12,500.00"', "2026-03-04T00:00:00+01:00"],
            ["D8", "L8", "hubspot", "2026-02-01T12:00:00Z", "Qualified", '"12,5"', "2026-03-31"],
        ]
        + [[f"D{i}", f"L{i}", "hubspot", "2026-02-01T12:00:00Z", "Qualified", "100", ""] for i in plain],
    )
    # Won deals: one in EUR closed without a close time (its last version, in February, is when it closed: the
    # February rate, not January's of its creation), one without an amount, one of 300.
    write_csv(
        settings.landing_dir / "deals" / "deals_2026-02-won.csv",
        ["deal_id", "lead_id", "source_system", "created_at", "updated_at", "stage", "amount", "currency", "closed_at"],
        [
            ["W1", "L100", "hubspot", "2026-01-09T12:00:00Z", "2026-02-15T12:00:00Z", "Closed Won", "1000", "EUR", ""],
            ["W2", "L101", "hubspot", "2026-01-09T12:00:00Z", "", "Closed Won", "", "USD", "2026-01-20T12:00:00Z"],
            ["W3", "L102", "hubspot", "2026-01-09T12:00:00Z", "", "Closed Won", "300", "USD", "2026-01-20T12:00:00Z"],
        ],
    )
    summary = run_pipeline(settings)
    assert summary.success, summary.to_json()

    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        lead_rows = con.execute(
            "select lead_id, employee_count, annual_revenue, invalid_fields, extra_attributes "
            "from staging.stg_leads where lead_id in ('L7', 'L8') order by lead_id"
        ).fetchall()
        deal_rows = con.execute(
            "select deal_id, amount, invalid_fields, expected_close_date from staging.stg_deals "
            "where deal_id in ('D7', 'D8') order by deal_id"
        ).fetchall()
        (as_of,) = con.execute("select distinct as_of from marts.fct_lead_aging").fetchone()
        won = con.execute(
            "select deal_id, amount_reporting from marts.fct_deals where is_won order by deal_id"
        ).fetchall()
        (average_won,) = con.execute(
            "select average_won_deal_size from marts.mart_win_rates "
            "where period_grain = 'all_time' and breakdown = 'all'"
        ).fetchone()
    finally:
        con.close()
    assert as_of == dt.datetime(2026, 2, 1, 12, 0)
    february_eur = next(
        Decimal(line.split(",")[2])
        for line in (ROOT / "seeds" / "fx_rates.csv").read_text().splitlines()
        if line.startswith("EUR,2026-02-01,")
    )
    w1 = (1000 * february_eur).quantize(Decimal("0.01"))
    assert won == [("W1", w1), ("W2", Decimal("0.00")), ("W3", Decimal("300.00"))]
    # the average of the won deals that have an amount: W2's unknown amount is not a deal worth 0
    assert average_won == (w1 + 300) / 2

    (l7_id, l7_count, l7_revenue, l7_invalid, l7_extra), (l8_id, l8_count, l8_revenue, l8_invalid, l8_extra) = lead_rows
    assert (l7_id, l7_count, l7_revenue, l7_invalid) == ("L7", 16_777_217, Decimal("1234567.50"), None)
    assert json.loads(l7_extra) == {"rowid": "r7", 'we"ird': 'v"1', "_id": "mongo-7"}
    # "1234,56" is not a number with thousands separators: flagged, never 123456
    assert (l8_id, l8_count, l8_revenue, l8_invalid, l8_extra) == ("L8", 1_200, None, "annual_revenue", None)
    assert deal_rows == [
        ("D7", Decimal("12500.00"), None, dt.date(2026, 3, 4)),  # the date as written, not that instant in UTC
        ("D8", None, "amount", dt.date(2026, 3, 31)),
    ]
