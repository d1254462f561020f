"""Multi-touch attribution on hand-made deals whose credits are worked out by hand: every model on deals with
one, two, three and four touches (plus a touch after the opportunity that only full path reads), a deal
without any touch, cents split exactly, and revenue converted at the dated rate."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest

from orchestration.run import run_pipeline
from orchestration.settings import ROOT, Settings
from tests.conftest import settings_for
from tests.landing import write_csv

LEAD_HEADER = ["lead_id", "source_system", "created_at", "email", "first_name", "last_name", "company_name",
               "country", "lead_source"]  # fmt: skip
LEADS = [
    ["P1", "hubspot", "2026-01-10T10:00:00Z", "ann@p1corp.com", "Ann", "Adams", "P1 Corp", "US", "Paid Search"],
    ["P2", "hubspot", "2026-01-12T10:00:00Z", "ben@p2corp.com", "Ben", "Baker", "P2 Corp", "US", "Referral"],
    ["P3", "hubspot", "2026-01-08T10:00:00Z", "cara@p3corp.com", "Cara", "Cole", "P3 Corp", "US", "Paid Search"],
    ["P4", "hubspot", "2026-01-06T10:00:00Z", "dan@p4corp.com", "Dan", "Dunn", "P4 Corp", "US", "Paid Social"],
]
ACT_HEADER = ["activity_id", "lead_id", "source_system", "activity_type", "occurred_at", "utm_source", "utm_medium",
              "utm_campaign"]  # fmt: skip
ACTIVITIES = [
    # P1: one touch, the form that created the lead
    ["M1", "P1", "hubspot", "form_submit", "2026-01-10T10:00:00Z", "google", "cpc", "brand"],
    # P2: a webinar sign-up by email, then the form that created the lead (no UTM: the lead's own source)
    ["M2a", "P2", "hubspot", "webinar_registration", "2026-01-05T10:00:00Z", "hubspot", "email", "webinar-jan"],
    ["M2b", "P2", "hubspot", "form_submit", "2026-01-12T10:00:00Z", "", "", ""],
    # P3: syndicated content, the demo request that created the lead, a webinar from social
    ["M3a", "P3", "hubspot", "content_download", "2026-01-01T10:00:00Z", "techtarget", "content_syndication", "ebook"],
    ["M3b", "P3", "hubspot", "demo_request", "2026-01-08T10:00:00Z", "google", "cpc", "demo"],
    ["M3c", "P3", "hubspot", "webinar_attendance", "2026-01-15T10:00:00Z", "linkedin", "social", "webinar-jan"],
    # P4: email, social, the form that created the lead, an event; after the opportunity another webinar
    ["M4a", "P4", "hubspot", "webinar_registration", "2026-01-01T10:00:00Z", "hubspot", "email", "nurture"],
    ["M4b", "P4", "hubspot", "webinar_registration", "2026-01-03T10:00:00Z", "linkedin", "social", "social"],
    ["M4c", "P4", "hubspot", "form_submit", "2026-01-06T10:00:00Z", "linkedin", "paid_social", "abm"],
    ["M4d", "P4", "hubspot", "event_scan", "2026-01-10T10:00:00Z", "event", "offline", "summit"],
    ["M4e", "P4", "hubspot", "webinar_attendance", "2026-02-01T10:00:00Z", "hubspot", "email", "customer-day"],
]  # fmt: skip
DEAL_HEADER = ["deal_id", "lead_id", "source_system", "created_at", "stage", "amount", "currency", "closed_at"]
DEALS = [
    ["D1", "P1", "hubspot", "2026-01-20T10:00:00Z", "Closed Won", "1000", "USD", "2026-02-01T10:00:00Z"],
    ["D2", "P2", "hubspot", "2026-01-20T10:00:00Z", "Closed Won", "900", "EUR", "2026-02-10T10:00:00Z"],
    ["D3", "P3", "hubspot", "2026-01-20T10:00:00Z", "Closed Lost", "500", "USD", "2026-02-01T10:00:00Z"],
    ["D4", "P4", "hubspot", "2026-01-12T10:00:00Z", "Closed Won", "1200", "USD", "2026-02-20T10:00:00Z"],
    ["D5", "NOBODY", "hubspot", "2026-01-25T10:00:00Z", "Closed Won", "200", "USD", "2026-02-05T10:00:00Z"],
]
MODELS = ["first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "full_path", "time_decay"]


@pytest.fixture(scope="module")
def attributed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    monkeypatch = pytest.MonkeyPatch()
    settings: Settings = settings_for(tmp_path_factory.mktemp("attribution") / "data", monkeypatch)
    write_csv(settings.landing_dir / "leads" / "leads.csv", LEAD_HEADER, LEADS)
    write_csv(settings.landing_dir / "activities" / "activities.csv", ACT_HEADER, ACTIVITIES)
    write_csv(settings.landing_dir / "deals" / "deals.csv", DEAL_HEADER, DEALS)
    summary = run_pipeline(settings)
    assert summary.success, summary.to_json()
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    yield con
    con.close()
    monkeypatch.undo()


def _credits(con: duckdb.DuckDBPyConnection, deal_id: str, model: str) -> dict[str, float]:
    rows = con.execute(
        """
        select touch_key, credit from marts.fct_attribution_credit
        where deal_key = 'hubspot:' || ? and attribution_model = ?
        """,
        [deal_id, model],
    ).fetchall()
    # activity keys are source_system:activity_id; drop the prefix for readability
    return {key.split(":")[-1]: credit for key, credit in rows if credit > 0}


def _approx(expected: dict[str, float]) -> dict[str, object]:
    return {k: pytest.approx(v, abs=1e-12) for k, v in expected.items()}


def test_one_touch_gets_everything_under_every_model(attributed: duckdb.DuckDBPyConnection) -> None:
    for model in MODELS:
        assert _credits(attributed, "D1", model) == _approx({"M1": 1.0}), model


def test_two_touches(attributed: duckdb.DuckDBPyConnection) -> None:
    # M2a first touch (15 days before the opportunity); M2b lead creation and opportunity touch (8 days)
    assert _credits(attributed, "D2", "first_touch") == _approx({"M2a": 1.0})
    assert _credits(attributed, "D2", "last_touch") == _approx({"M2b": 1.0})
    assert _credits(attributed, "D2", "linear") == _approx({"M2a": 0.5, "M2b": 0.5})
    assert _credits(attributed, "D2", "u_shaped") == _approx({"M2a": 0.5, "M2b": 0.5})  # 40 / 40
    assert _credits(attributed, "D2", "w_shaped") == _approx({"M2a": 1 / 3, "M2b": 2 / 3})  # 30 / 30+30
    assert _credits(attributed, "D2", "full_path") == _approx({"M2a": 0.25, "M2b": 0.75})  # 22.5 / 3 x 22.5
    a, b = 0.5 ** (15 / 7), 0.5 ** (8 / 7)
    assert _credits(attributed, "D2", "time_decay") == _approx({"M2a": a / (a + b), "M2b": b / (a + b)})


def test_three_touches(attributed: duckdb.DuckDBPyConnection) -> None:
    # M3a first touch, M3b lead creation, M3c opportunity touch
    third = {"M3a": 1 / 3, "M3b": 1 / 3, "M3c": 1 / 3}
    assert _credits(attributed, "D3", "u_shaped") == _approx({"M3a": 0.4, "M3b": 0.4, "M3c": 0.2})
    assert _credits(attributed, "D3", "w_shaped") == _approx(third)
    assert _credits(attributed, "D3", "full_path") == _approx(third)  # lost: no closed-won milestone
    assert _credits(attributed, "D3", "linear") == _approx(third)
    assert _credits(attributed, "D3", "first_touch") == _approx({"M3a": 1.0})
    assert _credits(attributed, "D3", "last_touch") == _approx({"M3c": 1.0})


def test_four_touches_and_a_touch_after_the_opportunity(attributed: duckdb.DuckDBPyConnection) -> None:
    # M4a first, M4b middle, M4c lead creation, M4d opportunity touch; M4e after the opportunity (won later)
    assert _credits(attributed, "D4", "u_shaped") == _approx({"M4a": 0.4, "M4b": 0.1, "M4c": 0.4, "M4d": 0.1})
    assert _credits(attributed, "D4", "w_shaped") == _approx({"M4a": 0.3, "M4b": 0.1, "M4c": 0.3, "M4d": 0.3})
    assert _credits(attributed, "D4", "full_path") == _approx(
        {"M4a": 0.225, "M4b": 0.1, "M4c": 0.225, "M4d": 0.225, "M4e": 0.225}
    )
    assert _credits(attributed, "D4", "linear") == _approx({k: 0.25 for k in ("M4a", "M4b", "M4c", "M4d")})


def test_channels_campaigns_and_the_deal_without_touches(attributed: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        attributed.execute(
            """
            select touch_key.split(':')[-1], channel || '/' || coalesce(campaign, '-')
            from marts.fct_attribution_credit where attribution_model = 'linear'
            """
        ).fetchall()
    )
    assert rows["M1"] == "Paid Search/brand"
    assert rows["M2a"] == "Email/webinar-jan"
    assert rows["M2b"] == "Referral/-"  # the arrival form without UTM keeps the lead's own source
    assert rows["M3a"] == "Content/ebook"
    assert rows["M3c"] == "Social/webinar-jan"
    assert rows["M4c"] == "Paid Social/abm"
    assert rows["M4d"] == "Event/summit"
    for model in MODELS:
        none = attributed.execute(
            "select channel, credit from marts.fct_attribution_credit where deal_key = 'hubspot:D5' "
            "and attribution_model = ?",
            [model],
        ).fetchall()
        assert none == [("No touch / direct", 1.0)]


def _eur_rate_on(day: str) -> Decimal:
    with (ROOT / "seeds" / "fx_rates.csv").open() as f:
        rates = [r for r in csv.DictReader(f) if r["currency"] == "EUR" and r["valid_from"] <= day]
    return Decimal(max(rates, key=lambda r: r["valid_from"])["rate_to_reporting"])


def test_revenue_reconciles_to_the_cent_under_every_model(attributed: duckdb.DuckDBPyConnection) -> None:
    eur = (Decimal(900) * _eur_rate_on("2026-02-10")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    won_total = Decimal(1000) + eur + Decimal(1200) + Decimal(200)
    by_model = dict(
        attributed.execute(
            "select attribution_model, sum(attributed_revenue) from marts.fct_attribution_credit group by 1"
        ).fetchall()
    )
    assert by_model == {model: won_total for model in MODELS}
    # the lost deal adds pipeline, not revenue, and its 500.00 splits into cents that add up
    shares = sorted(
        r[0]
        for r in attributed.execute(
            "select attributed_amount from marts.fct_attribution_credit "
            "where deal_key = 'hubspot:D3' and attribution_model = 'linear'"
        ).fetchall()
    )
    assert shares == [Decimal("166.66"), Decimal("166.67"), Decimal("166.67")]
    mart = dict(
        attributed.execute(
            "select attribution_model, sum(attributed_revenue) from marts.mart_source_revenue group by 1"
        ).fetchall()
    )
    assert mart == {**{model: won_total for model in MODELS}, "original_lead_source": won_total}
