{{ config(meta={'dagster': {'ref': {'name': 'fct_lead_assignments'}}}) }}
-- No assignment goes to a rep outside their active_from / active_to window (on their local day), to a
-- rep routing may not use (capacity 0), and no rep gets more assignments (initial and re-queues) on a
-- local day than their daily_capacity.
with

assignments as (
    select * from {{ ref('fct_lead_assignments') }}
),

reps as (
    select * from {{ ref('reps') }}
),

local_days as (
    select
        assignments.assignment_id,
        assignments.event_type,
        assignments.owner_id,
        reps.daily_capacity,
        reps.active_from,
        reps.active_to,
        cast({{ utc_to_local('assignments.assigned_at', 'reps.timezone') }} as date) as local_date
    from assignments
    inner join reps on assignments.owner_id = reps.rep_id
),

inactive as (
    select
        assignment_id,
        'inactive or unroutable rep' as problem
    from local_days
    where
        local_date < active_from
        or local_date > active_to
        or daily_capacity = 0
),

over_capacity as (
    select
        owner_id || ' on ' || cast(local_date as varchar) as assignment_id,
        'over daily capacity' as problem
    from local_days
    where daily_capacity is not null
    group by owner_id, local_date, daily_capacity
    having count(*) > daily_capacity
)

select * from inactive
union all
select * from over_capacity
