-- Lead-to-opportunity (and on to won revenue) by original lead source, for persons created in each month
-- and over all time, with the SDRs' lead-quality feedback (sdr_feedback ratings 1-5) and the
-- disqualification rate of the source: what marketing needs to judge a channel by revenue and by quality,
-- not only by volume.
with

lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

activities as (
    select * from {{ ref('int_activities__resolved') }}
),

person_revenue as (
    select
        person_id,
        sum(amount_reporting) filter (where is_won) as won_revenue,
        sum(amount_reporting) as pipeline
    from deals
    where person_id is not null
    group by person_id
),

person_feedback as (
    select
        person_id,
        count(*) as ratings,
        sum(rating) as rating_total
    from activities
    where activity_type = 'sdr_feedback' and rating is not null
    group by person_id
),

persons as (
    select
        lifecycle.*,
        person_revenue.won_revenue,
        person_revenue.pipeline,
        person_feedback.ratings,
        person_feedback.rating_total
    from lifecycle
    left join person_revenue on lifecycle.person_id = person_revenue.person_id
    left join person_feedback on lifecycle.person_id = person_feedback.person_id
),

cohorts as (
    select
        'month' as cohort_grain,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as cohort_start,
        *
    from persons
    union all
    select
        'all_time' as cohort_grain,
        cast(null as date) as cohort_start,
        *
    from persons
),

final as (
    select
        cohort_grain,
        cohort_start,
        channel,
        count(*) as leads,
        count(mql_at) as mqls,
        count(sql_at) as sqls,
        count(opportunity_at) as opportunities,
        count(won_at) as wins,
        count(disqualified_at) as disqualified,
        100.0 * count(mql_at) / count(*) as lead_to_mql_pct,
        100.0 * count(opportunity_at) / count(*) as lead_to_opportunity_pct,
        100.0 * count(won_at) / count(*) as lead_to_won_pct,
        100.0 * count(disqualified_at) / count(*) as disqualification_pct,
        coalesce(sum(pipeline), 0) as pipeline,
        coalesce(sum(won_revenue), 0) as won_revenue,
        coalesce(sum(won_revenue), 0) / count(*) as won_revenue_per_lead,
        coalesce(sum(ratings), 0) as sdr_ratings,
        sum(rating_total) / nullif(sum(ratings), 0) as average_sdr_rating
    from cohorts
    group by cohort_grain, cohort_start, channel
)

select * from final
