-- One row per week (Monday, UTC) with the headline numbers of the leadership report, each read from the
-- mart that owns it so the report and the marts never disagree: persons entering each stage
-- (fct_lead_lifecycle), deals won and their revenue (fct_deals), first-response SLA compliance and
-- median speed to lead (mart_sla_compliance, SLAs started that week), and stale leads at the end of the
-- week (or at the as-of time for the week in progress): leads in an active status with no activity for
-- var aging_stale_after_days, the definition of fct_lead_aging applied at the week's end.
-- MQL -> SQL is the share of the week's new MQLs that have reached SQL so far.
with

lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

sla as (
    select * from {{ ref('mart_sla_compliance') }}
    where sla_type = 'first_response' and breakdown = 'all'
),

statuses as (
    select * from {{ ref('fct_lead_status_history') }}
),

thresholds as (
    select * from {{ ref('aging_thresholds') }}
),

activities as (
    select * from {{ ref('int_activities__resolved') }}
),

horizon as (
    select {{ operations_horizon() }} as as_of
),

entries as (
    select
        cast({{ dbt.date_trunc('week', 'created_at') }} as date) as week_start,
        1 as new_leads,
        0 as mqls,
        0 as mqls_reaching_sql,
        0 as sqls,
        0 as opportunities
    from lifecycle
    union all
    select
        cast({{ dbt.date_trunc('week', 'mql_at') }} as date) as week_start,
        0 as new_leads,
        1 as mqls,
        case when sql_at is not null then 1 else 0 end as mqls_reaching_sql,
        0 as sqls,
        0 as opportunities
    from lifecycle
    where mql_at is not null
    union all
    select
        cast({{ dbt.date_trunc('week', 'sql_at') }} as date) as week_start,
        0 as new_leads,
        0 as mqls,
        0 as mqls_reaching_sql,
        1 as sqls,
        0 as opportunities
    from lifecycle
    where sql_at is not null
    union all
    select
        cast({{ dbt.date_trunc('week', 'opportunity_at') }} as date) as week_start,
        0 as new_leads,
        0 as mqls,
        0 as mqls_reaching_sql,
        0 as sqls,
        1 as opportunities
    from lifecycle
    where opportunity_at is not null
),

weekly_entries as (
    select
        week_start,
        sum(new_leads) as new_leads,
        sum(mqls) as mqls,
        sum(mqls_reaching_sql) as mqls_reaching_sql,
        sum(sqls) as sqls,
        sum(opportunities) as opportunities
    from entries
    group by week_start
),

weekly_wins as (
    select
        cast({{ dbt.date_trunc('week', 'closed_at') }} as date) as week_start,
        count(*) as won_deals,
        sum(amount_reporting) as won_revenue
    from deals
    where is_won
    group by cast({{ dbt.date_trunc('week', 'closed_at') }} as date)
),

-- Every week from the first with a new lead or a won deal to the week of the as-of time: a calendar, so a week
-- in which nobody entered a stage and nothing was won still reports its SLAs and stale leads (and zeros).
week_bounds as (
    select
        min(data_weeks.week_start) as first_week,
        cast({{ dbt.date_trunc('week', 'horizon.as_of') }} as date) as last_week
    from (
        select week_start from weekly_entries
        union
        select week_start from weekly_wins
    ) as data_weeks
    cross join horizon
    group by horizon.as_of
),

weeks as (
    select
        spine.week_start,
        least(cast({{ dbt.dateadd('day', 7, 'spine.week_start') }} as timestamp), horizon.as_of) as measured_at
    from ({{ week_spine('week_bounds', 'first_week', 'last_week') }}) as spine
    cross join horizon
),

-- Who is in an active status at each week's end, then (ASOF) their last activity by then.
active_at_week_end as (
    select
        weeks.week_start,
        weeks.measured_at,
        statuses.person_id
    from weeks
    inner join statuses
        on
            statuses.entered_at <= weeks.measured_at
            and (statuses.exited_at is null or statuses.exited_at > weeks.measured_at)
    inner join thresholds on statuses.lead_status = thresholds.lead_status
    where thresholds.is_active
),

stale as (
    select
        active_at_week_end.week_start,
        count(*) as stale_leads
    from active_at_week_end
    asof left join activities
        on
            active_at_week_end.person_id = activities.person_id
            and active_at_week_end.measured_at >= activities.occurred_at
    where
        activities.occurred_at is null
        or {{ dbt.datediff('activities.occurred_at', 'active_at_week_end.measured_at', 'second') }}
        >= {{ var('aging_stale_after_days') }} * 86400
    group by active_at_week_end.week_start
),

final as (
    select
        weeks.week_start,
        weeks.measured_at < cast({{ dbt.dateadd('day', 7, 'weeks.week_start') }} as timestamp) as is_partial_week,
        coalesce(weekly_entries.new_leads, 0) as new_leads,
        coalesce(weekly_entries.mqls, 0) as mqls,
        coalesce(weekly_entries.sqls, 0) as sqls,
        coalesce(weekly_entries.opportunities, 0) as opportunities,
        coalesce(weekly_wins.won_deals, 0) as won_deals,
        coalesce(weekly_wins.won_revenue, 0) as won_revenue,
        100.0 * weekly_entries.mqls_reaching_sql / nullif(weekly_entries.mqls, 0) as mql_to_sql_pct,
        sla.median_response_minutes as median_speed_to_lead_minutes,
        sla.compliance_pct as sla_compliance_pct,
        coalesce(stale.stale_leads, 0) as stale_leads,
        weeks.measured_at as stale_measured_at,
        {{ var('funnel_mql_to_sql_goal_pct') }} as mql_to_sql_goal_pct,
        '{{ var("reporting_currency") }}' as reporting_currency
    from weeks
    left join weekly_entries on weeks.week_start = weekly_entries.week_start
    left join weekly_wins on weeks.week_start = weekly_wins.week_start
    left join sla on weeks.week_start = sla.week_start
    left join stale on weeks.week_start = stale.week_start
)

select * from final
