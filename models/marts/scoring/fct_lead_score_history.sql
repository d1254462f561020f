-- Every lead's score as it changed, per model version: one row per (person, version, moment a score
-- changed), computed only from what was known at that moment, with decay applied up to it. Rules models
-- come from int_lead_score_instants; the predictive challenger's probabilities from the Python model
-- lead_predictions. mql_at is the first row where is_mql holds.
with

instants as (
    select * from {{ ref('int_lead_score_instants') }}
),

predictions as (
    select * from {{ ref('lead_predictions') }}
),

models as (
    select * from {{ ref('scoring_models') }}
),

bands as (
    select * from {{ ref('score_bands') }}
),

rules_scores as (
    select
        instants.person_id,
        instants.model_version,
        instants.scored_at,
        instants.changed_by_rules,
        instants.fit_points,
        instants.intent_points,
        instants.engagement_points,
        cast(null as double) as probability,
        -- rounded before any threshold or band is applied: the score a person reads is the score judged, and
        -- a sum of decayed points that lands a few ulps either side of a boundary cannot flip between builds
        round(
            {{ combine_score('models', 'instants.fit_points', 'instants.intent_points', 'instants.engagement_points') }},
            4
        ) as score
    from instants
    inner join models on instants.model_version = models.model_version
),

predictive_scores as (
    select
        predictions.person_id,
        predictions.model_version,
        predictions.scored_at,
        'model' as changed_by_rules,
        cast(null as double) as fit_points,
        cast(null as double) as intent_points,
        cast(null as double) as engagement_points,
        predictions.probability,
        round(100 * predictions.probability, 4) as score
    from predictions
    inner join models on predictions.model_version = models.model_version
),

scored as (
    select * from rules_scores
    union all
    select * from predictive_scores
),

judged as (
    select
        scored.*,
        models.mql_threshold,
        scored.score >= models.mql_threshold as reaches_threshold,
        models.min_fit_for_mql is null or round(scored.fit_points, 4) >= models.min_fit_for_mql as is_fit_confirmed
    from scored
    inner join models on scored.model_version = models.model_version
),

final as (
    select
        judged.person_id,
        judged.model_version,
        judged.scored_at,
        lead(judged.scored_at) over (
            partition by judged.person_id, judged.model_version order by judged.scored_at
        ) as valid_until,
        judged.changed_by_rules,
        judged.fit_points,
        judged.intent_points,
        judged.engagement_points,
        judged.score,
        judged.probability,
        bands.band as score_band,
        judged.reaches_threshold and judged.is_fit_confirmed as is_mql,
        judged.reaches_threshold and not judged.is_fit_confirmed as needs_fit_confirmation,
        judged.reaches_threshold and judged.is_fit_confirmed
        and not coalesce(bool_or(judged.reaches_threshold and judged.is_fit_confirmed) over (
            partition by judged.person_id, judged.model_version
            order by judged.scored_at rows between unbounded preceding and 1 preceding
        ), false) as is_mql_crossing
    from judged
    left join bands
        on
            judged.model_version = bands.model_version
            and (bands.min_score is null or judged.score >= bands.min_score)
            and (bands.max_score is null or judged.score < bands.max_score)
)

select * from final
