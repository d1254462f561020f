{{ config(severity='error', meta={'dagster': {'ref': {'name': 'routing_rules'}}}) }}
-- The rules RevOps edits (seeds/) refer to each other by name: a routing rule to a team, a band or an SLA
-- tier to a score band, a scoring rule to an activity type or attribute. A typo there never errors in
-- the models; it silently never matches (a region's leads all go to the fallback queue, the hot leads
-- lose their band and their 5-minute SLA). Each row is one such problem: the seed file, the row's key,
-- the column, the value found and what was expected. leadflow's run summary shows the first rows.

with

reps as (
    select * from {{ ref('reps') }}
),

routing_rules as (
    select * from {{ ref('routing_rules') }}
),

score_bands as (
    select * from {{ ref('score_bands') }}
),

scoring_models as (
    select * from {{ ref('scoring_models') }}
),

scoring_rules as (
    select * from {{ ref('scoring_rules') }}
),

sla_policies as (
    select * from {{ ref('sla_policies') }}
),

activity_type_map as (
    select * from {{ ref('activity_type_map') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

attribution_models as (
    select * from {{ ref('attribution_models') }}
),

holidays as (
    select * from {{ ref('holidays') }}
),

attribution_weights as (
    select
        attribution_model,
        'first_touch_weight' as column_name,
        first_touch_weight as weight
    from attribution_models
    union all
    select
        attribution_model,
        'lead_creation_weight' as column_name,
        lead_creation_weight as weight
    from attribution_models
    union all
    select
        attribution_model,
        'opportunity_weight' as column_name,
        opportunity_weight as weight
    from attribution_models
    union all
    select
        attribution_model,
        'closed_won_weight' as column_name,
        closed_won_weight as weight
    from attribution_models
    union all
    select
        attribution_model,
        'other_weight' as column_name,
        other_weight as weight
    from attribution_models
),

-- the keys staging looks exports up by (macro map_key: lower-cased, trimmed)
map_keys as (
    select
        'country_aliases.csv' as seed_file,
        'alias' as column_name,
        alias as map_key
    from {{ ref('country_aliases') }}
    union all
    select
        'activity_type_map.csv' as seed_file,
        'source_value' as column_name,
        source_value as map_key
    from activity_type_map
    union all
    select
        'deal_stage_map.csv' as seed_file,
        'source_value' as column_name,
        source_value as map_key
    from {{ ref('deal_stage_map') }}
    union all
    select
        'industry_map.csv' as seed_file,
        'source_value' as column_name,
        source_value as map_key
    from {{ ref('industry_map') }}
    union all
    select
        'lead_source_map.csv' as seed_file,
        'source_value' as column_name,
        source_value as map_key
    from {{ ref('lead_source_map') }}
),

canonical_types as (
    select distinct activity_type from activity_type_map
),

band_names as (
    select distinct lower(band) as band from score_bands
),

-- the names rules take from other seeds, one row per name (pipe-separated condition lists split)
listed_bands as (
    select
        'routing_rules.csv' as seed_file,
        rule_id as row_key,
        trim(unnest(string_split(lower(score_bands), '|'))) as band
    from routing_rules
    where score_bands is not null
    union all
    select
        'sla_policies.csv' as seed_file,
        tier as row_key,
        trim(unnest(string_split(lower(score_bands), '|'))) as band
    from sla_policies
    where score_bands is not null
),

listed_activity_types as (
    select
        'sla_policies.csv' as seed_file,
        tier as row_key,
        'arrival_types' as column_name,
        trim(unnest(string_split(arrival_types, '|'))) as activity_type
    from sla_policies
    where arrival_types is not null
    union all
    select
        'scoring_rules.csv' as seed_file,
        model_version || ' ' || rule_id as row_key,
        'activity_type' as column_name,
        activity_type
    from scoring_rules
    where activity_type is not null
),

listed_versions as (
    select
        'score_bands.csv' as seed_file,
        model_version || ' ' || band as row_key,
        model_version
    from score_bands
    union all
    select
        'scoring_rules.csv' as seed_file,
        model_version || ' ' || rule_id as row_key,
        model_version
    from scoring_rules
),

ordered_bands as (
    select
        model_version,
        band,
        min_score,
        max_score,
        lag(max_score) over (partition by model_version order by min_score nulls first) as previous_max,
        row_number() over (partition by model_version order by min_score nulls first) as position,
        count(*) over (partition by model_version) as bands_in_version
    from score_bands
),

problems as (
    select
        'routing_rules.csv' as seed_file,
        rule_id as row_key,
        'target_team' as column_name,
        coalesce(target_team, '(blank)') as found,
        'a team of reps.csv (a ' || method || ' rule assigns among its members)' as expected
    from routing_rules
    where
        method in ('round_robin', 'load_balanced')
        and (target_team is null or target_team not in (
            select team from reps
            where team is not null
        ))

    union all
    select
        'routing_rules.csv' as seed_file,
        rule_id as row_key,
        'target_rep_id' as column_name,
        coalesce(target_rep_id, '(blank)') as found,
        'a rep_id of reps.csv (a direct rule assigns to one rep)' as expected
    from routing_rules
    where
        method = 'direct'
        and (target_rep_id is null or target_rep_id not in (select rep_id from reps))

    union all
    select
        'routing_rules.csv' as seed_file,
        rule_id as row_key,
        'min_employees' as column_name,
        cast(min_employees as varchar) || ' (max_employees ' || cast(max_employees as varchar) || ')' as found,
        'below max_employees (min is inclusive, max exclusive): no company size matches' as expected
    from routing_rules
    where min_employees >= max_employees

    union all
    select
        seed_file,
        row_key,
        'score_bands' as column_name,
        band as found,
        'a band of score_bands.csv (' || (select string_agg(band, ', ' order by band) from band_names) || ')' as expected
    from listed_bands
    where band not in (select band from band_names)

    union all
    select
        'activity_type_map.csv' as seed_file,
        source_value as row_key,
        'activity_type' as column_name,
        activity_type as found,
        'a canonical activity type the models know (the accepted values of stg_activities.activity_type): '
        || 'map a new label to one of them' as expected
    from activity_type_map
    where
        activity_type not in (
            -- keep in step with models/staging/_staging__models.yml (tests/test_seed_rules.py checks it)
            'form_submit', 'demo_request', 'content_download', 'webinar_registration', 'webinar_attendance',
            'event_scan', 'page_view', 'pricing_page_view', 'paid_click', 'email_sent', 'email_open',
            'email_click', 'email_reply', 'email_bounce', 'unsubscribe', 'call', 'meeting_booked',
            'meeting_held', 'linkedin_message', 'task_scheduled', 'status_change', 'sales_accepted',
            'sales_rejected', 'disqualified', 'sdr_feedback', 'other'
        )

    union all
    select
        seed_file,
        row_key,
        column_name,
        activity_type as found,
        'a canonical activity type (activity_type column of activity_type_map.csv)' as expected
    from listed_activity_types
    where activity_type not in (select activity_type from canonical_types)

    union all
    select
        'sla_policies.csv' as seed_file,
        tier as row_key,
        'response_minutes' as column_name,
        cast(response_minutes as varchar) as found,
        'a number of minutes above 0' as expected
    from sla_policies
    where response_minutes <= 0

    union all
    select
        seed_file,
        row_key,
        'model_version' as column_name,
        model_version as found,
        'a model_version of scoring_models.csv' as expected
    from listed_versions
    where model_version not in (select model_version from scoring_models)

    union all
    select
        'score_bands.csv' as seed_file,
        model_version || ' ' || band as row_key,
        'min_score' as column_name,
        coalesce(cast(min_score as varchar), '(blank)') as found,
        case
            when position = 1 then 'blank: the lowest band starts at any score'
            else cast(previous_max as varchar) || ', the max_score of the band below: no gap, no overlap'
        end as expected
    from ordered_bands
    where
        (position = 1 and min_score is not null)
        or (position > 1 and (previous_max is null or min_score is distinct from previous_max))

    union all
    select
        'score_bands.csv' as seed_file,
        model_version || ' ' || band as row_key,
        'max_score' as column_name,
        coalesce(cast(max_score as varchar), '(blank)') as found,
        case
            when position = bands_in_version then 'blank: the highest band has no upper limit'
            else 'above min_score'
        end as expected
    from ordered_bands
    where
        (position = bands_in_version and max_score is not null)
        or (position < bands_in_version and (max_score is null or max_score <= min_score))

    union all
    select
        'scoring_rules.csv' as seed_file,
        model_version || ' ' || rule_id as row_key,
        'rule_id' as column_name,
        rule_id || ' (' || cast(count(*) as varchar) || ' rows)' as found,
        'once per model_version (a second row would add its points again)' as expected
    from scoring_rules
    group by model_version, rule_id
    having count(*) > 1

    union all
    select
        'scoring_rules.csv' as seed_file,
        model_version || ' ' || rule_id as row_key,
        'attribute' as column_name,
        attribute as found,
        case
            when activity_type is null
                then
                    'a person attribute (employee_count, annual_revenue, industry, country_code, sales_region, '
                    || 'seniority, seniority_rank, job_title, original_channel, product_interest, is_free_mail) '
                    || 'or days_without_engagement (docs/scoring.md)'
            else
                'an activity attribute (page_url, channel, direction, outcome, utm_source, utm_medium, '
                || 'utm_campaign, reason, rating) or blank (docs/scoring.md)'
        end as expected
    from scoring_rules
    where
        attribute is not null
        and (
            (
                activity_type is null
                and attribute not in (
                    'employee_count', 'annual_revenue', 'industry', 'country_code', 'sales_region', 'seniority',
                    'seniority_rank', 'job_title', 'original_channel', 'product_interest', 'is_free_mail',
                    'days_without_engagement'
                )
            )
            or (
                activity_type is not null
                and attribute not in (
                    'page_url', 'channel', 'direction', 'outcome', 'utm_source', 'utm_medium', 'utm_campaign',
                    'reason', 'rating'
                )
            )
        )

    union all
    select
        'fx_rates.csv' as seed_file,
        currency || ' ' || cast(valid_from as varchar) as row_key,
        'rate_to_reporting' as column_name,
        coalesce(cast(rate_to_reporting as varchar), '(blank)') as found,
        'a rate above 0' as expected
    from fx_rates
    where rate_to_reporting is null or rate_to_reporting <= 0

    union all
    select
        'fx_rates.csv' as seed_file,
        currency || ' ' || cast(valid_from as varchar) as row_key,
        'valid_from' as column_name,
        cast(valid_from as varchar) || ' (' || cast(count(*) as varchar) || ' rows)' as found,
        'one rate per currency and valid_from' as expected
    from fx_rates
    group by currency, valid_from
    having count(*) > 1

    union all
    select
        'attribution_models.csv' as seed_file,
        attribution_model as row_key,
        column_name as column_name,
        cast(weight as varchar) as found,
        'a weight of 0 or more (weights are scaled to 100% per deal)' as expected
    from attribution_weights
    where weight < 0

    union all
    select
        'reps.csv' as seed_file,
        rep_id as row_key,
        'holiday_calendar' as column_name,
        holiday_calendar as found,
        'a calendar of holidays.csv (' || (select string_agg(distinct calendar, ', ' order by calendar) from holidays) || ')' as expected
    from reps
    where holiday_calendar is not null and holiday_calendar not in (select calendar from holidays)

    union all
    select
        map_keys.seed_file as seed_file,
        map_keys.map_key as row_key,
        map_keys.column_name as column_name,
        map_keys.map_key as found,
        'lower case without surrounding spaces (exports are lower-cased and trimmed before the lookup)' as expected
    from map_keys
    where map_keys.map_key != lower(trim(map_keys.map_key))
)

select * from problems
order by seed_file, row_key, column_name
