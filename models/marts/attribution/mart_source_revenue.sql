-- Revenue, pipeline and deals by channel, campaign and landing page under every attribution model, plus
-- `original_lead_source`: each deal credited wholly to the original source of its person (the lead's
-- first recorded source, carried from lead to opportunity to closed deal). Amounts are in the
-- reporting currency; each model's revenue adds up to the closed-won total.
with

credits as (
    select * from {{ ref('fct_attribution_credit') }}
),

deals as (
    select * from {{ ref('stg_deals') }}
),

deal_persons as (
    select * from {{ ref('int_deals__persons') }}
),

persons as (
    select * from {{ ref('dim_leads') }}
),

credited as (
    select
        credits.attribution_model,
        credits.channel,
        credits.campaign,
        credits.landing_page,
        credits.deal_key,
        credits.credit,
        credits.attributed_amount,
        credits.attributed_revenue,
        deals.is_closed,
        deals.is_won
    from credits
    inner join deals on credits.deal_key = deals.deal_key
),

-- Each deal once, with its amount in the reporting currency (the sum of any one model's shares).
deal_totals as (
    select
        deal_key,
        any_value(is_closed) as is_closed,
        any_value(is_won) as is_won,
        sum(attributed_amount) as amount,
        sum(attributed_revenue) as revenue
    from credited
    group by deal_key, attribution_model
    qualify row_number() over (partition by deal_key order by attribution_model) = 1
),

original_sources as (
    select
        'original_lead_source' as attribution_model,
        coalesce(persons.original_channel, case when persons.person_id is null then 'No lead' else 'Unknown' end)
            as channel,
        persons.original_utm_campaign as campaign,
        persons.original_landing_page as landing_page,
        deal_totals.deal_key,
        1.0 as credit,
        deal_totals.amount as attributed_amount,
        deal_totals.revenue as attributed_revenue,
        deal_totals.is_closed,
        deal_totals.is_won
    from deal_totals
    left join deal_persons on deal_totals.deal_key = deal_persons.deal_key
    left join persons on deal_persons.person_id = persons.person_id
),

all_rows as (
    select * from credited
    union all
    select * from original_sources
),

final as (
    select
        attribution_model,
        channel,
        campaign,
        landing_page,
        sum(credit) as attributed_deals,
        sum(credit) filter (where is_won) as attributed_won_deals,
        sum(attributed_revenue) as attributed_revenue,
        coalesce(sum(attributed_amount) filter (where not is_closed), 0) as attributed_open_pipeline,
        sum(attributed_amount) as attributed_pipeline,
        count(distinct deal_key) as deals_touched
    from all_rows
    group by attribution_model, channel, campaign, landing_page
)

select
    attribution_model,
    channel,
    campaign,
    landing_page,
    attributed_deals,
    attributed_won_deals,
    attributed_revenue,
    attributed_open_pipeline,
    attributed_pipeline,
    deals_touched
from final
