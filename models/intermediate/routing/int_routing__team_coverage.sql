-- When each team has somebody at work: the working windows of its routable, active members merged into
-- disjoint intervals (gaps and islands), one row per member window with its interval. A pooled lead that
-- arrives in a gap waits for the next interval and goes to one of the members who work in it.
with

calendar as (
    select * from {{ ref('int_rep_calendar') }}
),

reps as (
    select * from {{ ref('reps') }}
),

member_windows as (
    select
        reps.team,
        calendar.rep_id,
        calendar.window_start_at,
        calendar.window_end_at
    from calendar
    inner join reps on calendar.rep_id = reps.rep_id
    where
        calendar.window_seconds > 0
        and {{ rep_is_active('reps', 'calendar.local_date') }}
),

ordered as (
    select
        team,
        rep_id,
        window_start_at,
        window_end_at,
        max(window_end_at) over (
            partition by team order by window_start_at, window_end_at
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from member_windows
),

islands as (
    select
        team,
        rep_id,
        window_start_at,
        window_end_at,
        sum(case when covered_until is null or window_start_at > covered_until then 1 else 0 end) over (
            partition by team order by window_start_at, window_end_at rows unbounded preceding
        ) as coverage_number
    from ordered
),

final as (
    select
        team,
        coverage_number,
        min(window_start_at) over (partition by team, coverage_number) as coverage_start_at,
        max(window_end_at) over (partition by team, coverage_number) as coverage_end_at,
        rep_id,
        window_start_at,
        window_end_at
    from islands
)

select * from final
