-- Every re-queue, from both aging actions: a lead reassigned to the next rep (fct_lead_assignments) and
-- a lead sent back to nurture (fct_lead_status_history).
with

assignments as (
    select * from {{ ref('fct_lead_assignments') }}
),

statuses as (
    select * from {{ ref('fct_lead_status_history') }}
),

final as (
    select
        person_id,
        'reassign' as requeue_action,
        assigned_at as requeued_at,
        previous_owner_id,
        owner_id as new_owner_id,
        cast(null as varchar) as new_status,
        reason
    from assignments
    where event_type = 'requeue'
    union all
    select
        statuses.person_id,
        'nurture' as requeue_action,
        statuses.entered_at as requeued_at,
        owners.owner_id as previous_owner_id,
        owners.owner_id as new_owner_id,
        statuses.lead_status as new_status,
        statuses.reason
    from statuses
    left join assignments as owners
        on
            statuses.person_id = owners.person_id
            and statuses.entered_at >= owners.assigned_at
            and (owners.valid_until is null or statuses.entered_at < owners.valid_until)
    where statuses.source = 'requeue'
)

select
    person_id || ':' || requeue_action || ':' || strftime(requeued_at, '%Y%m%d%H%M%S') as requeue_id,
    person_id,
    requeue_action,
    requeued_at,
    previous_owner_id,
    new_owner_id,
    new_status,
    reason
from final
