-- Multi-touch attribution: one row per (deal, touch, model) with the touch's credit and its share of the
-- deal's amount and won revenue in the reporting currency (docs/attribution.md). Models and weights are
-- seeds/attribution_models.csv. Position-based models give each milestone touch its weight (a touch that
-- holds several milestones gets each one's weight) and share the other weight evenly among the other
-- touches; the raw weights are then scaled to sum to 1, which covers missing milestones and deals with
-- fewer touches than milestones. Money is split in cents by largest remainder, so every deal's
-- attributed amounts add up to its amount exactly. A deal without a touch gets one `No touch / direct`
-- row per model: no revenue is lost.
with

touches as (
    select * from {{ ref('int_attribution__touches') }}
),

models as (
    select * from {{ ref('attribution_models') }}
),

-- The deal amount in the reporting currency at the rate valid when it closed (or was created): fct_deals.
deal_amounts as (
    select
        deal_key,
        is_won,
        currency,
        fx_rate,
        amount_reporting_cents as amount_cents
    from {{ ref('fct_deals') }}
),

model_touches as (
    select
        touches.deal_key,
        touches.touch_key,
        touches.activity_type,
        touches.occurred_at,
        touches.channel,
        touches.campaign,
        touches.landing_page,
        touches.utm_source,
        touches.utm_medium,
        touches.is_first_touch,
        touches.is_lead_creation_touch,
        touches.is_mql_touch,
        touches.is_opportunity_touch,
        touches.is_closed_won_touch,
        touches.days_before_opportunity,
        models.attribution_model,
        models.method,
        coalesce(models.first_touch_weight, 0) * cast(touches.is_first_touch as int)
        + coalesce(models.lead_creation_weight, 0) * cast(touches.is_lead_creation_touch as int)
        + coalesce(models.opportunity_weight, 0) * cast(touches.is_opportunity_touch as int)
        + coalesce(models.closed_won_weight, 0) * cast(touches.is_closed_won_touch as int) as milestone_weight,
        models.other_weight
    from touches
    inner join models on touches.is_before_opportunity or models.method = 'position' and models.closed_won_weight > 0
),

raw_weights as (
    select
        *,
        case method
            when 'first_touch' then cast(is_first_touch as int)
            when 'last_touch' then cast(is_opportunity_touch as int)
            when 'linear' then 1.0
            when 'time_decay' then pow(0.5, days_before_opportunity / {{ var('attribution_half_life_days') }})
            when 'position' then
                case
                    when milestone_weight > 0 then milestone_weight
                    else other_weight / count(*) filter (where milestone_weight = 0) over (
                        partition by deal_key, attribution_model
                    )
                end
        end as raw_weight
    from model_touches
),

credited as (
    select
        *,
        raw_weight / sum(raw_weight) over (partition by deal_key, attribution_model) as credit
    from raw_weights
),

no_touch as (
    select
        deal_amounts.deal_key,
        'none:' || deal_amounts.deal_key as touch_key,
        cast(null as varchar) as activity_type,
        cast(null as timestamp) as occurred_at,
        'No touch / direct' as channel,
        cast(null as varchar) as campaign,
        cast(null as varchar) as landing_page,
        cast(null as varchar) as utm_source,
        cast(null as varchar) as utm_medium,
        false as is_first_touch,
        false as is_lead_creation_touch,
        false as is_mql_touch,
        false as is_opportunity_touch,
        false as is_closed_won_touch,
        cast(null as double) as days_before_opportunity,
        models.attribution_model,
        models.method,
        1.0 as credit
    from deal_amounts
    cross join models
    where not exists (
        select 1 from credited
        where credited.deal_key = deal_amounts.deal_key and credited.attribution_model = models.attribution_model
    )
),

all_credits as (
    select
        deal_key,
        touch_key,
        activity_type,
        occurred_at,
        channel,
        campaign,
        landing_page,
        utm_source,
        utm_medium,
        is_first_touch,
        is_lead_creation_touch,
        is_mql_touch,
        is_opportunity_touch,
        is_closed_won_touch,
        days_before_opportunity,
        attribution_model,
        method,
        credit
    from credited
    union all
    select * from no_touch
),

-- Largest remainder: floor every share of the cents, then give the cents left to the largest remainders.
-- A share is rounded to a millionth of a cent first: credits are floating point, and a sum over touches
-- may come out a few ulps apart from one build to the next, which must not move a cent (0.5999... vs 0.6).
exact_cents as (
    select
        all_credits.*,
        deal_amounts.is_won,
        deal_amounts.currency,
        deal_amounts.fx_rate,
        deal_amounts.amount_cents,
        round(all_credits.credit * deal_amounts.amount_cents, 6) as share_cents
    from all_credits
    inner join deal_amounts on all_credits.deal_key = deal_amounts.deal_key
),

cents as (
    select
        *,
        floor(share_cents) as floor_cents,
        share_cents - floor(share_cents) as remainder_cents
    from exact_cents
),

allocated as (
    select
        *,
        floor_cents + case
            when
                row_number() over (
                    partition by deal_key, attribution_model order by remainder_cents desc, touch_key asc
                ) <= amount_cents - sum(floor_cents) over (partition by deal_key, attribution_model)
                then 1
            else 0
        end as attributed_cents
    from cents
),

final as (
    select
        deal_key || ':' || touch_key || ':' || attribution_model as credit_id,
        deal_key,
        touch_key,
        attribution_model,
        method,
        activity_type as touch_type,
        occurred_at as touched_at,
        channel,
        campaign,
        landing_page,
        utm_source,
        utm_medium,
        is_first_touch,
        is_lead_creation_touch,
        is_mql_touch,
        is_opportunity_touch,
        is_closed_won_touch,
        days_before_opportunity,
        credit,
        currency as deal_currency,
        fx_rate,
        cast(attributed_cents / 100.0 as decimal(18, 2)) as attributed_amount,
        case when is_won then cast(attributed_cents / 100.0 as decimal(18, 2)) else 0 end as attributed_revenue,
        is_won
    from allocated
)

select * from final
