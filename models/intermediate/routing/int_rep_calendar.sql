-- Each rep's business calendar, one row per local day (macros/business_time.sql): from a week before the
-- first lead to var business_calendar_days_after days after the last lead or activity, so every
-- deadline the SLA and aging models compute falls inside it.
with

reps as (
    select * from {{ ref('reps') }}
    where work_start is not null and work_end is not null
),

holidays as (
    select * from {{ ref('holidays') }}
),

calendar as (
    {{ business_calendar(
        'reps',
        'holidays',
        "(select cast(min(created_at) as date) - 7 from " ~ ref('stg_leads') ~ ")",
        "cast(greatest((select max(created_at) from " ~ ref('stg_leads') ~ "), (select max(occurred_at) from "
            ~ ref('stg_activities') ~ ")) as date) + " ~ var('business_calendar_days_after'),
    ) }}
)

select * from calendar
