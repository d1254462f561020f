-- What would each MQL threshold give? For every candidate threshold (0-100 by 5, plus each version's
-- own), over persons with a known outcome and their peak score before it: MQL volume, precision (share
-- of those MQLs won) and recall (share of all won persons caught).
with

base as (
    select * from {{ ref('int_scoring__calibration_base') }}
    where scored_as_of = 'peak'
),

models as (
    select * from {{ ref('scoring_models') }}
),

steps as (
    select unnest(range(0, 105, 5)) as threshold
),

candidates as (
    select
        models.model_version,
        cast(candidate.threshold as double) as threshold
    from models
    cross join steps as candidate

    union

    select
        model_version,
        mql_threshold as threshold
    from models
),

final as (
    select
        candidates.model_version,
        candidates.threshold,
        candidates.threshold = any_value(models.mql_threshold) as is_current_threshold,
        count(base.person_id) filter (where base.score >= candidates.threshold) as mql_volume,
        count(base.person_id) filter (where base.score >= candidates.threshold and base.is_won) as won_mqls,
        count(base.person_id) filter (where base.score >= candidates.threshold and base.is_won)
        / nullif(count(base.person_id) filter (where base.score >= candidates.threshold), 0) as precision_won,
        count(base.person_id) filter (where base.score >= candidates.threshold and base.is_won)
        / nullif(count(base.person_id) filter (where base.is_won), 0) as recall_won
    from candidates
    inner join models on candidates.model_version = models.model_version
    left join base on candidates.model_version = base.model_version
    group by candidates.model_version, candidates.threshold
)

select * from final
