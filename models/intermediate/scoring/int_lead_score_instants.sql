-- depends_on: {{ ref('scoring_rules') }}
-- Each rules model's track points for every person at every moment its score changes (a contribution
-- takes effect), using only contributions effective by then (no look-ahead), with decay applied up to
-- that moment. Exponential decay is a running sum: Σ p·2^(-(t-e)/h) = 2^(-t/h) · Σ p·2^(e/h) (times in
-- days from the person's creation), one running sum per track and half-life.
{%- set classes = scoring_decay_classes() %}
with

contributions as (
    select * from {{ ref('int_lead_score_contributions') }}
),

per_moment as (
    select
        contributions.person_id,
        contributions.model_version,
        contributions.effective_at as scored_at,
        any_value(contributions.person_created_at) as created_at,
        {%- for track, half_life in classes %}
        sum(
            case
                when contributions.track = '{{ track }}'
                    and contributions.half_life_days {% if half_life is none %}is null{% else %}= {{ half_life }}{% endif %}
                    then contributions.points
                    {%- if half_life is not none %}
                    * pow(2, (epoch(contributions.event_at) - epoch(contributions.person_created_at)) / 86400.0 / {{ half_life }})
                    {%- endif %}
            end
        ) as weighted_{{ loop.index }},
        {%- endfor %}
        array_to_string(list_sort(list_distinct(list(contributions.rule_id))), ',') as changed_by_rules
    from contributions
    group by contributions.person_id, contributions.model_version, contributions.effective_at
),

running as (
    select
        person_id,
        model_version,
        scored_at,
        created_at,
        changed_by_rules,
        {%- for track, half_life in classes %}
        sum(coalesce(weighted_{{ loop.index }}, 0)) over (
            partition by person_id, model_version order by scored_at rows between unbounded preceding and current row
        ) as running_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from per_moment
),

final as (
    select
        person_id,
        model_version,
        scored_at,
        changed_by_rules,
        {%- for track_name in ['fit', 'intent', 'engagement'] %}
        round(
            0
            {%- for track, half_life in classes %}
            {%- if track == track_name %}
            + running_{{ loop.index }}
            {%- if half_life is not none %}
            * pow(2, -(epoch(scored_at) - epoch(created_at)) / 86400.0 / {{ half_life }})
            {%- endif %}
            {%- endif %}
            {%- endfor %}, 6
        ) as {{ track_name }}_points{{ "," if not loop.last }}
        {%- endfor %}
    from running
)

select * from final
