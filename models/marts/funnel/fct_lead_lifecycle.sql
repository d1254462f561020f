-- One row per real (non-spam) person: when they reached each funnel stage, Lead -> MQL -> SAL -> SQL ->
-- Opportunity -> Won (docs/funnel.md). Stages can be skipped. Out-of-order rule: every timestamp is kept as
-- recorded; a stage reached before an earlier stage of the funnel (say SQL set before the score made
-- the person an MQL) is listed in out_of_order_stages, still counts as reached, and durations that
-- come out negative are left out of the funnel medians.
{%- set segments = var('funnel_segments') %}
with

persons as (
    select * from {{ ref('dim_leads') }}
    where not is_spam
),

activities as (
    select * from {{ ref('int_activities__resolved') }}
),

deal_persons as (
    select * from {{ ref('int_deals__persons') }}
),

deals as (
    select * from {{ ref('stg_deals') }}
),

assignments as (
    select * from {{ ref('fct_lead_assignments') }}
    where is_current
),

events as (
    select
        persons.person_id,
        min(activities.occurred_at) filter (where activities.is_marketing_touch) as first_marketing_touch_at,
        min(activities.occurred_at) filter (
            where activities.is_rep_touch and activities.occurred_at >= persons.created_at
        ) as first_response_at,
        min(activities.occurred_at) filter (
            where activities.activity_type = 'status_change' and activities.new_status = 'MQL'
        ) as crm_mql_at,
        min(activities.occurred_at) filter (
            where activities.activity_type = 'sales_accepted'
            or (activities.activity_type = 'status_change' and activities.new_status = 'SAL')
        ) as sal_at,
        min(activities.occurred_at) filter (
            where activities.activity_type = 'status_change' and activities.new_status = 'SQL'
        ) as sql_at,
        min(activities.occurred_at) filter (
            where activities.activity_type = 'disqualified'
            or (activities.activity_type = 'status_change' and activities.new_status = 'Disqualified')
        ) as disqualified_at,
        arg_min(activities.reason, activities.occurred_at) filter (
            where activities.activity_type = 'disqualified'
            or (activities.activity_type = 'status_change' and activities.new_status = 'Disqualified')
        ) as disqualification_reason,
        min(activities.occurred_at) filter (
            where activities.activity_type = 'sales_rejected'
            or (
                activities.activity_type = 'status_change' and activities.new_status = 'In Nurture'
                and activities.occurred_at >= persons.mql_at
            )
        ) as recycled_at
    from persons
    inner join activities on persons.person_id = activities.person_id
    group by persons.person_id
),

person_deals as (
    select
        deal_persons.person_id,
        min(deals.created_at) as opportunity_at,
        arg_min(deal_persons.person_link_method, deals.created_at) as deal_link_method,
        count(*) as deals,
        min(coalesce(deals.closed_at, deals.updated_at)) filter (where deals.is_won) as won_at,
        case
            when count(*) filter (where deals.is_won) = 0 and bool_and(deals.is_closed)
                then max(coalesce(deals.closed_at, deals.updated_at))
        end as lost_at,
        arg_max(deals.lost_reason, coalesce(deals.closed_at, deals.updated_at)) filter (
            where deals.is_closed and not deals.is_won
        ) as loss_reason
    from deal_persons
    inner join deals on deal_persons.deal_key = deals.deal_key
    where deal_persons.person_id is not null
    group by deal_persons.person_id
),

stages as (
    select
        persons.person_id,
        persons.created_at,
        least(persons.created_at, events.first_marketing_touch_at) as first_touch_at,
        events.first_response_at,
        persons.mql_at,
        events.crm_mql_at,
        events.sal_at,
        events.sql_at,
        person_deals.opportunity_at,
        person_deals.won_at,
        person_deals.lost_at,
        person_deals.loss_reason,
        events.disqualified_at,
        events.disqualification_reason,
        events.recycled_at,
        person_deals.deal_link_method,
        coalesce(person_deals.deals, 0) as deals,
        persons.original_channel,
        persons.original_utm_campaign,
        persons.employee_count,
        persons.sales_region,
        persons.is_net_new,
        assignments.owner_team,
        assignments.owner_id
    from persons
    left join events on persons.person_id = events.person_id
    left join person_deals on persons.person_id = person_deals.person_id
    left join assignments on persons.person_id = assignments.person_id
),

final as (
    select
        person_id,
        created_at,
        first_touch_at,
        first_response_at,
        mql_at,
        crm_mql_at,
        sal_at,
        sql_at,
        opportunity_at,
        won_at,
        lost_at,
        loss_reason,
        disqualified_at,
        disqualification_reason,
        recycled_at,
        deal_link_method,
        deals,
        case
            when won_at is not null then 'Won'
            when opportunity_at is not null then 'Opportunity'
            when sql_at is not null then 'SQL'
            when sal_at is not null then 'SAL'
            when mql_at is not null then 'MQL'
            else 'Lead'
        end as furthest_stage,
        nullif(concat_ws(
            ',',
            case when mql_at < created_at then 'mql' end,
            case when sal_at < greatest(created_at, coalesce(mql_at, created_at)) then 'sal' end,
            case
                when sql_at < greatest(created_at, coalesce(mql_at, created_at), coalesce(sal_at, created_at))
                    then 'sql'
            end,
            case
                when opportunity_at < greatest(
                    created_at, coalesce(mql_at, created_at), coalesce(sal_at, created_at), coalesce(sql_at, created_at)
                ) then 'opportunity'
            end,
            case when won_at < coalesce(opportunity_at, created_at) then 'won' end
        ), '') as out_of_order_stages,
        coalesce(original_channel, 'Unknown') as channel,
        original_utm_campaign as campaign,
        case
            {%- for name, upper in segments %}
                {%- if upper is not none %}
                    when employee_count < {{ upper }} then '{{ name }}'
                {%- else %}
                    when employee_count is not null then '{{ name }}'
                {%- endif %}
            {%- endfor %}
            else 'Unknown'
        end as segment,
        sales_region,
        coalesce(owner_team, 'not routed') as team,
        owner_id,
        is_net_new
    from stages
)

select * from final
