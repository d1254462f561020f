-- What routing and the SLAs read about each routable lead (a net-new, non-spam person): the attributes
-- the rules test, the score band of the active model at creation, how the lead arrived, and the first
-- rep touch and status change after creation.
with

persons as (
    select * from {{ ref('int_persons__enriched') }}
    where is_net_new and not is_spam
),

score_history as (
    select * from {{ ref('fct_lead_score_history') }}
),

scoring_models as (
    select * from {{ ref('scoring_models') }}
),

activities as (
    select * from {{ ref('int_activities__resolved') }}
),

scores_at_creation as (
    select
        persons.person_id,
        arg_max(score_history.score, score_history.scored_at) as score_at_creation,
        arg_max(score_history.score_band, score_history.scored_at) as score_band_at_creation
    from persons
    inner join score_history
        on
            persons.person_id = score_history.person_id
            and score_history.scored_at
            <= {{ dbt.dateadd('minute', var('routing_arrival_window_minutes'), 'persons.created_at') }}
    inner join scoring_models
        on score_history.model_version = scoring_models.model_version and scoring_models.is_active
    group by persons.person_id
),

lead_activities as (
    select
        persons.person_id,
        persons.created_at,
        activities.activity_type,
        activities.is_marketing_touch,
        activities.is_rep_touch,
        activities.occurred_at,
        activities.rep_id,
        activities.new_status
    from persons
    inner join activities on persons.person_id = activities.person_id
),

-- How the lead arrived: its marketing touches around creation. Its own aggregate over those few rows, not a
-- filtered distinct aggregate in milestones, for which DuckDB first groups every activity by type
-- (L: 6M groups of 17M rows, ~7 s).
arrivals as (
    select
        person_id,
        string_agg(distinct activity_type, '|' order by activity_type) as arrival_types
    from lead_activities
    where
        is_marketing_touch
        and occurred_at
        between {{ dbt.dateadd('minute', -var('routing_arrival_window_minutes'), 'created_at') }}
        and {{ dbt.dateadd('minute', var('routing_arrival_window_minutes'), 'created_at') }}
    group by person_id
),

milestones as (
    select
        person_id,
        min(occurred_at) filter (where is_rep_touch and occurred_at >= created_at) as first_rep_touch_at,
        arg_min(rep_id, occurred_at) filter (where is_rep_touch and occurred_at >= created_at) as first_rep_touch_rep_id,
        min(occurred_at) filter (
            where activity_type = 'status_change' and new_status is not null and occurred_at >= created_at
        ) as first_status_change_at
    from lead_activities
    group by person_id
),

final as (
    select
        persons.person_id,
        persons.created_at,
        persons.sales_region,
        persons.country_code,
        persons.employee_count,
        persons.industry,
        persons.product_interest,
        persons.original_channel as channel,
        persons.crm_owner_id,
        persons.lead_status as initial_status,
        scores_at_creation.score_at_creation,
        scores_at_creation.score_band_at_creation,
        arrivals.arrival_types,
        milestones.first_rep_touch_at,
        milestones.first_rep_touch_rep_id,
        milestones.first_status_change_at
    from persons
    left join scores_at_creation on persons.person_id = scores_at_creation.person_id
    left join arrivals on persons.person_id = arrivals.person_id
    left join milestones on persons.person_id = milestones.person_id
)

select * from final
