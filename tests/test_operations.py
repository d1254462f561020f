"""Routing, SLAs and aging on hand-made leads whose owners and deadlines are worked out by hand from the
shipped seeds (reps.csv, routing_rules.csv, sla_policies.csv, holidays.csv, aging_thresholds.csv):
each routing method, the fallback queue, capacity, out-of-hours queueing with its escalation, high-score
leads, re-queues to the next rep and to nurture, SLA deadlines across a weekend, a holiday, a DST change
and two time zones, and every escalation level."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import pytest

from orchestration.run import run_pipeline
from orchestration.settings import Settings
from tests.conftest import settings_for
from tests.landing import write_csv

FIRST = ["Ann", "Ben", "Cara", "Dan", "Eva", "Finn", "Gina", "Hugo", "Ivy", "Jack", "Kate", "Leo"]
LAST = ["Adams", "Baker", "Cole", "Dunn", "Ellis", "Fox", "Gray", "Hale", "Irwin", "Jones", "Kane", "Lowe"]
HEADER = ["lead_id", "source_system", "created_at", "email", "first_name", "last_name", "job_title", "company_name",
          "employee_count", "industry", "country"]  # fmt: skip


def _lead(n: int, lead_id: str, created: str, country: str = "US", employees: str = "", industry: str = "",
          title: str = "") -> list[str]:  # fmt: skip
    """A lead with its own corporate domain and a unique name, so identity resolution never merges two."""
    domain = f"{lead_id.lower()}works.com"
    return ["hubspot", created, f"{FIRST[n % 12].lower()}@{domain}", FIRST[n % 12], LAST[n // 12],
            title, f"{lead_id} Works", employees, industry, country]  # fmt: skip


ROUND_ROBIN = [f"A{i}" for i in range(1, 6)]  # Tue 2026-01-06 17:00 UTC: all four NA SDRs at work
LEADS = [
    *[[lead_id, *_lead(i, lead_id, f"2026-01-06T17:00:{10 * i:02d}Z")] for i, lead_id in enumerate(ROUND_ROBIN)],
    # Saturday: nobody of the NA team works until Monday 09:00 New York (14:00 UTC)
    ["B1", *_lead(5, "B1", "2026-01-10T12:00:00Z")],
    # Sunday, but a high score at creation (fit 40 + demo and pricing 30 = 70 on v2_weighted): at once
    ["H1", *_lead(6, "H1", "2026-01-11T13:00:00Z", employees="120", industry="Software", title="VP Sales")],
    # enterprises go direct to R101 (New York) whenever they arrive
    ["C1", *_lead(7, "C1", "2026-01-09T20:00:00Z", employees="5000")],  # Friday 15:00 EST
    ["C2", *_lead(8, "C2", "2026-01-16T20:00:00Z", employees="5000")],  # Friday before Martin Luther King Day
    ["C3", *_lead(9, "C3", "2026-03-06T20:00:00Z", employees="5000")],  # Friday before DST starts
    # no country: no rule matches
    ["D1", *_lead(10, "D1", "2026-01-07T12:00:00Z", country="")],
    # APAC load balanced: Singapore, Kolkata and Sydney at work at 05:00 UTC
    *[[f"F{i}", *_lead(11 + i, f"F{i}", f"2026-01-07T05:00:{10 * i:02d}Z", country="SG")] for i in range(6)],
    # EMEA round robin: Berlin, London, Paris and Stockholm at work at 10:00 UTC
    ["G1", *_lead(17, "G1", "2026-01-06T10:00:00Z", country="DE")],
    ["G2", *_lead(18, "G2", "2026-01-06T10:00:10Z", country="DE")],
    # Friday 2026-02-06 15:10 UTC: only R101 and R102 at work; rotation position 7 -> R102, whose day then
    # also takes the 60 re-queues of R101's leads below: the last one no longer fits
    ["K1", *_lead(81, "K1", "2026-02-06T15:10:00Z")],
    # 62 enterprise leads in one morning for R101, whose daily capacity is 60
    *[
        [f"E{i:02d}", *_lead(19 + i, f"E{i:02d}", f"2026-02-04T{15 + i // 60}:{i % 60:02d}:00Z", employees="5000")]
        for i in range(62)
    ],
]
ACTIVITY_HEADER = ["activity_id", "lead_id", "source_system", "activity_type", "occurred_at", "rep_id", "direction",
                   "new_status"]  # fmt: skip
ACTIVITIES = [
    ["T1", "A1", "hubspot", "email_sent", "2026-01-06T17:05:00Z", "R101", "outbound", ""],
    ["T2", "A3", "hubspot", "email_sent", "2026-01-06T18:00:00Z", "R103", "outbound", ""],
    ["T3", "A3", "hubspot", "status_change", "2026-01-06T18:00:00Z", "R103", "", "Contacted"],
    ["T4", "A4", "hubspot", "email_sent", "2026-01-06T18:00:00Z", "R104", "outbound", ""],
    ["T5", "A4", "hubspot", "status_change", "2026-01-06T18:00:00Z", "R104", "", "Contacted"],
    ["T6", "A4", "hubspot", "status_change", "2026-01-07T18:00:00Z", "R104", "", "Engaged"],
    ["T7", "A5", "hubspot", "status_change", "2026-01-07T12:00:00Z", "", "", "MQL"],
    ["T8", "A5", "hubspot", "sales_accepted", "2026-01-07T14:00:00Z", "R401", "", ""],
    ["T9", "H1", "hubspot", "demo_request", "2026-01-11T13:00:00Z", "", "inbound", ""],
    ["T10", "H1", "hubspot", "pricing_page_view", "2026-01-11T13:01:00Z", "", "inbound", ""],
    # G1 (R201): Contacted, back to nurture after 72 hours, Contacted again (a real change: its own 72 hours,
    # which a repeat before them does not restart), back to nurture, and once more
    ["T11", "G1", "hubspot", "status_change", "2026-01-07T10:00:00Z", "R201", "", "Contacted"],
    ["T12", "G1", "hubspot", "status_change", "2026-01-12T10:00:00Z", "R201", "", "Contacted"],
    ["T13", "G1", "hubspot", "status_change", "2026-01-13T10:00:00Z", "R201", "", "Contacted"],
    ["T14", "G1", "hubspot", "status_change", "2026-01-20T10:00:00Z", "R201", "", "Contacted"],
    # nurture's stop conditions, each on a lead In Nurture at the as-of time: A3 asks for a demo, G2 was emailed
    # within the last day, C1 (whose won deal came before its return to Contacted) is a customer
    ["T15", "A3", "hubspot", "demo_request", "2026-02-01T12:00:00Z", "", "inbound", ""],
    ["T16", "G2", "hubspot", "status_change", "2026-01-07T10:00:00Z", "R202", "", "Contacted"],
    ["T17", "G2", "hubspot", "email_sent", "2026-03-31T12:00:00Z", "", "outbound", ""],
    ["T18", "C1", "hubspot", "status_change", "2026-02-10T10:00:00Z", "R101", "", "Contacted"],
    # the latest activity in the data: routing, SLAs and aging are evaluated as of 2026-04-01
    ["T99", "D1", "hubspot", "page_view", "2026-04-01T00:00:00Z", "", "inbound", ""],
]


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    monkeypatch = pytest.MonkeyPatch()
    settings: Settings = settings_for(tmp_path_factory.mktemp("operations") / "data", monkeypatch)
    write_csv(settings.landing_dir / "leads" / "leads_2026.csv", HEADER, LEADS)
    write_csv(settings.landing_dir / "activities" / "activities_2026.csv", ACTIVITY_HEADER, ACTIVITIES)
    # one open deal of a lead that is not in this landing, and C1's won deal (after it was routed)
    write_csv(
        settings.landing_dir / "deals" / "deals_2026.csv",
        ["deal_id", "lead_id", "source_system", "created_at", "stage"],
        [
            ["DL1", "ZZ9", "hubspot", "2026-01-02T00:00:00Z", "Qualification"],
            ["DL2", "C1", "hubspot", "2026-01-20T00:00:00Z", "Closed Won"],
        ],
    )
    summary = run_pipeline(settings)
    assert summary.success, summary.to_json()
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    yield con
    con.close()
    monkeypatch.undo()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _assignments(con: duckdb.DuckDBPyConnection, lead_id: str) -> list[tuple]:
    return _rows(
        con,
        """
        select a.event_type, a.owner_id, a.rule_id, a.assigned_at::varchar, a.is_current, a.reason
        from marts.fct_lead_assignments a
        join (select distinct person_id from marts.lead_crosswalk where lead_id = ?) p using (person_id)
        order by a.assignment_number
        """,
        lead_id,
    )


def _sla(con: duckdb.DuckDBPyConnection, lead_id: str, sla_type: str = "first_response") -> dict:
    cursor = con.execute(
        """
        select s.* from marts.fct_lead_sla s
        join (select distinct person_id from marts.lead_crosswalk where lead_id = ?) p using (person_id)
        where s.sla_type = ?
        """,
        [lead_id, sla_type],
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, (lead_id, sla_type, rows)
    return dict(zip(names, rows[0], strict=True))


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_round_robin_takes_the_working_members_in_turn(ops: duckdb.DuckDBPyConnection) -> None:
    owners = [_assignments(ops, lead_id)[0][1:3] for lead_id in ROUND_ROBIN]
    assert owners == [("R101", "na"), ("R102", "na"), ("R103", "na"), ("R104", "na"), ("R101", "na")]


def test_load_balanced_spreads_by_capacity_share(ops: duckdb.DuckDBPyConnection) -> None:
    # R301, R302, R303 have capacity 50 each: the cycle has 150 slots, visited with stride 1000003 % 150
    roster, capacity = ["R301", "R302", "R303"], [50, 50, 50]
    bounds = [sum(capacity[:k]) for k in range(len(capacity) + 1)]
    expected = []
    for n in range(6):
        slot = n * 1000003 % sum(capacity)
        expected.append(next(roster[k] for k in range(len(roster)) if bounds[k] <= slot < bounds[k + 1]))
    owners = [_assignments(ops, f"F{i}")[0][1] for i in range(6)]
    assert owners == expected
    assert sorted(owners) == ["R301", "R301", "R302", "R302", "R303", "R303"]


def test_direct_rule_and_fallback_queue(ops: duckdb.DuckDBPyConnection) -> None:
    assert _assignments(ops, "C1")[0][:4] == ("initial", "R101", "na_enterprise_named", "2026-01-09 20:00:00")
    assert _assignments(ops, "D1")[0][:3] == ("initial", "Q100", "fallback")
    assert _assignments(ops, "D1")[0][5] == "no rule matched"


def test_daily_capacity_sends_the_overflow_to_the_fallback_queue(ops: duckdb.DuckDBPyConnection) -> None:
    initial = [_assignments(ops, f"E{i:02d}")[0] for i in range(62)]
    assert [row[1] for row in initial[:60]] == ["R101"] * 60
    assert [row[1:3] for row in initial[60:]] == [("Q100", "fallback")] * 2
    assert {row[5] for row in initial[60:]} == {"rep at daily capacity"}


def test_requeues_count_against_the_next_reps_daily_capacity(ops: duckdb.DuckDBPyConnection) -> None:
    assert _assignments(ops, "K1")[0][:3] == ("initial", "R102", "na")
    # E00-E59 (R101's, untouched) are re-queued 48 hours later to R102, who already has K1 that day
    requeued = [_assignments(ops, f"E{i:02d}")[1][:2] for i in range(60)]
    assert requeued[:59] == [("requeue", "R102")] * 59
    assert requeued[59] == ("requeue", "Q100")
    assert "daily capacity" in _assignments(ops, "E59")[1][5]


def test_out_of_hours_lead_waits_for_the_next_shift_and_escalates_after_12_hours(
    ops: duckdb.DuckDBPyConnection,
) -> None:
    # rotation position 5 of the NA team (after A1-A5) -> R102, whose Monday starts 09:00 Chicago (15:00 UTC)
    assert _assignments(ops, "B1")[0][:4] == ("initial", "R102", "na", "2026-01-12 15:00:00")
    escalations = _rows(
        ops,
        """
        select e.escalation_type, e.escalated_at::varchar, e.escalated_to_id from marts.fct_lead_escalations e
        join (select distinct person_id from marts.lead_crosswalk where lead_id = 'B1') p using (person_id)
        where e.escalation_type = 'unowned'
        """,
    )
    assert escalations == [("unowned", "2026-01-11 00:00:00", "R000")]


def test_high_score_lead_is_assigned_at_once_and_gets_the_hot_tier(ops: duckdb.DuckDBPyConnection) -> None:
    # Sunday 13:00 UTC: nobody works, but the lead is routed at once to the next shift's rotation pick
    assert _assignments(ops, "H1")[0][:4] == ("initial", "R103", "na", "2026-01-11 13:00:00")
    sla = _sla(ops, "H1")
    assert sla["tier"] == "hot_inbound"
    # 5 business minutes of R103 (Los Angeles, 08:00-16:30): Monday 08:05 PST = 16:05 UTC
    assert sla["due_at"] == _ts("2026-01-12 16:05:00")


def test_untouched_new_lead_is_reassigned_to_the_next_rep_after_48_hours(ops: duckdb.DuckDBPyConnection) -> None:
    a2 = _assignments(ops, "A2")
    assert [row[:3] for row in a2] == [("initial", "R102", "na"), ("requeue", "R103", "na")]
    assert a2[1][3] == "2026-01-08 17:00:10"
    assert [row[4] for row in a2] == [False, True]
    # a lead touched in time, or one whose status moved on, keeps its owner
    assert len(_assignments(ops, "A1")) == 1
    assert len(_assignments(ops, "A5")) == 1
    requeues = _rows(
        ops,
        """
        select r.requeue_action, r.previous_owner_id, r.new_owner_id from marts.fct_lead_requeues r
        join (select distinct person_id from marts.lead_crosswalk where lead_id = 'A2') p using (person_id)
        """,
    )
    assert requeues == [("reassign", "R102", "R103")]


def test_contacted_lead_without_progress_goes_back_to_nurture_after_72_hours(
    ops: duckdb.DuckDBPyConnection,
) -> None:
    def history(lead_id: str) -> list[tuple]:
        return _rows(
            ops,
            """
            select h.lead_status, h.source, h.entered_at::varchar from marts.fct_lead_status_history h
            join (select distinct person_id from marts.lead_crosswalk where lead_id = ?) p using (person_id)
            order by h.status_number
            """,
            lead_id,
        )

    assert history("A3") == [
        ("New", "created", "2026-01-06 17:00:20"),
        ("Contacted", "activity", "2026-01-06 18:00:00"),
        ("In Nurture", "requeue", "2026-01-09 18:00:00"),
    ]
    assert [row[0] for row in history("A4")] == ["New", "Contacted", "Engaged"]
    assert history("G1") == [
        ("New", "created", "2026-01-06 10:00:00"),
        ("Contacted", "activity", "2026-01-07 10:00:00"),
        ("In Nurture", "requeue", "2026-01-10 10:00:00"),
        ("Contacted", "activity", "2026-01-12 10:00:00"),  # the repeat on the 13th restarts nothing
        ("In Nurture", "requeue", "2026-01-15 10:00:00"),
        ("Contacted", "activity", "2026-01-20 10:00:00"),
        ("In Nurture", "requeue", "2026-01-23 10:00:00"),
    ]
    requeues = _rows(
        ops,
        """
        select r.requeue_action, r.requeued_at::varchar from marts.fct_lead_requeues r
        join (select distinct person_id from marts.lead_crosswalk where lead_id = 'G1') p using (person_id)
        order by r.requeued_at
        """,
    )
    assert requeues == [
        ("nurture", "2026-01-10 10:00:00"),
        ("nurture", "2026-01-15 10:00:00"),
        ("nurture", "2026-01-23 10:00:00"),
    ]


def test_sla_deadline_skips_the_weekend(ops: duckdb.DuckDBPyConnection) -> None:
    # standard tier, 480 business minutes of R101 (New York 09:00-17:00): 120 on Friday, 360 on Monday
    sla = _sla(ops, "C1")
    assert (sla["tier"], sla["owner_id"]) == ("standard", "R101")
    assert sla["due_at"] == _ts("2026-01-12 20:00:00")


def test_sla_deadline_skips_a_holiday(ops: duckdb.DuckDBPyConnection) -> None:
    # Monday 2026-01-19 is Martin Luther King Jr. Day on R101's US calendar
    assert _sla(ops, "C2")["due_at"] == _ts("2026-01-20 20:00:00")


def test_sla_deadline_across_the_dst_change(ops: duckdb.DuckDBPyConnection) -> None:
    # New York moves to EDT on Sunday 2026-03-08: Monday 15:00 local is 19:00 UTC, not 20:00
    assert _sla(ops, "C3")["due_at"] == _ts("2026-03-09 19:00:00")


def test_sla_deadlines_in_two_time_zones(ops: duckdb.DuckDBPyConnection) -> None:
    g1, g2 = _sla(ops, "G1"), _sla(ops, "G2")
    assert (g1["owner_id"], g1["owner_timezone"]) == ("R201", "Europe/Berlin")
    assert (g2["owner_id"], g2["owner_timezone"]) == ("R202", "Europe/London")
    # Berlin 09:00-17:30 CET: 390 minutes on Tuesday from 11:00, 90 on Wednesday -> 10:30 CET
    assert g1["due_at"] == _ts("2026-01-07 09:30:00")
    # London 09:00-17:30 GMT: 449m50s on Tuesday from 10:00:10, the rest on Wednesday -> 09:30:10 GMT
    assert g2["due_at"] == _ts("2026-01-07 09:30:10")


def test_met_sla_and_business_minutes_to_response(ops: duckdb.DuckDBPyConnection) -> None:
    sla = _sla(ops, "A1")
    assert (sla["sla_status"], sla["responder_id"]) == ("met", "R101")
    assert sla["response_minutes"] == pytest.approx(5.0)
    assert not sla["is_reminder_triggered"]


def test_mql_accept_on_the_calendar_clock(ops: duckdb.DuckDBPyConnection) -> None:
    sla = _sla(ops, "A5", "mql_accept")
    assert (sla["clock"], sla["owner_id"], sla["sla_status"]) == ("calendar", "R401", "met")
    assert sla["due_at"] == _ts("2026-01-08 12:00:00")
    assert sla["response_minutes"] == pytest.approx(120.0)


def test_unanswered_sla_reminds_then_escalates_twice(ops: duckdb.DuckDBPyConnection) -> None:
    # A2: R102 (Chicago 09:00-17:00 CST), assigned Tue 11:00:10 local, standard 480 business minutes
    sla = _sla(ops, "A2")
    assert sla["sla_status"] == "breached"
    assert sla["reminder_at"] == _ts("2026-01-06 21:00:10")  # 240 minutes: Tuesday 15:00:10 CST
    assert sla["due_at"] == _ts("2026-01-07 17:00:10")  # 480: Wednesday 11:00:10 CST
    assert sla["second_escalation_at"] == _ts("2026-01-08 17:00:10")  # 960: Thursday 11:00:10 CST
    escalations = _rows(
        ops,
        """
        select e.escalation_type, e.escalation_level, e.escalated_at::varchar, e.escalated_to_id
        from marts.fct_lead_escalations e
        join (select distinct person_id from marts.lead_crosswalk where lead_id = 'A2') p using (person_id)
        order by e.escalation_level
        """,
    )
    assert escalations == [
        ("sla_reminder", 0, "2026-01-06 21:00:10", "R102"),
        ("sla_escalation", 1, "2026-01-07 17:00:10", "R800"),
        ("sla_second_escalation", 2, "2026-01-08 17:00:10", "R900"),
    ]


def test_aging_marks_stale_leads_without_next_step(ops: duckdb.DuckDBPyConnection) -> None:
    rows = _rows(
        ops,
        """
        select a.lead_status, a.is_stale, a.has_next_step, a.owner_id from marts.fct_lead_aging a
        join (select distinct person_id from marts.lead_crosswalk where lead_id = 'A2') p using (person_id)
        """,
    )
    # untouched since January, as of 2026-04-01: still New, stale, no next step, owned by R103 since the re-queue
    assert rows == [("New", True, False, "R103")]
    counted = _rows(ops, "select sum(leads) from marts.mart_lead_aging")[0][0]
    routable = _rows(ops, "select count(*) from marts.dim_leads where is_net_new and not is_spam")[0][0]
    assert counted == routable == len(LEADS)


def test_nurture_list_stops_for_a_demo_request_a_recent_email_or_a_deal(ops: duckdb.DuckDBPyConnection) -> None:
    leads = ("A3", "C1", "G1", "G2")
    statuses = _rows(
        ops,
        """
        select c.lead_id, a.lead_status from marts.fct_lead_aging a join marts.lead_crosswalk c using (person_id)
        where c.lead_id in ? order by 1
        """,
        list(leads),
    )
    assert statuses == [(lead_id, "In Nurture") for lead_id in leads]
    listed = _rows(
        ops,
        """
        select c.lead_id, o.list_name from marts.mart_outreach_list o join marts.lead_crosswalk c using (person_id)
        where c.lead_id in ? order by 1
        """,
        list(leads),
    )
    assert listed == [("G1", "marketing_nurture")]
