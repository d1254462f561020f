-- The marketing touches of each deal's person, one row per (deal, touch), with the milestones the
-- position-based models weight (docs/attribution.md):
-- - window: touches from var attribution_lookback_days before the opportunity was created up to its
--   creation; for won deals also the touches up to the close (is_before_opportunity = false), which only
--   the full-path model reads;
-- - lead creation: the person's arrival touch (the marketing activity nearest the creation within
--   var routing_arrival_window_minutes, a form rather than the ad click before it), or, when no activity
--   records it, a touch made from the lead's own source fields;
-- - channel: seeds/touch_channel_rules.csv by priority (UTM first, then activity type); an arrival touch
--   without UTM keeps the lead's original channel; else Direct.
with

deals as (
    select * from {{ ref('stg_deals') }}
),

deal_persons as (
    select * from {{ ref('int_deals__persons') }}
),

persons as (
    select * from {{ ref('dim_leads') }}
),

activities as (
    select * from {{ ref('int_activities__resolved') }}
),

channel_rules as (
    select * from {{ ref('touch_channel_rules') }}
),

linked_deals as (
    select
        deals.deal_key,
        deals.created_at as opportunity_at,
        deals.is_won,
        deals.closed_at,
        deal_persons.person_id,
        {{ dbt.dateadd('day', -var('attribution_lookback_days'), 'deals.created_at') }} as window_start_at,
        case
            when deals.is_won then greatest(coalesce(deals.closed_at, deals.created_at), deals.created_at)
            else deals.created_at
        end as window_end_at
    from deals
    inner join deal_persons on deals.deal_key = deal_persons.deal_key
    where deal_persons.person_id is not null
),

person_touches as (
    select
        persons.person_id,
        activities.activity_key as touch_key,
        activities.activity_type,
        activities.occurred_at,
        activities.utm_source,
        activities.utm_medium,
        activities.utm_campaign,
        activities.page_url,
        -- the arrival touch: nearest the creation, a form rather than the ad click that led to it
        row_number() over (
            partition by persons.person_id
            order by
                activities.activity_type = 'paid_click',
                abs({{ dbt.datediff('persons.created_at', 'activities.occurred_at', 'second') }}),
                activities.occurred_at,
                activities.activity_key
        ) = 1
        and abs({{ dbt.datediff('persons.created_at', 'activities.occurred_at', 'second') }})
        <= {{ var('routing_arrival_window_minutes') }} * 60 as is_arrival_candidate
    from persons
    inner join activities on persons.person_id = activities.person_id
    where activities.is_marketing_touch and persons.person_id in (select person_id from linked_deals)
),

arrivals as (
    select person_id from person_touches
    where is_arrival_candidate
),

-- Persons whose arrival no activity records get a touch from their own source fields.
source_touches as (
    select
        persons.person_id,
        'lead:' || persons.person_id as touch_key,
        'lead_created' as activity_type,
        persons.created_at as occurred_at,
        persons.original_utm_source as utm_source,
        persons.original_utm_medium as utm_medium,
        persons.original_utm_campaign as utm_campaign,
        persons.original_landing_page as page_url,
        true as is_arrival_candidate
    from persons
    where
        persons.person_id in (select person_id from linked_deals)
        and persons.person_id not in (select person_id from arrivals)
),

all_touches as (
    select * from person_touches
    union all
    select * from source_touches
),

channelled as (
    select
        all_touches.*,
        persons.original_channel,
        persons.mql_at,
        (
            select min_by(channel_rules.channel, channel_rules.priority)
            from channel_rules
            where
                coalesce(channel_rules.utm_mediums, channel_rules.utm_sources, channel_rules.activity_types) is not null
                and {{ pipe_list_allows('channel_rules.utm_mediums', 'all_touches.utm_medium') }}
                and {{ pipe_list_allows('channel_rules.utm_sources', 'all_touches.utm_source') }}
                and {{ pipe_list_allows('channel_rules.activity_types', 'all_touches.activity_type') }}
        ) as rule_channel
    from all_touches
    inner join persons on all_touches.person_id = persons.person_id
),

windowed as (
    select
        linked_deals.deal_key,
        linked_deals.person_id,
        linked_deals.opportunity_at,
        linked_deals.closed_at,
        linked_deals.is_won,
        channelled.touch_key,
        channelled.activity_type,
        channelled.occurred_at,
        channelled.is_arrival_candidate as is_lead_creation_touch,
        channelled.occurred_at <= linked_deals.opportunity_at as is_before_opportunity,
        case
            when channelled.is_arrival_candidate and channelled.utm_medium is null and channelled.utm_source is null
                then coalesce(channelled.original_channel, channelled.rule_channel, 'Direct')
            else coalesce(channelled.rule_channel, 'Direct')
        end as channel,
        channelled.mql_at,
        channelled.utm_source,
        channelled.utm_medium,
        channelled.utm_campaign as campaign,
        channelled.page_url as landing_page,
        {{ dbt.datediff('channelled.occurred_at', 'linked_deals.opportunity_at', 'second') }} / 86400.0
            as days_before_opportunity
    from linked_deals
    inner join channelled
        on
            linked_deals.person_id = channelled.person_id
            and channelled.occurred_at >= linked_deals.window_start_at
            and channelled.occurred_at <= linked_deals.window_end_at
),

final as (
    select
        *,
        row_number() over (
            partition by deal_key, is_before_opportunity order by occurred_at, touch_key
        ) = 1 and is_before_opportunity as is_first_touch,
        row_number() over (
            partition by deal_key, is_before_opportunity order by occurred_at desc, touch_key desc
        ) = 1 and is_before_opportunity as is_opportunity_touch,
        row_number() over (
            partition by deal_key, is_before_opportunity and occurred_at <= mql_at
            order by occurred_at desc, touch_key desc
        ) = 1 and is_before_opportunity and coalesce(occurred_at <= mql_at, false) as is_mql_touch,
        row_number() over (partition by deal_key order by occurred_at desc, touch_key desc) = 1
        and is_won as is_closed_won_touch
    from windowed
)

select * from final
