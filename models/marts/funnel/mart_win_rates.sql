-- Win rate and sales cycle of closed deals, by the quarter they closed in and over all time, overall and
-- broken down by segment, rep (the owning AE) and source (the original lead source channel). Win rate is
-- won / (won + lost); the sales cycle is the days from deal creation to close (median, and p75 for won
-- deals). Amounts are in the reporting currency (fct_deals).
{%- set breakdowns = [('all', "'all'"), ('segment', 'segment'), ('rep', "coalesce(owner_id, 'unknown')"),
    ('source', 'channel')] %}
with

closed_deals as (
    select * from {{ ref('fct_deals') }}
    where is_closed
),

broken_down as (
    {%- for name, expression in breakdowns %}
        select
            '{{ name }}' as breakdown,
            {{ expression }} as breakdown_value,
            closed_at,
            is_won,
            amount,
            amount_reporting,
            sales_cycle_days
        from closed_deals
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

periods as (
    select
        'quarter' as period_grain,
        cast({{ dbt.date_trunc('quarter', 'closed_at') }} as date) as period_start,
        *
    from broken_down
    union all
    select
        'all_time' as period_grain,
        cast(null as date) as period_start,
        *
    from broken_down
),

final as (
    select
        period_grain,
        period_start,
        breakdown,
        breakdown_value,
        count(*) as closed_deals,
        count(*) filter (where is_won) as won_deals,
        count(*) filter (where not is_won) as lost_deals,
        100.0 * count(*) filter (where is_won) / count(*) as win_rate_pct,
        coalesce(sum(amount_reporting) filter (where is_won), 0) as won_revenue,
        avg(amount_reporting) filter (where is_won and amount is not null) as average_won_deal_size,
        median(sales_cycle_days) filter (where is_won) as median_sales_cycle_days_won,
        quantile_cont(sales_cycle_days, 0.75) filter (where is_won) as p75_sales_cycle_days_won,
        median(sales_cycle_days) as median_days_to_close
    from periods
    group by period_grain, period_start, breakdown, breakdown_value
)

select * from final
