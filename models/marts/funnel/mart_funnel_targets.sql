-- Funnel targets against actuals per calendar month (seeds/funnel_targets.csv): persons entering each
-- stage in the month (the period view of fct_lead_lifecycle, as mart_funnel_flow by week), won deals
-- and won revenue closed in the month (fct_deals). Only months and metrics with a target appear. A month is
-- judged against its target only once it is over at the as-of time (operations_horizon): before that, a target
-- already reached is met, anything else is not decided yet (null), not missed.
{%- set stages = [('leads', 'created_at'), ('mqls', 'mql_at'), ('sals', 'sal_at'), ('sqls', 'sql_at'),
    ('opportunities', 'opportunity_at')] %}
with

lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

targets as (
    select * from {{ ref('funnel_targets') }}
),

horizon as (
    select {{ operations_horizon() }} as as_of
),

actuals as (
    {%- for metric, column in stages %}
        select
            '{{ metric }}' as metric,
            cast({{ dbt.date_trunc('month', column) }} as date) as month_start,
            cast(count(*) as decimal(18, 2)) as actual
        from lifecycle
        where {{ column }} is not null
        group by cast({{ dbt.date_trunc('month', column) }} as date)
        union all
    {%- endfor %}
    select
        'won_deals' as metric,
        cast({{ dbt.date_trunc('month', 'closed_at') }} as date) as month_start,
        cast(count(*) as decimal(18, 2)) as actual
    from deals
    where is_won
    group by cast({{ dbt.date_trunc('month', 'closed_at') }} as date)
    union all
    select
        'won_revenue' as metric,
        cast({{ dbt.date_trunc('month', 'closed_at') }} as date) as month_start,
        cast(sum(amount_reporting) as decimal(18, 2)) as actual
    from deals
    where is_won
    group by cast({{ dbt.date_trunc('month', 'closed_at') }} as date)
),

final as (
    select
        targets.month_start,
        targets.metric,
        targets.target,
        coalesce(actuals.actual, 0) as actual,
        coalesce(actuals.actual, 0) - targets.target as variance,
        100.0 * coalesce(actuals.actual, 0) / nullif(targets.target, 0) as attainment_pct,
        case
            when cast({{ dbt.dateadd('month', 1, 'targets.month_start') }} as timestamp) <= horizon.as_of
                then 'complete'
            when cast(targets.month_start as timestamp) <= horizon.as_of then 'in_progress'
            else 'not_started'
        end as period_status,
        case
            when coalesce(actuals.actual, 0) >= targets.target then true
            when cast({{ dbt.dateadd('month', 1, 'targets.month_start') }} as timestamp) <= horizon.as_of then false
        end as is_on_target
    from targets
    cross join horizon
    left join actuals on targets.month_start = actuals.month_start and targets.metric = actuals.metric
)

select * from final
