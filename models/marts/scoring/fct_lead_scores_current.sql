-- Each person's score per model version at the scoring horizon (decayed up to it), with its band,
-- action, when the person first became an MQL under that version, and the rules that contribute most.
with

contributions as (
    select * from {{ ref('int_lead_score_contributions') }}
),

history as (
    select * from {{ ref('fct_lead_score_history') }}
),

models as (
    select * from {{ ref('scoring_models') }}
),

bands as (
    select * from {{ ref('score_bands') }}
),

horizon as (
    select {{ scoring_horizon() }} as horizon_at
),

rule_points as (
    select
        contributions.person_id,
        contributions.model_version,
        contributions.rule_id,
        any_value(contributions.track) as track,
        sum(
            contributions.points
            * case
                when contributions.half_life_days is null then 1
                else pow(
                    2, -(epoch(horizon.horizon_at) - epoch(contributions.event_at)) / 86400.0
                    / contributions.half_life_days
                )
            end
        ) as points
    from contributions
    cross join horizon
    group by contributions.person_id, contributions.model_version, contributions.rule_id
),

reasons as (
    select
        person_id,
        model_version,
        string_agg(
            rule_id || ' ' || case when points >= 0 then '+' else '' end || cast(round(points, 1) as varchar),
            '; ' order by abs(points) desc, rule_id
        ) filter (where reason_rank <= 3) as top_reasons
    from (
        select
            *,
            row_number() over (partition by person_id, model_version order by abs(points) desc, rule_id) as reason_rank
        from rule_points
        where abs(points) >= 0.05
    ) as ranked
    group by person_id, model_version
),

latest as (
    select
        person_id,
        model_version,
        score as latest_score,
        scored_at as last_changed_at
    from history
    where valid_until is null
),

mqls as (
    select
        person_id,
        model_version,
        scored_at as mql_at
    from history
    where is_mql_crossing
),

track_points as (
    select
        person_id,
        model_version,
        sum(points) filter (where track = 'fit') as fit_points,
        sum(points) filter (where track = 'intent') as intent_points,
        sum(points) filter (where track = 'engagement') as engagement_points
    from rule_points
    group by person_id, model_version
),

scored as (
    select
        latest.person_id,
        latest.model_version,
        mqls.mql_at,
        latest.last_changed_at,
        coalesce(track_points.fit_points, 0) as fit_points,
        coalesce(track_points.intent_points, 0) as intent_points,
        coalesce(track_points.engagement_points, 0) as engagement_points,
        -- the predictive model's last probability stands until it scores again; rounded before the band is
        -- applied, as in fct_lead_score_history: the score a person reads is the score judged
        round(coalesce(
            {{ combine_score(
                'models',
                'coalesce(track_points.fit_points, 0)',
                'coalesce(track_points.intent_points, 0)',
                'coalesce(track_points.engagement_points, 0)'
            ) }},
            latest.latest_score
        ), 4) as score,
        models.mql_threshold,
        models.min_fit_for_mql,
        models.is_active
    from latest
    inner join models on latest.model_version = models.model_version
    left join mqls
        on
            latest.person_id = mqls.person_id
            and latest.model_version = mqls.model_version
    left join track_points
        on
            latest.person_id = track_points.person_id
            and latest.model_version = track_points.model_version
),

final as (
    select
        scored.person_id,
        scored.model_version,
        scored.is_active as is_active_model,
        scored.score,
        bands.band as score_band,
        bands.action as score_action,
        round(scored.fit_points, 4) as fit_points,
        round(scored.intent_points, 4) as intent_points,
        round(scored.engagement_points, 4) as engagement_points,
        reasons.top_reasons,
        scored.mql_at,
        scored.score >= scored.mql_threshold
        and scored.min_fit_for_mql is not null
        and round(scored.fit_points, 4) < scored.min_fit_for_mql as needs_fit_confirmation,
        scored.last_changed_at
    from scored
    left join bands
        on
            scored.model_version = bands.model_version
            and (bands.min_score is null or scored.score >= bands.min_score)
            and (bands.max_score is null or scored.score < bands.max_score)
    left join reasons
        on
            scored.person_id = reasons.person_id
            and scored.model_version = reasons.model_version
)

select * from final
