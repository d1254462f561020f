-- Average score (as of creation) of won vs not-won persons per created quarter, and how the gap moves:
-- a narrowing gap means the model needs recalibrating. The closed-lost average (a deal lost, not just
-- aged out) and the won - lost gap are kept beside it for the calibration page.
with

base as (
    select * from {{ ref('int_scoring__calibration_base') }}
    where scored_as_of = 'creation'
),

quarters as (
    select
        model_version,
        created_quarter,
        count(*) as persons,
        count(*) filter (where is_won) as won,
        count(*) filter (where outcome = 'lost') as lost,
        avg(score) filter (where is_won) as avg_score_won,
        avg(score) filter (where not is_won) as avg_score_not_won,
        avg(score) filter (where outcome = 'lost') as avg_score_lost
    from base
    group by model_version, created_quarter
),

final as (
    select
        model_version,
        created_quarter,
        persons,
        won,
        lost,
        avg_score_won,
        avg_score_not_won,
        avg_score_lost,
        avg_score_won - avg_score_not_won as score_gap,
        avg_score_won - avg_score_lost as won_lost_gap,
        (avg_score_won - avg_score_not_won)
        - lag(avg_score_won - avg_score_not_won) over (partition by model_version order by created_quarter)
            as gap_change,
        case
            when
                lag(avg_score_won - avg_score_not_won) over (partition by model_version order by created_quarter)
                is null then null
            when
                avg_score_won - avg_score_not_won
                < lag(avg_score_won - avg_score_not_won) over (partition by model_version order by created_quarter)
                then 'narrowing'
            else 'widening'
        end as gap_trend
    from quarters
)

select * from final
