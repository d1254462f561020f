-- Reliability (calibration curve): persons grouped in ten equal-width probability bins, mean predicted
-- probability against the observed win rate, per model version and as-of point.
with

base as (
    select * from {{ ref('int_scoring__calibration_base') }}
),

binned as (
    select
        *,
        least(cast(floor(probability * 10) as integer), 9) as probability_bin
    from base
),

final as (
    select
        model_version,
        scored_as_of,
        probability_bin,
        probability_bin / 10.0 as bin_lower,
        (probability_bin + 1) / 10.0 as bin_upper,
        count(*) as persons,
        avg(probability) as mean_predicted,
        avg(case when is_won then 1.0 else 0.0 end) as observed_win_rate
    from binned
    group by model_version, scored_as_of, probability_bin
)

select * from final
