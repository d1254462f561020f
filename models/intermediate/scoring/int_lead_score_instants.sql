-- depends_on: {{ ref('scoring_rules') }}
-- Each rules model's track points for every person at every moment its score changes (a contribution
-- takes effect), using only contributions effective by then (no look-ahead), with decay applied up to
-- that moment. Exponential decay is a running sum: Σ p·2^(-(t-e)/h) = 2^(-t/h) · Σ p·2^(e/h) (times in
-- days from the person's creation), one running sum per track and half-life.
-- changed_by_rules: each rule is a bit and a moment ORs its rules' bits; the few distinct bit masks are then
-- spelled out once. A sorted, distinct list of rule ids per moment cost 40% of the model (L: 14-15.5 s ->
-- 10.6-10.9 s, same rows). Rules are numbered in rule_id order, 64 to a mask column
-- (macros/scoring.sql).
{%- set classes = scoring_decay_classes() %}
{%- set mask_bits = scoring_rule_mask_bits() %}
{%- set mask_words = scoring_rule_mask_words() %}
with

contributions as (
    select * from {{ ref('int_lead_score_contributions') }}
),

-- every rule id a contribution can carry, numbered in rule_id order
rule_bits as (
    select
        rule_id,
        cast(rule_index // {{ mask_bits }} as integer) as mask_word,
        cast(rule_index % {{ mask_bits }} as integer) as mask_bit
    from (
        select
            rule_id,
            row_number() over (order by rule_id) - 1 as rule_index
        from ({{ scoring_rule_ids() }}) as rule_ids
    ) as numbered
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
        {%- for word in range(mask_words) %}
        bit_or(
            case when rule_bits.mask_word = {{ word }} then cast(1 as ubigint) << rule_bits.mask_bit else 0 end
        ) as rule_mask_{{ word }}{{ "," if not loop.last }}
        {%- endfor %}
    from contributions
    -- left joins here and in final: a rule id without a bit (none is expected) would lose its name, never points
    left join rule_bits on contributions.rule_id = rule_bits.rule_id
    group by contributions.person_id, contributions.model_version, contributions.effective_at
),

mask_names as (
    select
        {%- for word in range(mask_words) %}
        masks.rule_mask_{{ word }},
        {%- endfor %}
        string_agg(rule_bits.rule_id, ',' order by rule_bits.rule_id) as changed_by_rules
    from (
        select distinct
            {%- for word in range(mask_words) %}
            rule_mask_{{ word }}{{ "," if not loop.last }}
            {%- endfor %}
        from per_moment
    ) as masks
    inner join rule_bits
        on (
            case rule_bits.mask_word
                {%- for word in range(mask_words) %}
                when {{ word }} then masks.rule_mask_{{ word }}
                {%- endfor %}
            end >> rule_bits.mask_bit
        ) & 1 = 1
    group by all
),

running as (
    select
        person_id,
        model_version,
        scored_at,
        created_at,
        {%- for word in range(mask_words) %}
        rule_mask_{{ word }},
        {%- endfor %}
        {%- for track, half_life in classes %}
        sum(coalesce(weighted_{{ loop.index }}, 0)) over (
            partition by person_id, model_version order by scored_at rows between unbounded preceding and current row
        ) as running_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from per_moment
),

final as (
    select
        running.person_id,
        running.model_version,
        running.scored_at,
        mask_names.changed_by_rules,
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
    left join mask_names
        on
            {%- for word in range(mask_words) %}
            {{ "and " if not loop.first }}running.rule_mask_{{ word }} = mask_names.rule_mask_{{ word }}
            {%- endfor %}
)

select * from final
