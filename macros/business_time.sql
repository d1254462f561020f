{#- Business-time arithmetic (docs/routing-sla-aging.md). Every rep has a working calendar: one row per local
    day with that day's working window converted to UTC (so daylight saving time is handled by the
    database's time zone data, day by day) and the working seconds of all earlier days. A moment's
    position on the calendar is then one equi-join on (rep, local date); adding business time is one
    ASOF join on the running total. Nothing is ever expanded to one row per minute. -#}

{#- A UTC timestamp (naive, the convention of every `_at` column) as wall-clock time in `tz`. -#}
{% macro utc_to_local(ts, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'leadflow')(ts, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(ts, tz) -%}
    cast(timezone({{ tz }}, cast({{ ts }} as timestamptz)) as timestamp)
{%- endmacro %}

{#- Wall-clock time in `tz` as a naive UTC timestamp. A wall-clock time that does not exist (skipped by
    a DST change) moves forward by the size of the gap. -#}
{% macro local_to_utc(local_ts, tz) -%}
    {{ return(adapter.dispatch('local_to_utc', 'leadflow')(local_ts, tz)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_ts, tz) -%}
    cast(timezone({{ tz }}, cast({{ local_ts }} as timestamp)) as timestamp)
{%- endmacro %}

{#- One row per (rep, local date) from first_day to last_day: is_working_day, the day's working window in
    UTC and business_seconds_before (working seconds of all earlier days in the calendar). A working day
    is one of the rep's work_days (ISO weekday numbers, "|"-separated) that is not a holiday of the
    rep's holiday_calendar. Working hours are the rep's work_start to work_end, local time; a window
    may not cross midnight. -#}
{% macro business_calendar(reps, holidays, first_day, last_day) -%}
    with

    calendar_reps as (
        select
            rep_id,
            timezone,
            holiday_calendar,
            work_days,
            cast(work_start as time) as work_start,
            cast(work_end as time) as work_end
        from {{ reps }}
    ),

    calendar_days as (
        select cast(range as date) as local_date
        from range(cast({{ first_day }} as timestamp), cast({{ last_day }} as timestamp) + interval 1 day, interval 1 day)
    ),

    rep_days as (
        select
            calendar_reps.rep_id,
            calendar_reps.timezone,
            calendar_days.local_date,
            (
                list_contains(string_split(calendar_reps.work_days, '|'), cast(isodow(calendar_days.local_date) as varchar))
                and calendar_holidays.holiday_date is null
            ) as is_working_day,
            {{ local_to_utc('calendar_days.local_date + calendar_reps.work_start', 'calendar_reps.timezone') }}
                as window_start_at,
            {{ local_to_utc('calendar_days.local_date + calendar_reps.work_end', 'calendar_reps.timezone') }}
                as window_end_at
        from calendar_reps
        cross join calendar_days
        left join (select distinct calendar, holiday_date from {{ holidays }}) as calendar_holidays
            on
                calendar_reps.holiday_calendar = calendar_holidays.calendar
                and calendar_days.local_date = calendar_holidays.holiday_date
    ),

    windows as (
        select
            rep_id,
            timezone,
            local_date,
            is_working_day,
            case when is_working_day then window_start_at end as window_start_at,
            case when is_working_day then window_end_at end as window_end_at,
            case
                when is_working_day then greatest({{ dbt.datediff('window_start_at', 'window_end_at', 'second') }}, 0)
                else 0
            end as window_seconds
        from rep_days
    )

    select
        rep_id,
        timezone,
        local_date,
        is_working_day,
        window_start_at,
        window_end_at,
        window_seconds,
        coalesce(sum(window_seconds) over (
            partition by rep_id order by local_date rows between unbounded preceding and 1 preceding
        ), 0) as business_seconds_before
    from windows
{%- endmacro %}

{#- The join condition that finds the calendar day of moment `ts` for the rep `rep_id` (whose time zone
    is `tz`) in calendar relation `cal`. -#}
{% macro calendar_day_join(cal, rep_id, ts, tz) -%}
    {{ cal }}.rep_id = {{ rep_id }}
    and {{ cal }}.local_date = cast({{ utc_to_local(ts, tz) }} as date)
{%- endmacro %}

{#- Business seconds from the start of the calendar to moment `ts`, given the joined calendar day `cal`.
    Outside the working window the position stays at the window's nearer edge. -#}
{% macro business_position(cal, ts) -%}
    (
        {{ cal }}.business_seconds_before
        + coalesce(least(greatest({{ dbt.datediff(cal ~ '.window_start_at', ts, 'second') }}, 0), {{ cal }}.window_seconds), 0)
    )
{%- endmacro %}

{#- The moment a business-seconds position `target` is reached, given the calendar day `cal` found by an
    ASOF join on `target > cal.business_seconds_before` over working days only. A deadline that falls
    exactly at the end of a working window is that end, not the next morning. -#}
{% macro business_moment(cal, target) -%}
    {{ dbt.dateadd('second', target ~ ' - ' ~ cal ~ '.business_seconds_before', cal ~ '.window_start_at') }}
{%- endmacro %}
