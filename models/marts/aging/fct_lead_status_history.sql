-- Status history of every routable lead as intervals (one row per status spell): the status at creation
-- (New or Needs Info), status changes and disqualifications from activities, Converted at the person's
-- first deal, and the re-queues to nurture: a lead in a status whose aging action is `nurture`
-- (seeds/aging_thresholds.csv) beyond its threshold goes back to In Nurture at that moment. Events at
-- the same instant apply in the order creation, activity, deal; a repeat of the current status is no
-- change. A repeat after a re-queue is one: the lead is In Nurture by then, so a rep setting Contacted
-- again starts a new spell (and its own 72 hours), while a repeat before the re-queue restarts nothing.
-- Only events up to the as-of time count: the history describes each lead as of then, as fct_lead_aging
-- and the weekly figures measured from it do.
with recursive

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
    cross join horizon
    where
        activities.occurred_at >= leads.created_at
        and activities.occurred_at <= horizon.as_of
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
    cross join horizon
    where deals.created_at <= horizon.as_of
    group by leads.person_id
),

ordered_events as (
    select
        *,
        row_number() over (partition by person_id order by entered_at, source_order, lead_status) as event_number,
        lag(lead_status) over (partition by person_id order by entered_at, source_order, lead_status)
            as previous_status
    from base_events
),

-- A run: consecutive events of one status. Its first event is a change; the rest are repeats.
runs as (
    select
        *,
        sum(case when previous_status = lead_status then 0 else 1 end) over (
            partition by person_id order by event_number rows between unbounded preceding and current row
        ) as run_number
    from ordered_events
),

nurture_events as (
    select
        runs.person_id,
        runs.run_number,
        runs.event_number,
        runs.entered_at,
        runs.previous_status is null or runs.previous_status != runs.lead_status as is_run_start,
        {{ dbt.dateadd('second', 'cast(thresholds.max_hours * 3600 as bigint)', 'runs.entered_at') }} as requeue_at
    from runs
    inner join thresholds on runs.lead_status = thresholds.lead_status and thresholds.action = 'nurture'
),

-- For a spell starting at an event, the first repeat of its run after the re-queue it would cause: the lead
-- is In Nurture by then, so that repeat starts a spell of its own. Runs are a few events: the join stays
-- inside one run of one person.
next_restarts as (
    select
        spell_start.person_id,
        spell_start.run_number,
        spell_start.event_number,
        min(later_event.event_number) as restart_event_number
    from nurture_events as spell_start
    inner join nurture_events as later_event
        on
            spell_start.person_id = later_event.person_id
            and spell_start.run_number = later_event.run_number
            and later_event.entered_at > spell_start.requeue_at
    group by spell_start.person_id, spell_start.run_number, spell_start.event_number
),

-- Spell starts within runs of nurture statuses: the run's first event, then each restart after the last.
restarts (person_id, run_number, event_number) as (
    select
        person_id,
        run_number,
        event_number
    from nurture_events
    where is_run_start
    union all
    select
        next_restarts.person_id,
        next_restarts.run_number,
        next_restarts.restart_event_number as event_number
    from restarts
    inner join next_restarts
        on
            restarts.person_id = next_restarts.person_id
            and restarts.run_number = next_restarts.run_number
            and restarts.event_number = next_restarts.event_number
),

base_changes as (
    select
        runs.person_id,
        runs.entered_at,
        runs.lead_status,
        runs.source,
        runs.source_order,
        runs.rep_id,
        runs.reason
    from runs
    left join restarts on runs.person_id = restarts.person_id and runs.event_number = restarts.event_number
    where runs.previous_status is null or runs.previous_status != runs.lead_status or restarts.event_number is not null
),

-- A spell lasts until the next change: a restart of its run, or the first event of the next run.
base_spells as (
    select
        *,
        lead(entered_at) over (partition by person_id order by entered_at, source_order, lead_status) as exited_at
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
        lag(lead_status) over (partition by person_id order by entered_at, source_order, lead_status)
        != lead_status,
        true
    )
),

spells as (
    select
        person_id,
        row_number() over (partition by person_id order by entered_at, source_order, lead_status) as status_number,
        lead_status,
        source,
        rep_id,
        reason,
        entered_at,
        lead(entered_at) over (partition by person_id order by entered_at, source_order, lead_status) as exited_at
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
