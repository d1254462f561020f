-- Every point a rule gives a person, one row per (person, model version, rule, moment it takes effect).
-- Fit rules apply from the time the attribute was known; activity rules from the activity, decaying with
-- the rule's half-life and withdrawn when its lookback ends (a negative row at expiry, same decay);
-- the inactivity rule applies from the moment the person has gone the rule's number of days without
-- engaging, and is withdrawn at the next engagement. Nothing later than the scoring horizon exists.
with

rules as (
    select * from {{ ref('scoring_rules') }}
),

models as (
    select * from {{ ref('scoring_models') }}
    where model_type = 'rules'
),

attributes as (
    select * from {{ ref('int_persons__fit_attributes') }}
),

-- Read twice (rule hits, engagements): not materialized, or DuckDB caches every column of every activity
-- first (L: 20M rows; 17.3-20.9 s instead of 19.0-25.2 s for this model, measured alternating outside dbt).
activities as not materialized (
    select * from {{ ref('int_activities__resolved') }}
    where person_id is not null
),

persons as (
    select * from {{ ref('int_persons__enriched') }}
    where not is_spam
),

horizon as (
    select {{ scoring_horizon() }} as horizon_at
),

rule_set as (
    select rules.*
    from rules
    inner join models on rules.model_version = models.model_version
),

fit_contributions as (
    select
        attributes.person_id,
        rule_set.model_version,
        rule_set.rule_id,
        rule_set.track,
        rule_set.points,
        attributes.known_at as event_at,
        attributes.known_at as effective_at,
        cast(null as double) as half_life_days
    from attributes
    inner join rule_set
        on
            attributes.attribute = rule_set.attribute
            and rule_set.activity_type is null
    where {{ rule_matches('rule_set.operator', 'rule_set.value', 'attributes.value_text', 'attributes.value_number') }}
),

activity_hits as (
    select
        activities.person_id,
        rule_set.model_version,
        rule_set.rule_id,
        rule_set.track,
        rule_set.points,
        rule_set.lookback_days,
        rule_set.half_life_days,
        activities.occurred_at as event_at
    from activities
    inner join rule_set on activities.activity_type = rule_set.activity_type
    where
        rule_set.attribute is null
        or {{ rule_matches(
            'rule_set.operator',
            'rule_set.value',
            "case rule_set.attribute
                when 'page_url' then activities.page_url
                when 'channel' then activities.channel
                when 'direction' then activities.direction
                when 'outcome' then activities.outcome
                when 'utm_source' then activities.utm_source
                when 'utm_medium' then activities.utm_medium
                when 'utm_campaign' then activities.utm_campaign
                when 'reason' then activities.reason
                when 'rating' then cast(activities.rating as varchar)
            end",
            "case rule_set.attribute when 'rating' then cast(activities.rating as double) end"
        ) }}
),

activity_contributions as (
    select
        person_id,
        model_version,
        rule_id,
        track,
        points,
        event_at,
        event_at as effective_at,
        half_life_days
    from activity_hits

    union all

    select
        person_id,
        model_version,
        rule_id,
        track,
        -points as points,
        event_at,
        {{ dbt.dateadd('day', 'cast(lookback_days as integer)', 'event_at') }} as effective_at,
        half_life_days
    from activity_hits
    where lookback_days is not null
),

-- Engagement: anything the person did (marketing touches and engagement activities) from creation on,
-- with creation itself as the first. Kept with duplicates (union all): two engagements at the same moment
-- leave a zero-length gap that no inactivity rule (a threshold of zero days or more) can match, so
-- removing them would only cost a hash aggregate over every engagement (M: 1.43 s -> 1.14 s, same rows).
engagements as (
    select
        activities.person_id,
        activities.occurred_at as engaged_at
    from activities
    inner join persons on activities.person_id = persons.person_id
    where
        (activities.is_marketing_touch or activities.activity_category = 'engagement')
        and activities.occurred_at >= persons.created_at

    union all

    select
        person_id,
        created_at as engaged_at
    from persons
),

engagement_gaps as (
    select
        person_id,
        engaged_at,
        lead(engaged_at) over (partition by person_id order by engaged_at) as next_engaged_at
    from engagements
),

inactivity_rules as (
    select
        *,
        cast(value as double) as days_threshold
    from rule_set
    where attribute = 'days_without_engagement'
),

inactivity_contributions as (
    select
        engagement_gaps.person_id,
        inactivity_rules.model_version,
        inactivity_rules.rule_id,
        inactivity_rules.track,
        inactivity_rules.points,
        {{ dbt.dateadd('second', 'cast(inactivity_rules.days_threshold * 86400 as bigint)', 'engagement_gaps.engaged_at') }}
            as event_at,
        {{ dbt.dateadd('second', 'cast(inactivity_rules.days_threshold * 86400 as bigint)', 'engagement_gaps.engaged_at') }}
            as effective_at,
        cast(null as double) as half_life_days
    from engagement_gaps
    cross join inactivity_rules
    where
        engagement_gaps.next_engaged_at is null
        or engagement_gaps.next_engaged_at
        > {{ dbt.dateadd('second', 'cast(inactivity_rules.days_threshold * 86400 as bigint)', 'engagement_gaps.engaged_at') }}

    union all

    select
        engagement_gaps.person_id,
        inactivity_rules.model_version,
        inactivity_rules.rule_id,
        inactivity_rules.track,
        -inactivity_rules.points as points,
        engagement_gaps.next_engaged_at as event_at,
        engagement_gaps.next_engaged_at as effective_at,
        cast(null as double) as half_life_days
    from engagement_gaps
    cross join inactivity_rules
    where
        engagement_gaps.next_engaged_at
        > {{ dbt.dateadd('second', 'cast(inactivity_rules.days_threshold * 86400 as bigint)', 'engagement_gaps.engaged_at') }}
),

-- Every scored person has a score from the moment it is created, even when no rule applies yet.
baseline as (
    select
        persons.person_id,
        models.model_version,
        'lead_created' as rule_id,
        'fit' as track,
        0 as points,
        persons.created_at as event_at,
        persons.created_at as effective_at,
        cast(null as double) as half_life_days
    from persons
    cross join models
),

combined as (
    select * from baseline
    union all
    select * from fit_contributions
    union all
    select * from activity_contributions
    union all
    select * from inactivity_contributions
),

final as (
    select
        combined.person_id,
        combined.model_version,
        combined.rule_id,
        combined.track,
        cast(combined.points as double) as points,
        combined.event_at,
        -- a lead has no score before it exists: earlier evidence counts from its creation
        greatest(combined.effective_at, persons.created_at) as effective_at,
        combined.half_life_days,
        persons.created_at as person_created_at
    from combined
    inner join persons on combined.person_id = persons.person_id
    cross join horizon
    where combined.effective_at <= horizon.horizon_at
)

select * from final
