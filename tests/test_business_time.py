"""Business-time macros (macros/business_time.sql) against a plain-Python reference, property-based.

The SLA deadlines and response times of fct_lead_sla are computed with a calendar of one row per rep and
local day, an equi-join for a moment's position and an ASOF join for a deadline: fast, but far from the
obvious definition, and daylight saving time, holidays, odd UTC offsets and windows ending exactly at a
deadline are easy to get wrong. Here the macros are compiled by dbt once, used exactly as fct_lead_sla
uses them, and compared on random reps and moments (biased to DST changes) with a reference that walks
the working windows day by day with zoneinfo. Working hours stay between 05:00 and 22:00 local time, away
from the hours a DST change skips or repeats, where the macros and the reference resolve wall-clock time
differently by design (the macros: a skipped time moves forward, a repeated one is its later occurrence).
"""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.project import dbt_executable
from orchestration.settings import ROOT
from tests.conftest import scratch_dbt_env

# For every row of queries_in: the moment `minutes` business minutes after start_at (fct_lead_sla's
# positioned, points, working_days and business_points, for the 'due' point), and the business seconds
# from start_at to end_at (its response_minutes, in seconds).
INLINE_SQL = """
with

calendar as (
    {{ business_calendar('reps_in', 'holidays_in', '(select first_day from bounds_in)',
        '(select last_day from bounds_in)') }}
),

positioned as (
    select
        queries_in.query_id,
        queries_in.rep_id,
        queries_in.minutes,
        {{ business_position('start_day', 'queries_in.start_at') }} as start_position,
        {{ business_position('end_day', 'queries_in.end_at') }} as end_position
    from queries_in
    inner join reps_in as owners on queries_in.rep_id = owners.rep_id
    left join calendar as start_day
        on {{ calendar_day_join('start_day', 'queries_in.rep_id', 'queries_in.start_at', 'owners.timezone') }}
    left join calendar as end_day
        on {{ calendar_day_join('end_day', 'queries_in.rep_id', 'queries_in.end_at', 'owners.timezone') }}
),

points as (
    select
        query_id,
        rep_id,
        start_position + cast(round(minutes * 60 * 100 / 100.0) as bigint) as target_position
    from positioned
),

working_days as (
    select * from calendar
    where window_seconds > 0
),

business_points as (
    select
        points.query_id,
        {{ business_moment('working_days', 'points.target_position') }} as due_at
    from points
    asof inner join working_days
        on
            points.rep_id = working_days.rep_id
            and points.target_position > working_days.business_seconds_before
)

select
    positioned.query_id,
    business_points.due_at,
    positioned.end_position - positioned.start_position as business_seconds
from positioned
left join business_points on positioned.query_id = business_points.query_id
order by positioned.query_id
"""

TABLES = (
    "create table reps_in (rep_id varchar, timezone varchar, holiday_calendar varchar, work_days varchar, "
    "work_start varchar, work_end varchar)",
    "create table holidays_in (calendar varchar, holiday_date date)",
    "create table queries_in (query_id integer, rep_id varchar, start_at timestamp, minutes integer, end_at timestamp)",
    "create table bounds_in (first_day date, last_day date)",
)

TIMEZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Singapore",
    "UTC",
]
# DST changes in 2026: US (March, November), EU (March, October), southern hemisphere (April, September,
# October); Lord Howe shifts by 30 minutes.
DST_CHANGES = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 9, 27), date(2026, 10, 4),
               date(2026, 10, 25), date(2026, 11, 1)]  # fmt: skip
FIRST_START = datetime(2025, 1, 1)
LAST_START = datetime(2027, 12, 31)
HOLIDAY_CALENDARS = ["AA", "BB"]


@dataclass(frozen=True)
class Rep:
    rep_id: str
    timezone: str
    holiday_calendar: str
    work_days: frozenset[int]
    work_start: time
    work_end: time

    @property
    def window_minutes(self) -> int:
        return (self.work_end.hour - self.work_start.hour) * 60 + self.work_end.minute - self.work_start.minute


@dataclass(frozen=True)
class Query:
    rep_id: str
    start_at: datetime  # naive UTC, like every _at column
    minutes: int
    end_at: datetime  # >= start_at


@dataclass(frozen=True)
class Scenario:
    reps: list[Rep]
    holidays: list[tuple[str, date]]  # (calendar, date); duplicates allowed
    queries: list[Query]


# --- the reference: working windows day by day ---------------------------------------------------------


class RepCalendar:
    """A rep's working windows as naive UTC intervals, computed one local day at a time with zoneinfo."""

    def __init__(self, rep: Rep, holidays: list[tuple[str, date]]) -> None:
        self.rep = rep
        self.zone = ZoneInfo(rep.timezone)
        self.holidays = {d for calendar, d in holidays if calendar == rep.holiday_calendar}

    def local_date(self, instant: datetime) -> date:
        return instant.replace(tzinfo=UTC).astimezone(self.zone).date()

    def utc(self, day: date, wall: time) -> datetime:
        return datetime.combine(day, wall, tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        if day.isoweekday() not in self.rep.work_days or day in self.holidays:
            return None
        return self.utc(day, self.rep.work_start), self.utc(day, self.rep.work_end)

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Seconds of [start, end) inside working windows."""
        total = 0
        day = self.local_date(start) - timedelta(days=1)
        while day <= self.local_date(end) + timedelta(days=1):
            window = self.window(day)
            if window is not None:
                overlap = min(end, window[1]) - max(start, window[0])
                total += max(int(overlap.total_seconds()), 0)
            day += timedelta(days=1)
        return total

    def deadline(self, start: datetime, minutes: int) -> datetime:
        """Walk forward from start, consuming working time, until `minutes` of it have passed."""
        remaining = minutes * 60
        day = self.local_date(start) - timedelta(days=1)
        while True:
            window = self.window(day)
            if window is not None:
                begin = max(start, window[0])
                available = int((window[1] - begin).total_seconds())
                if available > 0:
                    if remaining <= available:
                        return begin + timedelta(seconds=remaining)
                    remaining -= available
            day += timedelta(days=1)


def reference(scenario: Scenario) -> list[tuple[datetime, int]]:
    calendars = {rep.rep_id: RepCalendar(rep, scenario.holidays) for rep in scenario.reps}
    return [
        (
            calendars[q.rep_id].deadline(q.start_at, q.minutes),
            calendars[q.rep_id].business_seconds(q.start_at, q.end_at),
        )
        for q in scenario.queries
    ]


def calendar_bounds(scenario: Scenario) -> tuple[date, date]:
    """A calendar long enough for every deadline, bounded without the reference: a rep works at least one
    day a week, each holiday removes at most one working day, and a working day gives at least its window."""
    reps = {rep.rep_id: rep for rep in scenario.reps}
    first = min(q.start_at for q in scenario.queries).date() - timedelta(days=2)
    last = first
    for q in scenario.queries:
        rep = reps[q.rep_id]
        weeks = math.ceil(q.minutes / rep.window_minutes) + 1 + len(scenario.holidays)
        last = max(last, q.end_at.date(), q.start_at.date() + timedelta(weeks=weeks))
    return first, last + timedelta(days=2)


# --- the macros, compiled once -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("business_time")
    env = scratch_dbt_env(tmp)
    proc = subprocess.run(
        [dbt_executable(), "compile", "--inline", INLINE_SQL, "--output", "json", "--log-format", "json",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--profiles-dir", str(ROOT)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return next(e["data"]["compiled"] for e in events if "compiled" in e.get("data", {}))


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    for statement in TABLES:
        connection.execute(statement)
    yield connection
    connection.close()


def run_sql(con: duckdb.DuckDBPyConnection, sql: str, scenario: Scenario) -> list[tuple[datetime, int]]:
    for table in ("reps_in", "holidays_in", "queries_in", "bounds_in"):
        con.execute(f"delete from {table}")
    con.executemany(
        "insert into reps_in values (?, ?, ?, ?, ?, ?)",
        [
            (r.rep_id, r.timezone, r.holiday_calendar, "|".join(str(d) for d in sorted(r.work_days)),
             r.work_start.strftime("%H:%M"), r.work_end.strftime("%H:%M"))
            for r in scenario.reps
        ],
    )  # fmt: skip
    if scenario.holidays:
        con.executemany("insert into holidays_in values (?, ?)", scenario.holidays)
    con.executemany(
        "insert into queries_in values (?, ?, ?, ?, ?)",
        [(i, q.rep_id, q.start_at, q.minutes, q.end_at) for i, q in enumerate(scenario.queries)],
    )
    con.execute("insert into bounds_in values (?, ?)", calendar_bounds(scenario))
    rows = con.execute(sql).fetchall()
    assert [r[0] for r in rows] == list(range(len(scenario.queries)))
    return [(due_at, int(seconds)) for _, due_at, seconds in rows]


# --- hand-worked examples --------------------------------------------------------------------------------

NEW_YORK = Rep("R1", "America/New_York", "US", frozenset({1, 2, 3, 4, 5}), time(9), time(17))
US_HOLIDAYS = [("US", date(2026, 1, 19))]  # Martin Luther King Jr. Day, a Monday


def check(con: duckdb.DuckDBPyConnection, sql: str, scenario: Scenario, expected: list[tuple[datetime, int]]) -> None:
    assert run_sql(con, sql, scenario) == expected
    assert reference(scenario) == expected


def test_deadline_carries_over_the_weekend(con: duckdb.DuckDBPyConnection, compiled_sql: str) -> None:
    # Friday 15:00 EST: 2 hours left on Friday, 6 on Monday -> Monday 15:00 EST
    query = Query("R1", datetime(2026, 1, 9, 20), 480, datetime(2026, 1, 12, 20))
    check(con, compiled_sql, Scenario([NEW_YORK], US_HOLIDAYS, [query]), [(datetime(2026, 1, 12, 20), 8 * 3600)])


def test_deadline_skips_a_holiday(con: duckdb.DuckDBPyConnection, compiled_sql: str) -> None:
    # Friday 15:00 EST, Monday is a holiday -> Tuesday 15:00 EST; until Tuesday 10:00 EST: 2 + 1 hours
    query = Query("R1", datetime(2026, 1, 16, 20), 480, datetime(2026, 1, 20, 15))
    check(con, compiled_sql, Scenario([NEW_YORK], US_HOLIDAYS, [query]), [(datetime(2026, 1, 20, 20), 3 * 3600)])


def test_deadline_across_the_dst_change(con: duckdb.DuckDBPyConnection, compiled_sql: str) -> None:
    # Friday 15:00 EST; clocks go forward on Sunday 2026-03-08 -> Monday 15:00 EDT, which is 19:00 UTC
    query = Query("R1", datetime(2026, 3, 6, 20), 480, datetime(2026, 3, 9, 19))
    check(con, compiled_sql, Scenario([NEW_YORK], [], [query]), [(datetime(2026, 3, 9, 19), 8 * 3600)])


def test_deadline_at_the_end_of_a_window_is_that_end(con: duckdb.DuckDBPyConnection, compiled_sql: str) -> None:
    # Monday 09:00 EST plus a whole working day: Monday 17:00 EST, not Tuesday 09:00
    queries = [
        Query("R1", datetime(2026, 1, 12, 14), 480, datetime(2026, 1, 13, 14)),
        # from Sunday: the first working minute counts from Monday's start
        Query("R1", datetime(2026, 1, 11, 3), 1, datetime(2026, 1, 12, 14, 1)),
    ]
    expected = [(datetime(2026, 1, 12, 22), 8 * 3600), (datetime(2026, 1, 12, 14, 1), 60)]
    check(con, compiled_sql, Scenario([NEW_YORK], [], queries), expected)


# --- random scenarios ------------------------------------------------------------------------------------

LATEST_END = 22 * 4  # 22:00, in quarter hours


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _on_quarter_hour(moment: datetime) -> datetime:
    """Where working windows begin and end."""
    return moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)


def _instants(first: datetime, last: datetime) -> st.SearchStrategy[datetime]:
    """Whole-second instants in [first, last], half of them on a quarter hour. Hypothesis draws a datetime
    field by field, which spreads instants over the range (integer seconds would crowd near `first`)."""
    moments = st.datetimes(min_value=first, max_value=last)
    return st.one_of(moments.map(_whole_seconds), moments.map(_on_quarter_hour))


def _near(day: date) -> st.SearchStrategy[datetime]:
    midnight = datetime.combine(day, time())
    return _instants(midnight - timedelta(days=3), midnight + timedelta(days=3))


start_instants = st.one_of(_instants(FIRST_START, LAST_START), st.sampled_from(DST_CHANGES).flatmap(_near))
durations = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)


@st.composite
def reps(draw: st.DrawFn, rep_id: str) -> Rep:
    begin = draw(st.integers(5 * 4, LATEST_END - 1))  # from 05:00
    end = draw(st.integers(begin + 1, LATEST_END))
    return Rep(
        rep_id=rep_id,
        timezone=draw(st.sampled_from(TIMEZONES)),
        holiday_calendar=draw(st.sampled_from(HOLIDAY_CALENDARS)),
        work_days=frozenset(draw(st.sets(st.integers(1, 7), min_size=1))),
        work_start=time(begin // 4, begin % 4 * 15),
        work_end=time(end // 4, end % 4 * 15),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    rep_list = [draw(reps(f"R{i}")) for i in range(draw(st.integers(1, 4)))]
    queries = []
    for _ in range(draw(st.integers(1, 8))):
        rep = draw(st.sampled_from(rep_list))
        start_at = draw(start_instants)
        if draw(st.booleans()):  # exactly at the start or end of the rep's window on that day
            wall = draw(st.sampled_from([rep.work_start, rep.work_end]))
            start_at = RepCalendar(rep, []).utc(start_at.date(), wall)
        if draw(st.booleans()):  # whole working days, so that deadlines fall on the end of a window
            minutes = draw(st.integers(1, 5000 // rep.window_minutes)) * rep.window_minutes
        else:
            minutes = draw(st.integers(1, 5000))
        rounding = draw(st.sampled_from([_whole_seconds, _on_quarter_hour]))
        end_at = max(start_at, rounding(start_at + draw(durations)))
        queries.append(Query(rep.rep_id, start_at, minutes, end_at))
    # holidays where they matter: on or just after the queries' start days; sometimes one twice
    holidays = [
        (draw(st.sampled_from(HOLIDAY_CALENDARS)), q.start_at.date() + timedelta(days=draw(st.integers(-1, 10))))
        for q in queries
        for _ in range(draw(st.integers(0, 2)))
    ]
    if holidays and draw(st.booleans()):
        holidays.append(draw(st.sampled_from(holidays)))
    return Scenario(rep_list, holidays, queries)


# 10-20 s here alone, depending on the host (a run costs 2-35 ms); a failing example is kept in .hypothesis/
# (ignored by git through the .gitignore Hypothesis writes there) and replayed first on the next run. It ran
# 800 examples until 2026-11-27: 55-65 s beside the other pytest worker, in a `make test` that must stay
# under 20 minutes.
@settings(max_examples=400, deadline=None)
@given(scenario=scenarios())
def test_macros_agree_with_the_reference(con: duckdb.DuckDBPyConnection, compiled_sql: str, scenario: Scenario) -> None:
    assert run_sql(con, compiled_sql, scenario) == reference(scenario)
