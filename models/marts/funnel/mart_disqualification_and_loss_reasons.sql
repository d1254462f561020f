-- Why leads are disqualified and why deals are lost, by the month it happened, source channel and
-- segment: each person's first disqualification (fct_lead_lifecycle) and each closed-lost deal
-- (fct_deals, with the amount lost). share_pct is the reason's share of that kind in that month across
-- all channels and segments. A missing reason is counted as `(none given)`, never dropped.
with

lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

reasons as (
    select
        'disqualification' as reason_type,
        coalesce(disqualification_reason, '(none given)') as reason,
        disqualified_at as occurred_at,
        channel,
        segment,
        cast(0 as decimal(18, 2)) as amount_reporting
    from lifecycle
    where disqualified_at is not null
    union all
    select
        'loss' as reason_type,
        coalesce(lost_reason, '(none given)') as reason,
        closed_at as occurred_at,
        channel,
        segment,
        amount_reporting
    from deals
    where is_closed and not is_won
),

grouped as (
    select
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as month_start,
        reason_type,
        reason,
        channel,
        segment,
        count(*) as occurrences,
        sum(amount_reporting) as amount_lost
    from reasons
    group by cast({{ dbt.date_trunc('month', 'occurred_at') }} as date), reason_type, reason, channel, segment
),

final as (
    select
        month_start,
        reason_type,
        reason,
        channel,
        segment,
        occurrences,
        100.0 * sum(occurrences) over (partition by month_start, reason_type, reason)
        / sum(occurrences) over (partition by month_start, reason_type) as share_pct,
        case when reason_type = 'loss' then amount_lost end as amount_lost
    from grouped
)

select * from final
