-- Win rate per score band, per model version and as-of point: does "immediate" really win more?
with

base as (
    select * from {{ ref('int_scoring__calibration_base') }}
),

final as (
    select
        model_version,
        scored_as_of,
        score_band,
        count(*) as persons,
        count(*) filter (where is_won) as won,
        avg(case when is_won then 1.0 else 0.0 end) as win_rate,
        avg(score) as avg_score
    from base
    group by model_version, scored_as_of, score_band
)

select * from final
