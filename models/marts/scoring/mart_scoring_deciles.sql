-- Win rate and lift per score decile (1 = highest scores), per model version and as-of point.
with

base as (
    select * from {{ ref('int_scoring__calibration_base') }}
),

deciled as (
    select
        *,
        ntile(10) over (partition by model_version, scored_as_of order by score desc, person_id asc) as decile,
        avg(case when is_won then 1.0 else 0.0 end) over (partition by model_version, scored_as_of) as overall_win_rate
    from base
),

final as (
    select
        model_version,
        scored_as_of,
        decile,
        count(*) as persons,
        count(*) filter (where is_won) as won,
        avg(case when is_won then 1.0 else 0.0 end) as win_rate,
        avg(case when is_won then 1.0 else 0.0 end) / nullif(any_value(overall_win_rate), 0) as lift,
        min(score) as min_score,
        max(score) as max_score,
        avg(score) as avg_score
    from deciled
    group by model_version, scored_as_of, decile
)

select * from final
