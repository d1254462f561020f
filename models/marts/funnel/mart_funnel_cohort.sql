-- The funnel by cohort: persons created in a week (or month) x channel x segment x team, how many
-- reached each stage, stage-to-stage conversion (reached both / reached the earlier one), cumulative
-- conversion from lead, median and p75 days between consecutive stages (non-negative durations only,
-- see fct_lead_lifecycle), and MQL -> SQL against var funnel_mql_to_sql_goal_pct. Nothing depends on
-- the day the report runs: a cohort changes only when new events arrive.
{%- set stages = ['mql', 'sal', 'sql', 'opportunity', 'won'] %}
{%- set plural = {'mql': 'mqls', 'sal': 'sals', 'sql': 'sqls', 'opportunity': 'opportunities', 'won': 'wins'} %}
{%- set previous = {'mql': 'created', 'sal': 'mql', 'sql': 'sal', 'opportunity': 'sql', 'won': 'opportunity'} %}
with

lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
),

cohorts as (
    select
        'week' as cohort_grain,
        cast({{ dbt.date_trunc('week', 'created_at') }} as date) as cohort_start,
        *
    from lifecycle
    union all
    select
        'month' as cohort_grain,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as cohort_start,
        *
    from lifecycle
),

grouped as (
    select
        cohort_grain,
        cohort_start,
        channel,
        segment,
        team,
        count(*) as leads,
        {%- for stage in stages %}
            count({{ stage }}_at) as {{ plural[stage] }},
            count(*) filter (where {{ stage }}_at is not null and {{ previous[stage] }}_at is not null)
                as {{ previous[stage] }}_to_{{ stage }}_both,
            median({{ dbt.datediff(previous[stage] ~ '_at', stage ~ '_at', 'second') }} / 86400.0) filter (
                where {{ stage }}_at >= {{ previous[stage] }}_at
            ) as median_days_{{ previous[stage] }}_to_{{ stage }},
            quantile_cont({{ dbt.datediff(previous[stage] ~ '_at', stage ~ '_at', 'second') }} / 86400.0, 0.75) filter (
                where {{ stage }}_at >= {{ previous[stage] }}_at
            ) as p75_days_{{ previous[stage] }}_to_{{ stage }},
        {%- endfor %}
        count(*) filter (where mql_at is not null and sql_at is not null) as mql_and_sql
    from cohorts
    group by cohort_grain, cohort_start, channel, segment, team
),

final as (
    select
        cohort_grain,
        cohort_start,
        channel,
        segment,
        team,
        leads,
        {%- for stage in stages %}
            {{ plural[stage] }},
        {%- endfor %}
        {%- for stage in stages %}
            100.0 * {{ previous[stage] }}_to_{{ stage }}_both / nullif(
                {% if previous[stage] == 'created' %}leads{% else %}{{ plural[previous[stage]] }}{% endif %}, 0
            ) as {{ previous[stage] | replace('created', 'lead') }}_to_{{ stage }}_pct,
            100.0 * {{ plural[stage] }} / leads as lead_to_{{ stage }}_cumulative_pct,
            median_days_{{ previous[stage] }}_to_{{ stage }} as median_days_{{ previous[stage] | replace('created', 'lead') }}_to_{{ stage }},
            p75_days_{{ previous[stage] }}_to_{{ stage }} as p75_days_{{ previous[stage] | replace('created', 'lead') }}_to_{{ stage }},
        {%- endfor %}
        100.0 * mql_and_sql / nullif(mqls, 0) as mql_to_sql_pct,
        {{ var('funnel_mql_to_sql_goal_pct') }} as mql_to_sql_goal_pct,
        100.0 * mql_and_sql / nullif(mqls, 0) >= {{ var('funnel_mql_to_sql_goal_pct') }} as meets_mql_to_sql_goal
    from grouped
)

select * from final
