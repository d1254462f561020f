-- Aging distribution by status, owner and aging bucket, with the counts managers act on daily: leads
-- over their status threshold, stale leads, active leads without a next step, and overdue tasks.
with

aging as (
    select * from {{ ref('fct_lead_aging') }}
),

final as (
    select
        lead_status,
        is_active_status,
        owner_id,
        owner_team,
        aging_bucket,
        aging_bucket_order,
        count(*) as leads,
        count(*) filter (where is_over_threshold) as over_threshold_leads,
        count(*) filter (where is_stale) as stale_leads,
        count(*) filter (where is_active_status and not has_next_step) as no_next_step_leads,
        count(*) filter (where overdue_task_count > 0) as leads_with_overdue_tasks,
        sum(overdue_task_count) as overdue_tasks,
        median(hours_in_status) / 24.0 as median_days_in_status,
        max(as_of) as as_of
    from aging
    group by lead_status, is_active_status, owner_id, owner_team, aging_bucket, aging_bucket_order
)

select
    lead_status,
    is_active_status,
    owner_id,
    owner_team,
    aging_bucket,
    aging_bucket_order,
    leads,
    over_threshold_leads,
    stale_leads,
    no_next_step_leads,
    leads_with_overdue_tasks,
    overdue_tasks,
    median_days_in_status,
    as_of
from final
