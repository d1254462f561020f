-- Status history of every routable lead as intervals (one row per status spell): the status at creation
-- (New or Needs Info), status changes and disqualifications from activities, Converted at the person's
-- first deal, and the re-queues to nurture: a lead in a status whose aging action is `nurture`
-- (seeds/aging_thresholds.csv) beyond its threshold goes back to In Nurture at that moment. Events at
-- the same instant apply in the order creation, activity, deal; a repeat of the current status is no
-- change.
with

leads as (
    select * from {{ ref('int_routing__leads') }}
),

activities as (
    select * from {{ ref('int_activities__resolved') }}
),

deals as (
    select * from {{ ref('int_deals__persons') }}
),

thresholds as (
    select * from {{ ref('aging_thresholds') }}
),

horizon as (
    select {{ operations_horizon() }} as as_of
),

base_events as (
    select
        person_id,
        created_at as entered_at,
        initial_status as lead_status,
        'created' as source,
        0 as source_order,
        cast(null as varchar) as rep_id,
        cast(null as varchar) as reason
    from leads
    union all
    select
        leads.person_id,
        activities.occurred_at as entered_at,
        case
            when activities.activity_type = 'disqualified' then 'Disqualified' else trim(activities.new_status)
        end as lead_status,
        'activity' as source,
        1 as source_order,
        activities.rep_id,
        activities.reason
    from leads
    inner join activities on leads.person_id = activities.person_id
    where
        activities.occurred_at >= leads.created_at
        and (
            (activities.activity_type = 'status_change' and activities.new_status is not null)
            or activities.activity_type = 'disqualified'
        )
    union all
    select
        leads.person_id,
        min(deals.created_at) as entered_at,
        'Converted' as lead_status,
        'deal' as source,
        2 as source_order,
        arg_min(deals.owner_id, deals.created_at) as rep_id,
        cast(null as varchar) as reason
    from leads
    inner join deals on leads.person_id = deals.person_id
    group by leads.person_id
),

base_changes as (
    select * from base_events
    qualify coalesce(
        lag(lead_status) over (partition by person_id order by entered_at, source_order) != lead_status, true
    )
),

base_spells as (
    select
        *,
        lead(entered_at) over (partition by person_id order by entered_at, source_order) as exited_at
    from base_changes
),

nurture_requeues as (
    select
        base_spells.person_id,
        {{ dbt.dateadd('second', 'cast(thresholds.max_hours * 3600 as bigint)', 'base_spells.entered_at') }}
            as entered_at,
        'In Nurture' as lead_status,
        'requeue' as source,
        1 as source_order,
        cast(null as varchar) as rep_id,
        'still ' || base_spells.lead_status || ' ' || cast(thresholds.max_hours as varchar)
        || ' hours after entering it: back to nurture' as reason
    from base_spells
    inner join thresholds on base_spells.lead_status = thresholds.lead_status and thresholds.action = 'nurture'
    cross join horizon
    where
        {{ dbt.dateadd('second', 'cast(thresholds.max_hours * 3600 as bigint)', 'base_spells.entered_at') }}
        < coalesce(base_spells.exited_at, horizon.as_of)
),

all_events as (
    select
        person_id,
        entered_at,
        lead_status,
        source,
        source_order,
        rep_id,
        reason
    from base_changes
    union all
    select * from nurture_requeues
),

changes as (
    select * from all_events
    qualify coalesce(
        lag(lead_status) over (partition by person_id order by entered_at, source_order) != lead_status, true
    )
),

spells as (
    select
        person_id,
        row_number() over (partition by person_id order by entered_at, source_order) as status_number,
        lead_status,
        source,
        rep_id,
        reason,
        entered_at,
        lead(entered_at) over (partition by person_id order by entered_at, source_order) as exited_at
    from changes
),

final as (
    select
        spells.person_id,
        spells.status_number,
        spells.lead_status,
        spells.source,
        spells.rep_id,
        spells.reason,
        spells.entered_at,
        spells.exited_at,
        spells.exited_at is null as is_current,
        {{ dbt.datediff('spells.entered_at', 'coalesce(spells.exited_at, horizon.as_of)', 'second') }} / 3600.0
            as hours_in_status
    from spells
    cross join horizon
)

select * from final
