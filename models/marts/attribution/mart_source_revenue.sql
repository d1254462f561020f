-- Revenue, pipeline and deals by channel, campaign and landing page under every attribution model, plus
-- `original_lead_source`: each deal credited wholly to the original source of its person (the lead's
-- first recorded source, carried from lead to opportunity to closed deal). Amounts are in the
-- reporting currency; each model's revenue adds up to the closed-won total.
with

credits as (
    select * from {{ ref('fct_attribution_credit') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
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

original_sources as (
    select
        'original_lead_source' as attribution_model,
        coalesce(persons.original_channel, case when persons.person_id is null then 'No lead' else 'Unknown' end)
            as channel,
        persons.original_utm_campaign as campaign,
        persons.original_landing_page as landing_page,
        deals.deal_key,
        1.0 as credit,
        deals.amount_reporting as attributed_amount,
        case when deals.is_won then deals.amount_reporting else 0 end as attributed_revenue,
        deals.is_closed,
        deals.is_won
    from deals
    left join persons on deals.person_id = persons.person_id
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
