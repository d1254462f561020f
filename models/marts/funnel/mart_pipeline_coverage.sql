-- Pipeline coverage by quarter and AE team against seeds/revenue_targets.csv: revenue won in the
-- quarter, what is left of the target, the open pipeline expected to close in the quarter, and coverage
-- = open pipeline / target left. An open deal without an expected close date counts in the quarter it
-- was created (and in undated_open_deals). The `all` team row adds up every team. Open means open in the
-- latest data (the current deal versions), so a quarter's open pipeline only changes as deals move.
with

deals as (
    select * from {{ ref('fct_deals') }}
),

targets as (
    select * from {{ ref('revenue_targets') }}
),

deal_facts as (
    select
        cast({{ dbt.date_trunc('quarter', 'closed_at') }} as date) as quarter_start,
        owner_team as team,
        amount_reporting as won_revenue,
        1 as won_deals,
        cast(0 as decimal(18, 2)) as open_pipeline,
        0 as open_deals,
        0 as undated_open_deals,
        cast(0 as decimal(18, 2)) as pipeline_created,
        cast(null as decimal(18, 2)) as revenue_target
    from deals
    where is_won
    union all
    select
        cast({{ dbt.date_trunc('quarter', 'coalesce(expected_close_date, cast(created_at as date))') }} as date) as quarter_start,
        owner_team as team,
        cast(0 as decimal(18, 2)) as won_revenue,
        0 as won_deals,
        amount_reporting as open_pipeline,
        1 as open_deals,
        case when expected_close_date is null then 1 else 0 end as undated_open_deals,
        cast(0 as decimal(18, 2)) as pipeline_created,
        null as revenue_target
    from deals
    where is_open
    union all
    select
        cast({{ dbt.date_trunc('quarter', 'created_at') }} as date) as quarter_start,
        owner_team as team,
        cast(0 as decimal(18, 2)) as won_revenue,
        0 as won_deals,
        cast(0 as decimal(18, 2)) as open_pipeline,
        0 as open_deals,
        0 as undated_open_deals,
        amount_reporting as pipeline_created,
        null as revenue_target
    from deals
    union all
    select
        quarter_start as quarter_start,
        team as team,
        cast(0 as decimal(18, 2)) as won_revenue,
        0 as won_deals,
        cast(0 as decimal(18, 2)) as open_pipeline,
        0 as open_deals,
        0 as undated_open_deals,
        cast(0 as decimal(18, 2)) as pipeline_created,
        revenue_target as revenue_target
    from targets
),

grouped as (
    select
        deal_facts.quarter_start,
        coalesce(deal_facts.team, 'all') as team,
        sum(deal_facts.revenue_target) as revenue_target,
        sum(deal_facts.won_revenue) as won_revenue,
        sum(deal_facts.won_deals) as won_deals,
        sum(deal_facts.open_pipeline) as open_pipeline,
        sum(deal_facts.open_deals) as open_deals,
        sum(deal_facts.undated_open_deals) as undated_open_deals,
        sum(deal_facts.pipeline_created) as pipeline_created
    from deal_facts
    group by grouping sets ((deal_facts.quarter_start, deal_facts.team), (deal_facts.quarter_start))
),

final as (
    select
        quarter_start,
        team,
        revenue_target,
        won_revenue,
        won_deals,
        100.0 * won_revenue / nullif(revenue_target, 0) as attainment_pct,
        greatest(revenue_target - won_revenue, 0) as remaining_target,
        open_pipeline,
        open_deals,
        undated_open_deals,
        open_pipeline / nullif(greatest(revenue_target - won_revenue, 0), 0) as coverage_ratio,
        pipeline_created
    from grouped
)

select * from final
