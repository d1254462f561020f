-- One row per (model version, as-of point, net-new person with a known outcome): the person's score and
-- probability as of creation, as of becoming an MQL under that version, and at its peak before the
-- outcome. Rules models have no probability of their own: they get their band's observed win rate in
-- the same population; the predictive model keeps its own.
with

history as (
    select * from {{ ref('fct_lead_score_history') }}
),

outcomes as (
    select * from {{ ref('int_persons__outcomes') }}
    where outcome in ('won', 'lost', 'aged_out')
),

known as (
    select
        history.*,
        outcomes.outcome,
        outcomes.outcome = 'won' as is_won,
        outcomes.created_at
    from history
    inner join outcomes on history.person_id = outcomes.person_id
    -- nothing at or after the outcome counts (the deal's own activities would leak it)
    where
        history.scored_at < coalesce(outcomes.first_deal_at, outcomes.outcome_at)
        or history.scored_at = outcomes.created_at
),

as_of_points as (
    select
        model_version,
        'creation' as scored_as_of,
        person_id,
        score,
        probability,
        score_band,
        outcome,
        is_won,
        created_at
    from known
    where scored_at = created_at

    union all

    select
        model_version,
        'mql' as scored_as_of,
        person_id,
        score,
        probability,
        score_band,
        outcome,
        is_won,
        created_at
    from known
    where is_mql_crossing

    union all

    select
        model_version,
        'peak' as scored_as_of,
        person_id,
        max(score) as score,
        max(probability) as probability,
        arg_max(score_band, score) as score_band,
        any_value(outcome) as outcome,
        any_value(is_won) as is_won,
        any_value(created_at) as created_at
    from known
    group by model_version, person_id
),

band_rates as (
    select
        model_version,
        scored_as_of,
        score_band,
        avg(case when is_won then 1.0 else 0.0 end) as band_win_rate
    from as_of_points
    group by model_version, scored_as_of, score_band
),

final as (
    select
        as_of_points.model_version,
        as_of_points.scored_as_of,
        as_of_points.person_id,
        as_of_points.score,
        coalesce(as_of_points.probability, band_rates.band_win_rate) as probability,
        as_of_points.probability is not null as is_model_probability,
        as_of_points.score_band,
        as_of_points.outcome,
        as_of_points.is_won,
        as_of_points.created_at,
        {{ dbt.date_trunc('quarter', 'as_of_points.created_at') }} as created_quarter
    from as_of_points
    left join band_rates
        on
            as_of_points.model_version = band_rates.model_version
            and as_of_points.scored_as_of = band_rates.scored_as_of
            and as_of_points.score_band is not distinct from band_rates.score_band
)

select * from final
