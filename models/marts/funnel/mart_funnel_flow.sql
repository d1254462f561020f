-- The funnel by period: how many persons entered each stage per week (Monday), whenever they were
-- created, by channel, segment and team.
{%- set stages = [('lead', 'created_at', 1), ('mql', 'mql_at', 2), ('sal', 'sal_at', 3), ('sql', 'sql_at', 4),
    ('opportunity', 'opportunity_at', 5), ('won', 'won_at', 6), ('disqualified', 'disqualified_at', 7),
    ('recycled', 'recycled_at', 8)] %}
with

lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
),

entries as (
    {%- for stage, column, stage_number in stages %}
        select
            '{{ stage }}' as stage,
            {{ stage_number }} as stage_number,
            {{ column }} as entered_at,
            channel,
            segment,
            team
        from lifecycle
        where {{ column }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        cast({{ dbt.date_trunc('week', 'entered_at') }} as date) as week_start,
        stage,
        stage_number,
        channel,
        segment,
        team,
        count(*) as entered
    from entries
    group by cast({{ dbt.date_trunc('week', 'entered_at') }} as date), stage, stage_number, channel, segment, team
)

select * from final
