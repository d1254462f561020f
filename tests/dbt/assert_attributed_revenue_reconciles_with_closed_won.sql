{{ config(meta={'dagster': {'ref': {'name': 'fct_attribution_credit'}}}) }}
-- Attributed revenue per model equals the closed-won revenue exactly (in cents), recomputed here from the
-- deals and the dated rates; and every closed-won deal appears under every model.
with

won as (
    select
        deals.deal_key,
        round(
            coalesce(deals.amount, 0) * case
                when deals.currency = '{{ var("reporting_currency") }}' then 1
                else (
                    select max_by(fx_rates.rate_to_reporting, fx_rates.valid_from)
                    from {{ ref('fx_rates') }} as fx_rates
                    where
                        fx_rates.currency = deals.currency
                        -- the day it closed: its close time, or the time of the version that closed it
                        and fx_rates.valid_from <= cast(coalesce(deals.closed_at, deals.updated_at) as date)
                )
            end,
            2
        ) as revenue
    from {{ ref('stg_deals') }} as deals
    where deals.is_won
),

models as (
    select attribution_model from {{ ref('attribution_models') }}
),

attributed as (
    select
        attribution_model,
        sum(attributed_revenue) as revenue
    from {{ ref('fct_attribution_credit') }}
    group by attribution_model
),

missing as (
    select
        models.attribution_model,
        won.deal_key
    from won
    cross join models
    where not exists (
        select 1 from {{ ref('fct_attribution_credit') }} as credits
        where credits.deal_key = won.deal_key and credits.attribution_model = models.attribution_model
    )
)

select
    models.attribution_model,
    'revenue differs' as problem,
    coalesce(attributed.revenue, 0) as attributed_revenue,
    (select coalesce(sum(revenue), 0) from won) as closed_won_revenue
from models
left join attributed on models.attribution_model = attributed.attribution_model
where coalesce(attributed.revenue, 0) != (select coalesce(sum(revenue), 0) from won)
union all
select
    attribution_model,
    'closed-won deal missing: ' || deal_key as problem,
    null as attributed_revenue,
    null as closed_won_revenue
from missing
