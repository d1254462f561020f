-- One row per routable lead and SLA it started (int_lead_sla__clocks), with its deadlines. On the
-- business clock, deadlines are counted in working time of the owner's calendar (time zone, working
-- days and hours, holidays, DST) through int_rep_calendar: a position on the calendar is an equi-join
-- on (rep, local date), and a deadline is an ASOF join on the running total of working seconds.
-- Reminder, escalation to the owner's manager and second escalation to the manager's manager fall at
-- the policy's percentages of the response time; each is set as triggered only when it came before any
-- response and by the as-of time.
with

clocks as (
    select * from {{ ref('int_lead_sla__clocks') }}
),

reps as (
    select * from {{ ref('reps') }}
),

calendar as (
    select * from {{ ref('int_rep_calendar') }}
),

horizon as (
    select {{ operations_horizon() }} as as_of
),

positioned as (
    select
        clocks.*,
        owners.timezone as owner_timezone,
        owners.team as owner_team,
        owners.manager_id,
        managers.manager_id as second_manager_id,
        {{ business_position('start_day', 'clocks.started_at') }} as start_position,
        {{ business_position('response_day', 'clocks.responded_at') }} as response_position
    from clocks
    inner join reps as owners on clocks.owner_id = owners.rep_id
    left join reps as managers on owners.manager_id = managers.rep_id
    left join calendar as start_day
        on {{ calendar_day_join('start_day', 'clocks.owner_id', 'clocks.started_at', 'owners.timezone') }}
    left join calendar as response_day
        on {{ calendar_day_join('response_day', 'clocks.owner_id', 'clocks.responded_at', 'owners.timezone') }}
),

points as (
    {%- for point, pct in [('reminder', 'reminder_pct'), ('due', '100'), ('escalation', 'escalation_pct'), ('second_escalation', 'second_escalation_pct')] %}
        select
            person_id,
            sla_type,
            owner_id,
            clock,
            started_at,
            '{{ point }}' as point,
            cast(round(response_minutes * 60 * {{ pct }} / 100.0) as bigint) as offset_seconds,
            start_position + cast(round(response_minutes * 60 * {{ pct }} / 100.0) as bigint) as target_position
        from positioned
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

working_days as (
    select * from calendar
    where window_seconds > 0
),

business_points as (
    select
        points.person_id,
        points.sla_type,
        points.point,
        {{ business_moment('working_days', 'points.target_position') }} as point_at
    from points
    asof inner join working_days
        on
            points.owner_id = working_days.rep_id
            and points.target_position > working_days.business_seconds_before
    -- a target past the calendar's last working day finds no day: the deadline stays null and the
    -- not_null test on due_at fails loudly (raise var business_calendar_days_after)
    where
        points.clock = 'business'
        and points.target_position <= working_days.business_seconds_before + working_days.window_seconds
),

calendar_points as (
    select
        person_id,
        sla_type,
        point,
        {{ dbt.dateadd('second', 'offset_seconds', 'started_at') }} as point_at
    from points
    where clock = 'calendar'
),

deadlines as (
    select
        person_id,
        sla_type,
        max(case when point = 'reminder' then point_at end) as reminder_at,
        max(case when point = 'due' then point_at end) as due_at,
        max(case when point = 'escalation' then point_at end) as escalation_at,
        max(case when point = 'second_escalation' then point_at end) as second_escalation_at
    from (
        select * from business_points
        union all
        select * from calendar_points
    ) as all_points
    group by person_id, sla_type
),

final as (
    select
        positioned.person_id || ':' || positioned.sla_type as lead_sla_id,
        positioned.person_id,
        positioned.sla_type,
        positioned.tier,
        positioned.clock,
        positioned.response_minutes as target_minutes,
        positioned.owner_id,
        positioned.owner_team,
        positioned.owner_timezone,
        positioned.started_at,
        deadlines.due_at,
        positioned.responded_at,
        positioned.responder_id,
        case
            when positioned.responded_at is null then null
            when positioned.responded_at <= positioned.started_at then 0
            when positioned.clock = 'business'
                then (positioned.response_position - positioned.start_position) / 60.0
            else {{ dbt.datediff('positioned.started_at', 'positioned.responded_at', 'second') }} / 60.0
        end as response_minutes,
        case
            when positioned.responded_at is null then null
            else greatest({{ dbt.datediff('positioned.started_at', 'positioned.responded_at', 'second') }}, 0) / 60.0
        end as response_calendar_minutes,
        case
            when positioned.responded_at <= deadlines.due_at then 'met'
            when positioned.responded_at > deadlines.due_at or horizon.as_of > deadlines.due_at then 'breached'
            else 'open'
        end as sla_status,
        deadlines.reminder_at,
        coalesce(
            deadlines.reminder_at <= horizon.as_of
            and (positioned.responded_at is null or positioned.responded_at > deadlines.reminder_at), false)
            as is_reminder_triggered,
        deadlines.escalation_at,
        positioned.manager_id as escalation_to_id,
        coalesce(
            deadlines.escalation_at <= horizon.as_of
            and (positioned.responded_at is null or positioned.responded_at > deadlines.escalation_at), false)
            as is_escalation_triggered,
        deadlines.second_escalation_at,
        positioned.second_manager_id as second_escalation_to_id,
        coalesce(
            deadlines.second_escalation_at <= horizon.as_of
            and (positioned.responded_at is null or positioned.responded_at > deadlines.second_escalation_at), false)
            as is_second_escalation_triggered,
        horizon.as_of
    from positioned
    left join deadlines on positioned.person_id = deadlines.person_id and positioned.sla_type = deadlines.sla_type
    cross join horizon
)

select * from final
