-- One row per deal (current version): its person and how it was linked, the person's original source,
-- segment and region, the owning AE and team, the amount in the reporting currency at the dated rate
-- valid when the deal closed (or was created while open), and the sales cycle. The base of the win-rate,
-- pipeline and reason marts and of the attribution amounts, so every mart converts money the same way.
with

deals as (
    select * from {{ ref('stg_deals') }}
),

deal_persons as (
    select * from {{ ref('int_deals__persons') }}
),

lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
),

reps as (
    select * from {{ ref('reps') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

converted as (
    select
        deals.*,
        case when deals.is_closed then coalesce(deals.closed_at, deals.updated_at) end as deal_closed_at,
        case
            when deals.currency = '{{ var("reporting_currency") }}' then cast(1 as decimal(18, 6))
            else cast(fx_rates.rate_to_reporting as decimal(18, 6))
        end as fx_rate
    from deals
    asof left join fx_rates
        on
            deals.currency = fx_rates.currency
            -- the rate of the day the deal closed (its close time as deal_closed_at below), or was created while open
            and cast(
                coalesce(
                    case when deals.is_closed then coalesce(deals.closed_at, deals.updated_at) end, deals.created_at
                ) as date
            ) >= fx_rates.valid_from
),

final as (
    select
        converted.deal_key,
        converted.deal_id,
        converted.source_system,
        deal_persons.person_id,
        deal_persons.person_link_method,
        converted.created_at,
        converted.deal_closed_at as closed_at,
        converted.updated_at,
        converted.deal_stage,
        converted.stage_order,
        converted.is_closed,
        converted.is_won,
        not converted.is_closed as is_open,
        converted.deal_type,
        converted.lost_reason,
        converted.expected_close_date,
        converted.owner_id,
        reps.rep_name as owner_name,
        coalesce(reps.team, 'unknown') as owner_team,
        converted.amount,
        converted.currency,
        converted.fx_rate,
        cast(round(coalesce(converted.amount, 0) * converted.fx_rate * 100) as bigint) as amount_reporting_cents,
        cast(round(coalesce(converted.amount, 0) * converted.fx_rate, 2) as decimal(18, 2)) as amount_reporting,
        {{ dbt.datediff('converted.created_at', 'converted.deal_closed_at', 'second') }} / 86400.0
            as sales_cycle_days,
        case when deal_persons.person_id is null then 'No lead' else coalesce(lifecycle.channel, 'Unknown') end
            as channel,
        lifecycle.campaign,
        coalesce(lifecycle.segment, 'Unknown') as segment,
        lifecycle.sales_region
    from converted
    left join deal_persons on converted.deal_key = deal_persons.deal_key
    left join lifecycle on deal_persons.person_id = lifecycle.person_id
    left join reps on converted.owner_id = reps.rep_id
)

select * from final
