-- Where each routable lead stands at the as-of time: current status and how long it has been in it
-- (aging bucket, over the status threshold or not), current owner, last activity (stale when none for
-- var aging_stale_after_days), next scheduled step (a task_scheduled activity due after the as-of time)
-- and overdue tasks (due before the as-of time with no rep touch since).
{%- set buckets = var('aging_bucket_days') %}
with

statuses as (
    select * from {{ ref('fct_lead_status_history') }}
    where is_current
),

assignments as (
    select * from {{ ref('fct_lead_assignments') }}
    where is_current
),

activities as (
    select * from {{ ref('int_activities__resolved') }}
),

thresholds as (
    select * from {{ ref('aging_thresholds') }}
),

horizon as (
    select {{ operations_horizon() }} as as_of
),

activity_summary as (
    select
        statuses.person_id,
        max(activities.occurred_at) as last_activity_at,
        max(activities.occurred_at) filter (where activities.is_rep_touch) as last_rep_touch_at,
        max(activities.occurred_at) filter (where activities.activity_type = 'email_sent') as last_email_sent_at,
        max(activities.occurred_at) filter (where activities.activity_type = 'demo_request') as last_demo_request_at
    from statuses
    inner join activities on statuses.person_id = activities.person_id
    cross join horizon
    where activities.occurred_at <= horizon.as_of
    group by statuses.person_id
),

tasks as (
    select
        statuses.person_id,
        activities.due_at
    from statuses
    inner join activities on statuses.person_id = activities.person_id
    cross join horizon
    where
        activities.activity_type = 'task_scheduled'
        and activities.due_at is not null
        and activities.occurred_at <= horizon.as_of
),

task_summary as (
    select
        tasks.person_id,
        min(tasks.due_at) filter (where tasks.due_at > horizon.as_of) as next_step_due_at,
        count(*) filter (
            where
            tasks.due_at <= horizon.as_of
            and (activity_summary.last_rep_touch_at is null or activity_summary.last_rep_touch_at < tasks.due_at)
        ) as overdue_task_count
    from tasks
    cross join horizon
    left join activity_summary on tasks.person_id = activity_summary.person_id
    group by tasks.person_id
),

final as (
    select
        statuses.person_id,
        statuses.lead_status,
        coalesce(thresholds.is_active, false) as is_active_status,
        statuses.entered_at as status_entered_at,
        statuses.hours_in_status,
        case
            {%- for upper in buckets %}
                when statuses.hours_in_status < {{ upper * 24 }} then '{{ "<" ~ upper ~ "d" if loop.first else buckets[loop.index0 - 1] ~ "-" ~ upper ~ "d" }}'
            {%- endfor %}
            else '{{ buckets[-1] }}d+'
        end as aging_bucket,
        case
            {%- for upper in buckets %}
                when statuses.hours_in_status < {{ upper * 24 }} then {{ loop.index }}
            {%- endfor %}
            else {{ buckets | length + 1 }}
        end as aging_bucket_order,
        thresholds.max_hours as threshold_hours,
        thresholds.action as threshold_action,
        coalesce(statuses.hours_in_status > thresholds.max_hours, false) as is_over_threshold,
        assignments.owner_id,
        assignments.owner_team,
        activity_summary.last_activity_at,
        {{ dbt.datediff('activity_summary.last_activity_at', 'horizon.as_of', 'second') }} / 86400.0
            as days_since_last_activity,
        coalesce(thresholds.is_active, false)
        and coalesce(
            {{ dbt.datediff('activity_summary.last_activity_at', 'horizon.as_of', 'second') }}
            >= {{ var('aging_stale_after_days') }} * 86400,
            true
        ) as is_stale,
        activity_summary.last_email_sent_at,
        activity_summary.last_demo_request_at,
        task_summary.next_step_due_at,
        task_summary.next_step_due_at is not null as has_next_step,
        coalesce(task_summary.overdue_task_count, 0) as overdue_task_count,
        horizon.as_of
    from statuses
    cross join horizon
    left join thresholds on statuses.lead_status = thresholds.lead_status
    left join assignments on statuses.person_id = assignments.person_id
    left join activity_summary on statuses.person_id = activity_summary.person_id
    left join task_summary on statuses.person_id = task_summary.person_id
)

select * from final
