-- Does each score predict closed-won? One row per (model version, scored as of creation / MQL / peak):
-- ROC AUC (average ranks for ties, as scikit-learn), KS (max TPR - FPR), Brier score and log loss
-- (probabilities clipped to machine epsilon, as scikit-learn), win rates and the won/lost score gap.
with

base as (
    select * from {{ ref('int_scoring__calibration_base') }}
),

ranked as (
    select
        *,
        rank() over (partition by model_version, scored_as_of order by score) as rank_low,
        count(*) over (partition by model_version, scored_as_of, score) as tie_count
    from base
),

-- true and false positive counts above each distinct score, for KS
by_score as (
    select
        model_version,
        scored_as_of,
        score,
        count(*) filter (where is_won) as won_at_score,
        count(*) filter (where not is_won) as lost_at_score
    from base
    group by model_version, scored_as_of, score
),

curve as (
    select
        model_version,
        scored_as_of,
        sum(won_at_score) over descending as won_above,
        sum(lost_at_score) over descending as lost_above
    from by_score
    window descending as (
        partition by model_version, scored_as_of order by score desc rows between unbounded preceding and current row
    )
),

totals as (
    select
        model_version,
        scored_as_of,
        count(*) as persons,
        count(*) filter (where is_won) as won,
        count(*) filter (where not is_won) as not_won,
        sum(rank_low + (tie_count - 1) / 2.0) filter (where is_won) as won_rank_sum,
        avg(power(probability - case when is_won then 1.0 else 0.0 end, 2)) as brier_score,
        -avg(
            case
                when is_won then ln(greatest(probability, 2.220446049250313e-16))
                else ln(1 - least(probability, 1 - 2.220446049250313e-16))
            end
        ) as log_loss,
        avg(score) filter (where is_won) as avg_score_won,
        avg(score) filter (where not is_won) as avg_score_not_won,
        bool_and(is_model_probability) as uses_model_probability
    from ranked
    group by model_version, scored_as_of
),

ks as (
    select
        curve.model_version,
        curve.scored_as_of,
        greatest(max(curve.won_above / totals.won - curve.lost_above / totals.not_won), 0) as ks_statistic
    from curve
    inner join totals
        on
            curve.model_version = totals.model_version
            and curve.scored_as_of = totals.scored_as_of
    where totals.won > 0 and totals.not_won > 0
    group by curve.model_version, curve.scored_as_of
),

final as (
    select
        totals.model_version,
        totals.scored_as_of,
        totals.persons,
        totals.won,
        totals.not_won,
        totals.won / totals.persons as win_rate,
        case
            when totals.won > 0 and totals.not_won > 0
                then (totals.won_rank_sum - totals.won * (totals.won + 1) / 2.0) / (totals.won * totals.not_won)
        end as roc_auc,
        ks.ks_statistic,
        totals.brier_score,
        totals.log_loss,
        totals.uses_model_probability,
        totals.avg_score_won,
        totals.avg_score_not_won,
        totals.avg_score_won - totals.avg_score_not_won as score_gap
    from totals
    left join ks
        on
            totals.model_version = ks.model_version
            and totals.scored_as_of = ks.scored_as_of
)

select * from final
