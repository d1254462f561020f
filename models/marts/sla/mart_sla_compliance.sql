-- SLA compliance by week (the week the clock started, Monday) and SLA type, broken down by rep, team,
-- lead source, tier, and overall (column `breakdown` says which; `breakdown_value` holds the rep id,
-- team, channel or tier). Compliance counts decided SLAs only (met / (met + breached)); speed-to-lead
-- is the median and 90th percentile of response minutes on the SLA's clock.
with

slas as (
    select * from {{ ref('fct_lead_sla') }}
),

leads as (
    select * from {{ ref('int_routing__leads') }}
),

enriched as (
    select
        slas.*,
        cast({{ dbt.date_trunc('week', 'slas.started_at') }} as date) as week_start,
        coalesce(leads.channel, 'unknown') as channel
    from slas
    inner join leads on slas.person_id = leads.person_id
),

grouped as (
    select
        week_start,
        sla_type,
        case
            when grouping(owner_id) = 0 then 'rep'
            when grouping(owner_team) = 0 then 'team'
            when grouping(channel) = 0 then 'source'
            when grouping(tier) = 0 then 'tier'
            else 'all'
        end as breakdown,
        coalesce(
            case when grouping(owner_id) = 0 then owner_id end,
            case when grouping(owner_team) = 0 then owner_team end,
            case when grouping(channel) = 0 then channel end,
            case when grouping(tier) = 0 then tier end,
            'all'
        ) as breakdown_value,
        count(*) as slas,
        count(*) filter (where sla_status = 'met') as met,
        count(*) filter (where sla_status = 'breached') as breached,
        count(*) filter (where sla_status = 'open') as still_open,
        count(*) filter (where responded_at is null) as unanswered,
        median(response_minutes) as median_response_minutes,
        quantile_cont(response_minutes, 0.9) as p90_response_minutes,
        count(*) filter (where is_escalation_triggered) as escalated,
        count(*) filter (where is_second_escalation_triggered) as escalated_twice
    from enriched
    group by grouping sets (
        (week_start, sla_type, owner_team, owner_id),
        (week_start, sla_type, owner_team),
        (week_start, sla_type, channel),
        (week_start, sla_type, tier),
        (week_start, sla_type)
    )
)

select
    week_start,
    sla_type,
    breakdown,
    breakdown_value,
    slas,
    met,
    breached,
    still_open,
    unanswered,
    case when met + breached > 0 then 100.0 * met / (met + breached) end as compliance_pct,
    median_response_minutes,
    p90_response_minutes,
    escalated,
    escalated_twice
from grouped
