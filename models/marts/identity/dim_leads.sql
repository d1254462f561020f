-- One row per real person: the lead an SDR works. Hygiene, survivorship and enrichment from
-- int_persons__enriched, and the current score of the active model version (seeds/scoring_models.csv)
-- with its band and the rules behind it.
with

persons as (
    select * from {{ ref('int_persons__enriched') }}
),

scores as (
    select * from {{ ref('fct_lead_scores_current') }}
    where is_active_model
),

final as (
    select
        persons.*,
        scores.model_version as score_model_version,
        scores.score as lead_score,
        scores.score_band,
        scores.score_action,
        scores.fit_points,
        scores.intent_points,
        scores.engagement_points,
        scores.top_reasons as score_top_reasons,
        scores.mql_at,
        coalesce(scores.needs_fit_confirmation, false) as needs_fit_confirmation
    from persons
    left join scores on persons.person_id = scores.person_id
)

select * from final
