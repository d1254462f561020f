-- One row per assignment event of a routable lead: the initial routing (int_leads__routed) and the
-- re-queue of a lead still untouched in its first status beyond the aging threshold whose action is
-- `reassign` (seeds/aging_thresholds.csv): it goes to the next active member of the owner's team in
-- rep_id order (to the fallback queue when that rep's day is already full), and the history keeps
-- both rows. One re-queue per lead; later aging shows in fct_lead_aging.
with

routed as (
    select * from {{ ref('int_leads__routed') }}
),

leads as (
    select * from {{ ref('int_routing__leads') }}
),

reps as (
    select * from {{ ref('reps') }}
),

thresholds as (
    select * from {{ ref('aging_thresholds') }}
),

horizon as (
    select {{ operations_horizon() }} as as_of
),

-- When each initial assignment would fall due for re-queue (the reassign threshold after assignment).
requeue_candidates as (
    select
        routed.person_id,
        routed.owner_id as previous_owner_id,
        owners.team,
        {{ dbt.dateadd('second', 'cast(thresholds.max_hours * 3600 as bigint)', 'routed.assigned_at') }} as requeued_at,
        thresholds.lead_status,
        thresholds.max_hours,
        least(leads.first_rep_touch_at, leads.first_status_change_at) as first_progress_at
    from routed
    inner join leads on routed.person_id = leads.person_id
    inner join reps as owners on routed.owner_id = owners.rep_id
    inner join thresholds on leads.initial_status = thresholds.lead_status and thresholds.action = 'reassign'
    where owners.role != 'queue'
),

requeue_due as (
    select
        requeue_candidates.person_id,
        requeue_candidates.previous_owner_id,
        requeue_candidates.team,
        requeue_candidates.requeued_at,
        requeue_candidates.lead_status,
        requeue_candidates.max_hours
    from requeue_candidates
    cross join horizon
    where
        requeue_candidates.requeued_at <= horizon.as_of
        and coalesce(requeue_candidates.first_progress_at, horizon.as_of) > requeue_candidates.requeued_at
),

next_members as (
    select
        requeue_due.person_id,
        reps.rep_id,
        -- Members after the previous owner first, then from the start of the list (a ring).
        row_number() over (
            partition by requeue_due.person_id
            order by reps.rep_id <= requeue_due.previous_owner_id, reps.rep_id
        ) as ring_position
    from requeue_due
    inner join reps
        on
            requeue_due.team = reps.team
            and reps.rep_id != requeue_due.previous_owner_id
            and {{ rep_is_active('reps', 'cast(' ~ utc_to_local('requeue_due.requeued_at', 'reps.timezone') ~ ' as date)') }}
),

-- Re-queues count against the next rep's daily capacity after that day's initial assignments; a re-queue
-- that would exceed it goes to the fallback queue instead.
initial_loads as (
    select
        routed.owner_id,
        cast({{ utc_to_local('routed.assigned_at', 'reps.timezone') }} as date) as local_date,
        count(*) as initial_load
    from routed
    inner join reps on routed.owner_id = reps.rep_id
    group by routed.owner_id, cast({{ utc_to_local('routed.assigned_at', 'reps.timezone') }} as date)
),

requeue_picks as (
    select
        requeue_due.person_id,
        requeue_due.requeued_at,
        requeue_due.previous_owner_id,
        requeue_due.lead_status,
        requeue_due.max_hours,
        next_members.rep_id as next_rep_id,
        reps.daily_capacity,
        cast({{ utc_to_local('requeue_due.requeued_at', 'reps.timezone') }} as date) as local_date
    from requeue_due
    inner join next_members on requeue_due.person_id = next_members.person_id and next_members.ring_position = 1
    inner join reps on next_members.rep_id = reps.rep_id
),

requeue_loads as (
    select
        requeue_picks.*,
        coalesce(initial_loads.initial_load, 0) + row_number() over (
            partition by requeue_picks.next_rep_id, requeue_picks.local_date
            order by requeue_picks.requeued_at, requeue_picks.person_id
        ) as day_load
    from requeue_picks
    left join initial_loads
        on requeue_picks.next_rep_id = initial_loads.owner_id and requeue_picks.local_date = initial_loads.local_date
),

requeues as (
    select
        person_id,
        requeued_at as assigned_at,
        case
            when day_load > daily_capacity then '{{ var("routing_fallback_rep_id") }}' else next_rep_id
        end as owner_id,
        previous_owner_id,
        'requeue' as event_type,
        'still ' || lead_status || ' ' || cast(max_hours as varchar) || ' hours after assignment: '
        || case
            when day_load > daily_capacity then 'the next rep is at daily capacity, to the fallback queue'
            else 'reassigned to the next rep'
        end as reason
    from requeue_loads
),

events as (
    select
        person_id,
        created_at,
        assigned_at,
        owner_id,
        cast(null as varchar) as previous_owner_id,
        'initial' as event_type,
        rule_id,
        matched_rule_id,
        method,
        routing_reason as reason,
        is_immediate,
        roster,
        roster_size,
        rotation_number
    from routed
    union all
    select
        requeues.person_id,
        routed.created_at,
        requeues.assigned_at,
        requeues.owner_id,
        requeues.previous_owner_id,
        requeues.event_type,
        routed.rule_id,
        routed.matched_rule_id,
        'requeue' as method,
        requeues.reason,
        routed.is_immediate,
        cast(null as varchar) as roster,
        cast(null as bigint) as roster_size,
        cast(null as bigint) as rotation_number
    from requeues
    inner join routed on requeues.person_id = routed.person_id
),

final as (
    select
        events.person_id || ':' || cast(
            row_number() over (partition by events.person_id order by events.assigned_at, events.event_type) as varchar
        ) as assignment_id,
        events.person_id,
        row_number() over (partition by events.person_id order by events.assigned_at, events.event_type)
            as assignment_number,
        events.event_type,
        events.created_at as lead_created_at,
        events.assigned_at,
        lead(events.assigned_at) over (partition by events.person_id order by events.assigned_at, events.event_type)
            as valid_until,
        lead(events.assigned_at) over (partition by events.person_id order by events.assigned_at, events.event_type)
        is null as is_current,
        {{ dbt.datediff('events.created_at', 'events.assigned_at', 'second') }} / 60.0 as minutes_after_creation,
        events.owner_id,
        owners.rep_name as owner_name,
        owners.role as owner_role,
        owners.team as owner_team,
        events.previous_owner_id,
        events.rule_id,
        events.matched_rule_id,
        events.method,
        events.reason,
        events.is_immediate,
        events.roster,
        events.roster_size,
        events.rotation_number,
        leads.crm_owner_id,
        crm_owners.team as crm_owner_team
    from events
    inner join leads on events.person_id = leads.person_id
    left join reps as owners on events.owner_id = owners.rep_id
    left join reps as crm_owners on leads.crm_owner_id = crm_owners.rep_id
)

select * from final
