{{ config(meta={'dagster': {'ref': {'name': 'fct_deals'}}}) }}
-- Every closed deal is in the win rates of every breakdown, every won deal's revenue and every open deal's
-- amount is in pipeline coverage, and every lost deal is in the loss reasons: no deal falls out of a mart.
-- Returns a row per figure that does not reconcile.
with

deals as (
    select
        count(*) filter (where is_closed) as closed_deals,
        count(*) filter (where is_won) as won_deals,
        coalesce(sum(amount_reporting) filter (where is_won), 0) as won_revenue,
        coalesce(sum(amount_reporting) filter (where is_open), 0) as open_pipeline,
        count(*) filter (where is_closed and not is_won) as lost_deals
    from {{ ref('fct_deals') }}
),

win_rates as (
    select
        breakdown,
        sum(closed_deals) as closed_deals,
        sum(won_deals) as won_deals,
        sum(won_revenue) as won_revenue
    from {{ ref('mart_win_rates') }}
    where period_grain = 'all_time'
    group by breakdown
),

coverage as (
    select
        coalesce(sum(won_revenue), 0) as won_revenue,
        coalesce(sum(won_deals), 0) as won_deals,
        coalesce(sum(open_pipeline), 0) as open_pipeline
    from {{ ref('mart_pipeline_coverage') }}
    where team = 'all'
),

losses as (
    select coalesce(sum(occurrences), 0) as lost_deals
    from {{ ref('mart_disqualification_and_loss_reasons') }}
    where reason_type = 'loss'
)

select
    'win rates by ' || win_rates.breakdown as figure,
    win_rates.closed_deals,
    win_rates.won_revenue
from win_rates
cross join deals
where
    win_rates.closed_deals != deals.closed_deals
    or win_rates.won_deals != deals.won_deals
    or win_rates.won_revenue != deals.won_revenue
union all
select
    'pipeline coverage' as figure,
    coverage.won_deals,
    coverage.won_revenue
from coverage
cross join deals
where
    coverage.won_revenue != deals.won_revenue
    or coverage.won_deals != deals.won_deals
    or coverage.open_pipeline != deals.open_pipeline
union all
select
    'loss reasons' as figure,
    losses.lost_deals,
    null as won_revenue
from losses
cross join deals
where losses.lost_deals != deals.lost_deals
